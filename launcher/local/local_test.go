package local

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/outposthq/outpost/internal/process"
	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/launcher/launchertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestConformance(t *testing.T) {
	launchertest.Run(t, func(t *testing.T) launcher.Launcher {
		// A short orphan grace only shortens the case whose leftover child ignores SIGTERM.
		return New(WithOrphanGrace(100 * time.Millisecond))
	}, launchertest.Tools{
		Program:   launchertest.BuildProgram(t),
		WorkDir:   func(t *testing.T) string { return t.TempDir() },
		Leftovers: groupLeftovers,
	})
}

// groupLeftovers lists the live processes of the run's process group.
func groupLeftovers(h launcher.Handle) ([]string, error) {
	p, ok := h.(interface{ PID() int })
	if !ok {
		return nil, fmt.Errorf("handle %T has no PID method", h)
	}
	pids, err := process.GroupMembers(p.PID())
	var left []string
	for _, pid := range pids {
		left = append(left, fmt.Sprintf("pid %d", pid))
	}
	return left, err
}

func TestID(t *testing.T) {
	prog := launchertest.BuildProgram(t)
	h, err := New().Launch(context.Background(), launcher.Spec{Argv: []string{prog, "exit", "0"}})
	if err != nil {
		t.Fatal(err)
	}
	res := waitFor(t, h)
	if want := fmt.Sprintf("PID: %d", h.(*handle).PID()); h.ID() != want {
		t.Errorf("ID() = %q, want %q", h.ID(), want)
	}
	if res.ExitCode != 0 {
		t.Errorf("result = %v, want exit code 0", res)
	}
}

// TestLaunchErrorsSayWhatToFix checks what the suite cannot: the local wording.
func TestLaunchErrorsSayWhatToFix(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		spec launcher.Spec
		want []string
	}{
		{"command not in PATH", launcher.Spec{Argv: []string{"no-such-cmd"}, Env: []string{"PATH=/nowhere:" + dir}},
			[]string{`"no-such-cmd"`, `"/nowhere:` + dir + `"`, "fix PATH"}},
		{"no PATH", launcher.Spec{Argv: []string{"no-such-cmd"}, Env: []string{"HOME=/"}},
			[]string{`"no-such-cmd"`, "no PATH", "full path"}},
		{"missing dir", launcher.Spec{Argv: []string{"/bin/true"}, Dir: dir + "/gone"},
			[]string{dir + "/gone", "does not exist", "working_dir"}},
		{"dir is a file", launcher.Spec{Argv: []string{"/bin/true"}, Dir: "/proc/self/stat"},
			[]string{"/proc/self/stat", "not a directory"}},
		{"not executable", launcher.Spec{Argv: []string{"/proc/self/stat"}},
			[]string{`starting "/proc/self/stat"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New().Launch(context.Background(), tt.spec)
			if err == nil {
				waitFor(t, h)
				t.Fatal("Launch succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestOutputHeldOutsideGroup: a process that left the group and keeps the output pipe
// open must not make Wait hang; the result says output was cut.
func TestOutputHeldOutsideGroup(t *testing.T) {
	prog := launchertest.BuildProgram(t)
	var out strings.Builder
	h, err := New(WithDrainTimeout(50*time.Millisecond)).Launch(context.Background(), launcher.Spec{
		Argv:   []string{prog, "escape"},
		Output: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	res := waitFor(t, h)
	var escaped int
	if _, err := fmt.Sscanf(out.String(), "escaped %d", &escaped); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	// It left the group on purpose, so no Stop reaches it: end it here.
	t.Cleanup(func() {
		if err := process.SignalGroup(escaped, syscall.SIGKILL); err != nil {
			t.Errorf("killing the escaped process: %v", err)
		}
	})
	if res.ExitCode != 0 || res.Signal != "" {
		t.Errorf("result = %v, want exit code 0", res)
	}
	if res.Err == nil || !strings.Contains(res.Err.Error(), "left the group") {
		t.Errorf("Result.Err = %v, want one saying a process outside the group held the output", res.Err)
	}
}

// stepClock fires the grace period of a stop at once and leaves other waits to real time.
type stepClock struct{ grace time.Duration }

func (c stepClock) After(d time.Duration) <-chan time.Time {
	if d == c.grace {
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}
	return time.After(d)
}

// TestStopGraceFromClock: the grace period is timed by the injected clock, so a grace of
// an hour ends when the clock says so.
func TestStopGraceFromClock(t *testing.T) {
	prog := launchertest.BuildProgram(t)
	const grace = time.Hour
	out := &lineWriter{ready: make(chan struct{})}
	h, err := New(WithClock(stepClock{grace: grace})).Launch(context.Background(), launcher.Spec{
		Argv:   []string{prog, "trap"},
		Output: out,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	select {
	case <-out.ready:
	case <-ctx.Done():
		t.Fatal("the program never got ready")
	}
	if err := h.Stop(ctx, grace); err != nil {
		t.Fatal(err)
	}
	if res := waitFor(t, h); res.Signal != "SIGKILL" {
		t.Errorf("result = %v, want killed by SIGKILL once the clock ended the grace", res)
	}
}

// TestOnePassPerRun: a run that leaves nothing behind costs one pass over /proc,
// whether its leader exits or is stopped.
func TestOnePassPerRun(t *testing.T) {
	prog := launchertest.BuildProgram(t)
	tests := []struct {
		name   string
		mode   string
		stop   bool
		signal string
	}{
		{"exits", "print", false, ""},
		{"stopped", "sleep", true, "SIGTERM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var passes atomic.Int32
			l := New()
			l.scanner = process.NewScanner(process.WithScanHook(func() { passes.Add(1) }))
			out := &lineWriter{ready: make(chan struct{})}
			h, err := l.Launch(context.Background(), launcher.Spec{Argv: []string{prog, tt.mode, "ready"}, Output: out})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			select {
			case <-out.ready:
			case <-ctx.Done():
				t.Fatal("the program never got ready")
			}
			if tt.stop {
				if err := h.Stop(ctx, time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			if res := waitFor(t, h); res.Signal != tt.signal || res.Err != nil {
				t.Errorf("result = %+v, want ended by signal %q with no error", res, tt.signal)
			}
			if got := passes.Load(); got != 1 {
				t.Errorf("the run took %d passes over /proc, want 1", got)
			}
		})
	}
}

// lineWriter closes ready on the first "ready" line.
type lineWriter struct {
	ready chan struct{}
	seen  bool
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if !w.seen && strings.Contains(string(p), "ready\n") {
		w.seen = true
		close(w.ready)
	}
	return len(p), nil
}

func waitFor(t *testing.T, h launcher.Handle) launcher.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := h.Wait(ctx)
	if err != nil {
		if stopErr := h.Stop(ctx, 0); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
		t.Fatal(err)
	}
	return res
}
