package launchertest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/outposthq/outpost/launcher"
)

// shortGrace is the grace of stops whose SIGTERM is ignored: its length changes only
// how long such a case takes, never its outcome.
const shortGrace = 100 * time.Millisecond

// stopCases: Stop ends the run and everything it started; contexts bound only waits.
func (s *suite) stopCases() []testCase {
	return []testCase{
		{"SIGTERM honoured", func(t *testing.T) {
			h, out := s.launchReady(t, "sleep")
			// A grace far longer than the suite's patience: Stop must return as soon as
			// the group is gone, not when the grace ends.
			s.stop(t, h, 24*time.Hour)
			s.assertNothingLeft(t, h)
			assertResult(t, s.wait(t, h), 143, "SIGTERM")
			if got := out.String(); got != "ready\n" {
				t.Errorf("output = %q, want %q", got, "ready\n")
			}
		}},
		{"SIGTERM ignored by the child and its child", func(t *testing.T) {
			h, _ := s.launchReady(t, "trap")
			s.stop(t, h, shortGrace)
			// Stop returns only once nothing of the run is left.
			s.assertNothingLeft(t, h)
			assertResult(t, s.wait(t, h), 137, "SIGKILL")
		}},
		{"no grace kills at once", func(t *testing.T) {
			h, _ := s.launchReady(t, "trap")
			s.stop(t, h, 0)
			s.assertNothingLeft(t, h)
			assertResult(t, s.wait(t, h), 137, "SIGKILL")
		}},
		{"concurrent stops", func(t *testing.T) {
			h, _ := s.launchReady(t, "trap")
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() {
					ctx, cancel := contextWithPatience()
					defer cancel()
					if err := h.Stop(ctx, shortGrace); err != nil {
						t.Errorf("Stop: %v", err)
					}
				})
			}
			wg.Wait()
			s.assertNothingLeft(t, h)
			assertResult(t, s.wait(t, h), 137, "SIGKILL")
		}},
		{"stop after exit is a no-op", func(t *testing.T) {
			sp, _ := s.spec("exit", "3")
			h := s.launch(t, sp)
			first := s.wait(t, h)
			s.stop(t, h, 0)
			again := s.wait(t, h)
			assertResult(t, first, 3, "")
			assertResult(t, again, 3, "")
		}},
		{"children left by an exited run are ended", func(t *testing.T) {
			h, out := s.launchReady(t, "orphan")
			res := s.wait(t, h)
			s.assertNothingLeft(t, h)
			assertResult(t, res, 0, "")
			if got := out.String(); got != "ready\n" {
				t.Errorf("output = %q, want %q", got, "ready\n")
			}
		}},
		{"Wait's context bounds only the wait", func(t *testing.T) {
			h, _ := s.launchReady(t, "sleep")
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := h.Wait(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("Wait with a cancelled context = %v, want context.Canceled", err)
			}
			left, err := s.tools.Leftovers(h)
			if err != nil || len(left) == 0 {
				t.Fatalf("after Wait's context ended, Leftovers = %v, %v; want the run still running", left, err)
			}
			s.stop(t, h, 24*time.Hour)
			assertResult(t, s.wait(t, h), 143, "SIGTERM")
		}},
		{"Launch's context bounds only the start", func(t *testing.T) {
			sp, out := s.spec("sleep")
			ctx, cancel := context.WithCancel(context.Background())
			h, err := s.launchCtx(ctx, t, sp)
			cancel()
			if err != nil {
				t.Fatalf("Launch: %v", err)
			}
			s.cleanupRun(t, h)
			s.waitReady(t, out)
			// Ended by a cancelled launch context, it would not die of this SIGTERM.
			s.stop(t, h, 24*time.Hour)
			assertResult(t, s.wait(t, h), 143, "SIGTERM")
		}},
		{"Stop's context bounds only the wait", func(t *testing.T) {
			h, _ := s.launchReady(t, "sleep")
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := h.Stop(ctx, 24*time.Hour); err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("Stop with a cancelled context = %v, want nil or context.Canceled", err)
			}
			// The stop goes on: SIGTERM was sent and ends the run.
			assertResult(t, s.wait(t, h), 143, "SIGTERM")
			s.assertNothingLeft(t, h)
		}},
	}
}

// launchReady launches the test program in mode and waits until it printed "ready".
func (s *suite) launchReady(t *testing.T, mode string) (launcher.Handle, *Capture) {
	t.Helper()
	sp, out := s.spec(mode)
	h := s.launch(t, sp)
	s.waitReady(t, out)
	return h, out
}

func (s *suite) waitReady(t *testing.T, out *Capture) {
	t.Helper()
	ctx, cancel := contextWithPatience()
	defer cancel()
	if err := out.WaitForLine(ctx, "ready"); err != nil {
		t.Fatal(err)
	}
}

func (s *suite) stop(t *testing.T, h launcher.Handle, grace time.Duration) {
	t.Helper()
	ctx, cancel := contextWithPatience()
	defer cancel()
	if err := h.Stop(ctx, grace); err != nil {
		t.Fatalf("Stop(%s): %v", grace, err)
	}
}
