package agent

import (
	"bytes"
	"io"
	"sync"
)

// lineWriter prints a run's output with "[run-name] " before each line, writing whole
// lines only, so that the lines of runs printing at once never interleave. A partial
// last line is printed by Close.
type lineWriter struct {
	out    io.Writer
	mu     *sync.Mutex // shared by every run writing to out
	prefix []byte

	bufMu sync.Mutex
	buf   []byte
}

// output is where a run's output goes: the agent's stdout with --show-flow-logs,
// nowhere otherwise.
func (a *Agent) output(r *run) *lineWriter {
	out := io.Discard
	if a.cfg.ShowFlowLogs {
		out = a.deps.Stdout
	}
	name := r.meta.Name
	if name == "" {
		name = r.id()
	}
	return &lineWriter{out: out, mu: &a.stdoutMu, prefix: []byte("[" + name + "] ")}
}

// Write prints each complete line of p and keeps the rest for later.
func (w *lineWriter) Write(p []byte) (int, error) {
	if w.out == io.Discard {
		return len(p), nil
	}
	w.bufMu.Lock()
	defer w.bufMu.Unlock()
	w.buf = append(w.buf, p...)
	end := bytes.LastIndexByte(w.buf, '\n')
	if end < 0 {
		return len(p), nil
	}
	err := w.print(w.buf[:end+1])
	w.buf = append(w.buf[:0], w.buf[end+1:]...)
	return len(p), err
}

// Close prints a last line that had no newline.
func (w *lineWriter) Close() error {
	w.bufMu.Lock()
	defer w.bufMu.Unlock()
	if len(w.buf) == 0 {
		return nil
	}
	err := w.print(append(w.buf, '\n'))
	w.buf = nil
	return err
}

func (w *lineWriter) print(lines []byte) error {
	var b bytes.Buffer
	for line := range bytes.Lines(lines) {
		b.Write(w.prefix)
		b.Write(line)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err := w.out.Write(b.Bytes())
	return err
}
