package launchertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// capture is a Spec.Output that records everything and lets a test wait for a line.
type capture struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed, and replaced, on every write
}

func newCapture() *capture { return &capture{changed: make(chan struct{})} }

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	close(c.changed)
	c.changed = make(chan struct{})
	return len(p), nil
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// waitFor waits until the output holds line as a whole line.
func (c *capture) waitFor(ctx context.Context, line string) error {
	for {
		c.mu.Lock()
		text, changed := c.buf.String(), c.changed
		c.mu.Unlock()
		if strings.HasPrefix(text, line+"\n") || strings.Contains(text, "\n"+line+"\n") {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("the run never printed %q: %w; its output so far: %q", line, ctx.Err(), text)
		}
	}
}

// failingWriter is a Spec.Output that refuses every write.
type failingWriter struct{}

var errRefused = errors.New("output refused by the test")

func (failingWriter) Write([]byte) (int, error) { return 0, errRefused }
