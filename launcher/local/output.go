package local

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// copyOutput copies the run's output pipe into dst until every writer has closed it.
// When dst fails, the rest is read and dropped, so the run never blocks on a full pipe.
// After groupGone, a read that waits longer than idle means that only a process outside
// the group holds the pipe: copying stops there.
func copyOutput(dst io.Writer, src *os.File, groupGone <-chan struct{}, idle time.Duration) error {
	buf := make([]byte, 32<<10)
	var writeErr error
	for {
		n, err := src.Read(buf)
		if n > 0 && writeErr == nil {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				writeErr = fmt.Errorf("local launcher: writing the run's output: %w; the rest of it was dropped", werr)
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			return writeErr
		case errors.Is(err, os.ErrDeadlineExceeded):
			return errors.Join(writeErr, fmt.Errorf("local launcher: the run's output stayed open %s after its process group ended, held by a process that left the group; the rest of it was dropped", idle))
		default:
			return errors.Join(writeErr, fmt.Errorf("local launcher: reading the run's output: %w", err))
		}
		select {
		case <-groupGone:
			// Output still flows: give it the idle time again from here.
			_ = src.SetReadDeadline(time.Now().Add(idle))
		default:
		}
	}
}
