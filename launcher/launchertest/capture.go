package launchertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Capture is a Spec.Output that records everything and lets a test wait for output.
// Launchers' own tests use it too.
type Capture struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed, and replaced, on every write
}

// NewCapture returns an empty Capture.
func NewCapture() *Capture { return &Capture{changed: make(chan struct{})} }

func (c *Capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	close(c.changed)
	c.changed = make(chan struct{})
	return len(p), nil
}

func (c *Capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// WaitForLine waits until the output holds line as a whole line.
func (c *Capture) WaitForLine(ctx context.Context, line string) error {
	return c.wait(ctx, line, func(text string) bool {
		return strings.HasPrefix(text, line+"\n") || strings.Contains(text, "\n"+line+"\n")
	})
}

// WaitForText waits until the output contains text anywhere.
func (c *Capture) WaitForText(ctx context.Context, text string) error {
	return c.wait(ctx, text, func(got string) bool { return strings.Contains(got, text) })
}

func (c *Capture) wait(ctx context.Context, what string, done func(string) bool) error {
	for {
		c.mu.Lock()
		text, changed := c.buf.String(), c.changed
		c.mu.Unlock()
		if done(text) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("the run never printed %q: %w; its output so far: %q", what, ctx.Err(), text)
		}
	}
}

// failingWriter is a Spec.Output that refuses every write.
type failingWriter struct{}

var errRefused = errors.New("output refused by the test")

func (failingWriter) Write([]byte) (int, error) { return 0, errRefused }
