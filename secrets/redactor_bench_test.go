package secrets

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

const (
	benchLogSize = 1 << 20
	benchChunk   = 4 << 10
)

// benchSecrets returns n token-like values of 20 to 48 bytes.
func benchSecrets(rng *rand.Rand, n int) []string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	prefixes := []string{"ghp_", "AKIA", "xoxb-", "sk-", ""}
	values := make([]string, n)
	for i := range values {
		b := []byte(prefixes[rng.IntN(len(prefixes))])
		for range 20 + rng.IntN(29) {
			b = append(b, alphabet[rng.IntN(len(alphabet))])
		}
		values[i] = string(b)
	}
	return values
}

// benchLog returns 1 MiB of log lines: timestamps, levels, loggers and words, with one
// of values in about one line in fifty.
func benchLog(rng *rand.Rand, values []string) []byte {
	levels := []string{"DEBUG", "INFO", "INFO", "INFO", "WARNING", "ERROR"}
	loggers := []string{"prefect.FlowRunner", "prefect.TaskRunner", "prefect.CloudFlowRunner", "outpost.agent"}
	words := []string{"task", "run", "state", "Success", "Running", "flow", "starting", "finished",
		"rows", "loaded", "retry", "in", "seconds", "the", "result", "cache", "key", "token", "s3://bucket/path",
		"connection", "established", "to", "database", "http://127.0.0.1:4200/graphql", "{\"id\":", "42}"}
	t := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	for b.Len() < benchLogSize {
		t = t.Add(time.Duration(rng.IntN(2000)) * time.Millisecond)
		fmt.Fprintf(&b, "[%s] %s - %s | ", t.Format("2006-01-02 15:04:05.000"),
			levels[rng.IntN(len(levels))], loggers[rng.IntN(len(loggers))])
		for n := 4 + rng.IntN(14); n > 0; n-- {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		if rng.IntN(50) == 0 {
			b.WriteString("auth=" + values[rng.IntN(len(values))])
		}
		b.WriteByte('\n')
	}
	return b.Bytes()[:benchLogSize]
}

// onlyWriter and onlyReader hide WriteTo and ReadFrom, so io.CopyBuffer moves the data in
// chunks of the buffer's size, as a pipe from a child process does.
type onlyWriter struct{ io.Writer }
type onlyReader struct{ io.Reader }

func BenchmarkRedactor(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("secrets=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(7, 8))
			values := benchSecrets(rng, n)
			input := benchLog(rng, values)
			r := NewRedactor(onlyWriter{io.Discard})
			r.Add(values...)
			redacted := r.RedactString(string(input))
			for _, v := range values {
				if strings.Contains(redacted, v) {
					b.Fatalf("a value of %d bytes is not redacted", len(v))
				}
			}
			buf := make([]byte, benchChunk)
			b.SetBytes(int64(len(input)))
			for b.Loop() {
				if _, err := io.CopyBuffer(r, onlyReader{bytes.NewReader(input)}, buf); err != nil {
					b.Fatal(err)
				}
				if err := r.Flush(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkIOCopyBaseline(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	input := benchLog(rng, benchSecrets(rng, 1))
	buf := make([]byte, benchChunk)
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		if _, err := io.CopyBuffer(onlyWriter{io.Discard}, onlyReader{bytes.NewReader(input)}, buf); err != nil {
			b.Fatal(err)
		}
	}
}
