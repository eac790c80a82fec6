package harness

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

// Stamp is what the stand-in wrote when it started, as "<unix nanoseconds> <pid>": the
// wall-clock time and its pid (in a container, the pid of its namespace).
type Stamp struct {
	At  time.Time
	PID int
}

// ReadStamp reads the stamp named name in dir; ok is false while there is none yet.
func ReadStamp(dir, name string) (s Stamp, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return Stamp{}, false, nil
	}
	if err != nil {
		return Stamp{}, false, err
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		return Stamp{}, false, fmt.Errorf("stamp %s: want \"<unix nanoseconds> <pid>\", got %q", name, b)
	}
	ns, err1 := strconv.ParseInt(fields[0], 10, 64)
	pid, err2 := strconv.Atoi(fields[1])
	if err := errors.Join(err1, err2); err != nil {
		return Stamp{}, false, fmt.Errorf("stamp %s: %w", name, err)
	}
	return Stamp{At: time.Unix(0, ns), PID: pid}, true, nil
}

// WaitStamp waits for the stamp named name, looking every interval; what names it in
// errors. The time is taken by the stand-in, so how soon the harness notices changes
// no figure, only how soon the next run is created.
func WaitStamp(ctx context.Context, dir, name, what string, deadline, interval time.Duration, alive func() error) (Stamp, error) {
	var s Stamp
	err := WaitFor(ctx, deadline, interval, what+" "+name+" to start", func() (bool, error) {
		if err := alive(); err != nil {
			return false, err
		}
		var ok bool
		var err error
		s, ok, err = ReadStamp(dir, name)
		return ok, err
	})
	return s, err
}

// WaitStamps waits for the stamps of every name and returns them by name; what names
// them in errors, in the plural.
func WaitStamps(ctx context.Context, dir string, names []string, what string, deadline time.Duration, alive func() error) (map[string]Stamp, error) {
	got := make(map[string]Stamp, len(names))
	what = fmt.Sprintf("%d %s to start", len(names), what)
	err := WaitFor(ctx, deadline, 20*time.Millisecond, what, func() (bool, error) {
		if err := alive(); err != nil {
			return false, err
		}
		for _, n := range names {
			if _, done := got[n]; done {
				continue
			}
			s, ok, err := ReadStamp(dir, n)
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
