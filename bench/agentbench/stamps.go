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

// stamp is what the stand-in wrote when it started: the wall-clock time and its pid.
type stamp struct {
	at  time.Time
	pid int
}

// readStamp reads the stamp named name in dir; ok is false while there is none yet.
func readStamp(dir, name string) (s stamp, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return stamp{}, false, nil
	}
	if err != nil {
		return stamp{}, false, err
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		return stamp{}, false, fmt.Errorf("stamp %s: want \"<unix nanoseconds> <pid>\", got %q", name, b)
	}
	ns, err1 := strconv.ParseInt(fields[0], 10, 64)
	pid, err2 := strconv.Atoi(fields[1])
	if err := errors.Join(err1, err2); err != nil {
		return stamp{}, false, fmt.Errorf("stamp %s: %w", name, err)
	}
	return stamp{at: time.Unix(0, ns), pid: pid}, true, nil
}

// waitStamp waits for one run's stamp. It looks every half millisecond: the time is
// taken by the stand-in, so how soon the harness notices changes no figure, only how
// soon the next run is created.
func waitStamp(ctx context.Context, dir, name string, alive func() error) (stamp, error) {
	var s stamp
	err := waitFor(ctx, runDeadline, 500*time.Microsecond, "flow run "+name+" to start", func() (bool, error) {
		if err := alive(); err != nil {
			return false, err
		}
		var ok bool
		var err error
		s, ok, err = readStamp(dir, name)
		return ok, err
	})
	return s, err
}

// waitStamps waits for the stamps of every name and returns them by name.
func waitStamps(ctx context.Context, dir string, names []string, alive func() error) (map[string]stamp, error) {
	got := make(map[string]stamp, len(names))
	what := fmt.Sprintf("%d flow runs to start", len(names))
	err := waitFor(ctx, batchDeadline, 20*time.Millisecond, what, func() (bool, error) {
		if err := alive(); err != nil {
			return false, err
		}
		for _, n := range names {
			if _, done := got[n]; done {
				continue
			}
			s, ok, err := readStamp(dir, n)
			if err != nil {
				return false, err
			}
			if ok {
				got[n] = s
			}
		}
		return len(got) == len(names), nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w (%d of %d started)", err, len(got), len(names))
	}
	return got, nil
}

// allStamps reads every stamp in dir, for the check that no stand-in outlived the run.
func allStamps(dir string) ([]stamp, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []stamp
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			continue // a stand-in stopped between writing and renaming; its pid is unknown
		}
		s, ok, err := readStamp(dir, e.Name())
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}
