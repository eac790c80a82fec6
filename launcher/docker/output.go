package docker

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/outposthq/outpost/secrets"
)

// output copies a container's attached stdout and stderr, demultiplexed, through the
// run's redactor. When the destination fails, the rest is read and dropped, so the
// container never blocks on its output.
type output struct {
	resp   client.HijackedResponse
	red    *secrets.Redactor
	sink   *sink
	copied chan error // receives the copy's end, once

	mu     sync.Mutex
	exited bool          // guarded by mu: from now on, reads get an idle deadline
	idle   time.Duration // guarded by mu
}

// startOutput starts copying resp into red; red must write to a sink.
func startOutput(resp client.HijackedResponse, red *secrets.Redactor, s *sink) *output {
	o := &output{resp: resp, red: red, sink: s, copied: make(chan error, 1)}
	go func() {
		_, err := stdcopy.StdCopy(red, red, idleReader{o})
		o.copied <- err
	}()
	return o
}

// finish reads the output to its end, once the container has exited: every read may
// wait up to idle, which only a stream the engine failed to close reaches. Then the
// redactor is flushed. The deadline set here reaches a read already waiting.
func (o *output) finish(idle time.Duration) error {
	o.mu.Lock()
	o.exited, o.idle = true, idle
	o.mu.Unlock()
	_ = o.resp.Conn.SetReadDeadline(time.Now().Add(idle))
	err := <-o.copied
	o.resp.Close()
	var errs []error
	switch {
	case err == nil:
	case errors.Is(err, os.ErrDeadlineExceeded):
		errs = append(errs, fmt.Errorf("docker launcher: the container's output stayed open %s after it exited; the rest of it was dropped", idle))
	default:
		errs = append(errs, fmt.Errorf("docker launcher: reading the container's output: %w", err))
	}
	errs = append(errs, o.red.Close(), o.sink.err)
	return errors.Join(errs...)
}

// close ends the stream at once, for a launch that failed.
func (o *output) close() { o.resp.Close() }

// idleReader reads the stream. Once the container has exited, each read may wait up
// to the idle time, counted from the read's start: output that still flows is not cut,
// however long the destination takes to write it.
type idleReader struct{ o *output }

func (r idleReader) Read(p []byte) (int, error) {
	r.o.mu.Lock()
	exited, idle := r.o.exited, r.o.idle
	r.o.mu.Unlock()
	if exited {
		_ = r.o.resp.Conn.SetReadDeadline(time.Now().Add(idle))
	}
	return r.o.resp.Reader.Read(p)
}

// sink passes writes to w until one fails, then drops the rest and keeps the error. It
// is written from one goroutine at a time.
type sink struct {
	w   io.Writer
	err error
}

func (s *sink) Write(p []byte) (int, error) {
	if s.err == nil {
		if _, err := s.w.Write(p); err != nil {
			s.err = fmt.Errorf("docker launcher: writing the run's output: %w; the rest of it was dropped", err)
		}
	}
	return len(p), nil
}
