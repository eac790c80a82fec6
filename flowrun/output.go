package flowrun

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/outposthq/outpost/secrets"
)

// maxLineBytes is the longest log message sent; a longer line is sent in pieces, so no
// single line can push a batch past the backend's request limit.
const maxLineBytes = 16 << 10

// secretValues lists every text the run's output must not show: the values of the
// run's context secrets, every variable of its environment whose name says it holds a
// secret, and the API key.
func secretValues(contextSecrets map[string]any, env []string, apiKeys ...string) []string {
	var vals []string
	for _, v := range contextSecrets {
		vals = append(vals, secrets.Strings(secrets.NewValue(v))...)
	}
	for _, kv := range env {
		if name, v, ok := strings.Cut(kv, "="); ok && secrets.SecretLooking(name) {
			vals = append(vals, v)
		}
	}
	for _, k := range apiKeys {
		if k != "" {
			vals = append(vals, k)
		}
	}
	return vals
}

// output receives the command's lines, already redacted, and sends each to the process's
// own stdout (which the agent may show) and to the run's logs.
type output struct {
	mu     sync.Mutex
	stdout io.Writer
	logs   *batcher
}

func (o *output) line(level, text string) {
	o.mu.Lock()
	// Nobody reading this process's stdout must not stop the run, so errors are dropped;
	// the line still reaches the run's logs.
	_, _ = io.WriteString(o.stdout, text+"\n")
	o.mu.Unlock()
	o.logs.add(OutputLogName, level, text)
}

// stream is one of the command's output streams: redacted first, then cut into lines,
// so that a secret split across writes or lines is still caught.
type stream struct {
	red   *secrets.Redactor
	lines *lineWriter
}

func newStream(out *output, level string, values []string) *stream {
	lw := &lineWriter{emit: func(text string) { out.line(level, text) }}
	red := secrets.NewRedactor(lw)
	red.Add(values...)
	return &stream{red: red, lines: lw}
}

func (s *stream) Write(p []byte) (int, error) { return s.red.Write(p) }

// close flushes what the redactor held back and the last line when it had no newline.
func (s *stream) close() {
	_ = s.red.Close() // lineWriter never fails
	s.lines.flush()
}

// lineWriter cuts a byte stream into lines without their "\n" (or "\r\n").
type lineWriter struct {
	emit func(text string)
	buf  []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.send(bytes.TrimSuffix(w.buf[:i], []byte("\r")))
		w.buf = w.buf[i+1:]
	}
	for len(w.buf) >= maxLineBytes {
		n := cut(w.buf)
		w.emit(string(w.buf[:n]))
		w.buf = w.buf[n:]
	}
	if len(w.buf) == 0 {
		w.buf = nil // let the consumed backing array go
	}
	return len(p), nil
}

// flush sends a last line that had no newline.
func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.send(w.buf)
		w.buf = nil
	}
}

// send emits one line, in pieces of at most maxLineBytes.
func (w *lineWriter) send(line []byte) {
	for len(line) > maxLineBytes {
		n := cut(line)
		w.emit(string(line[:n]))
		line = line[n:]
	}
	w.emit(string(line))
}

// cut is where to split b at most maxLineBytes in, at the start of a UTF-8 character.
func cut(b []byte) int {
	n := min(len(b), maxLineBytes)
	for i := n; i > n-utf8.UTFMax && i > 0; i-- {
		if i == len(b) || utf8.RuneStart(b[i]) {
			return i
		}
	}
	return n
}
