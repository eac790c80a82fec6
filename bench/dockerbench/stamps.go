package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// readStamp reads when the stand-in named name started, from the
// "<unix nanoseconds> <pid>" it wrote in dir; ok is false while there is none yet. The
// pid is that of the container's namespace, of no use here.
func readStamp(dir, name string) (at time.Time, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		return time.Time{}, false, fmt.Errorf("stamp %s: want \"<unix nanoseconds> <pid>\", got %q", name, b)
	}
	ns, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("stamp %s: %w", name, err)
	}
	return time.Unix(0, ns), true, nil
}

// waitStamp waits for one container's stamp. It looks every millisecond: the time is
// taken by the stand-in, so how soon the harness notices changes no figure, only how
// soon the next run is created.
func waitStamp(ctx context.Context, dir, name string, alive func() error) (time.Time, error) {
	var at time.Time
	err := waitFor(ctx, runDeadline, time.Millisecond, "container "+name+" to start", func() (bool, error) {
		if err := alive(); err != nil {
			return false, err
		}
		var ok bool
		var err error
		at, ok, err = readStamp(dir, name)
		return ok, err
	})
	return at, err
}

// waitStamps waits for the stamps of every name and returns the times by name.
func waitStamps(ctx context.Context, dir string, names []string, alive func() error) (map[string]time.Time, error) {
	got := make(map[string]time.Time, len(names))
	what := fmt.Sprintf("%d containers to start", len(names))
	err := waitFor(ctx, batchDeadline, 20*time.Millisecond, what, func() (bool, error) {
		if err := alive(); err != nil {
			return false, err
		}
		for _, n := range names {
			if _, done := got[n]; done {
				continue
			}
			at, ok, err := readStamp(dir, n)
			if err != nil {
				return false, err
			}
			if ok {
				got[n] = at
			}
		}
		return len(got) == len(names), nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w (%d of %d started)", err, len(got), len(names))
	}
	return got, nil
}
