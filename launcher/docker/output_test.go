package docker

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/outposthq/outpost/secrets"
)

// frame is one block of the engine's multiplexed stream: stream 1 is stdout, 2 stderr.
func frame(stream byte, text string) []byte {
	hdr := []byte{stream, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(text)))
	return append(hdr, text...)
}

type refusingWriter struct{}

func (refusingWriter) Write([]byte) (int, error) { return 0, errors.New("refused by the test") }

// TestOutput: stdout and stderr are demultiplexed through one redactor; a stream the
// engine fails to close after the exit is cut after the idle time; a failing
// destination neither blocks the stream nor hides its error.
func TestOutput(t *testing.T) {
	const secret = "secret-value-0xBEEF"
	tests := []struct {
		name     string
		dest     func(b *strings.Builder) *sink
		close    bool // the engine ends the stream
		want     string
		wantErrs []string
	}{
		{"demultiplexed and redacted", func(b *strings.Builder) *sink { return &sink{w: b} }, true,
			"out " + secrets.Redacted + "\nerr 2\nno newline", nil},
		{"stream left open", func(b *strings.Builder) *sink { return &sink{w: b} }, false,
			"out " + secrets.Redacted + "\nerr 2\nno newline", []string{"stayed open", "dropped"}},
		{"destination fails", func(*strings.Builder) *sink { return &sink{w: refusingWriter{}} }, true,
			"", []string{"writing the run's output", "refused by the test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			engine, ours := net.Pipe()
			defer engine.Close()
			var got strings.Builder
			sk := tt.dest(&got)
			red := secrets.NewRedactor(sk)
			red.Add(secret)
			o := startOutput(client.HijackedResponse{Conn: ours, Reader: bufio.NewReader(ours)}, red, sk)
			for _, f := range [][]byte{frame(1, "out "+secret[:5]), frame(1, secret[5:]+"\n"), frame(2, "err 2\n"), frame(1, "no newline")} {
				if _, err := engine.Write(f); err != nil {
					t.Fatal(err)
				}
			}
			if tt.close {
				engine.Close()
			}
			err := o.finish(50 * time.Millisecond)
			if got.String() != tt.want {
				t.Errorf("output = %q, want %q", got.String(), tt.want)
			}
			if tt.wantErrs == nil && err != nil {
				t.Errorf("finish = %v, want nil", err)
			}
			if tt.wantErrs != nil {
				errorMentions(t, err, tt.wantErrs...)
			}
		})
	}
}
