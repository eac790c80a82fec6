package cli

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestServerStartRefuses(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"port in use", []string{"--port", busyPort}, 1, "cannot listen on 127.0.0.1:" + busyPort + ": the address is already in use"},
		{"port out of range", []string{"--port", "70000"}, 2, "--port 70000 is out of range"},
		{"unknown log format", []string{"--port", "0", "--log-format", "xml"}, 1, `--log-format "xml"`},
		{"unknown log level", []string{"--port", "0", "--log-level", "LOUD"}, 1, `log level "LOUD"`},
		{"positional argument", []string{"now"}, 2, `takes no arguments, got "now"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := []string{"HOME=" + t.TempDir()}
			r := runMain(env, nil, append([]string{"server", "start"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
		})
	}
}
