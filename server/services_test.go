package server

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outposthq/outpost/server/store"
)

// A run whose heartbeat stops is put back in the queue three times, then failed; a
// run that heartbeats is left alone. The clock and the ticker are the test's.
func TestLostRunsAreRescheduledThenFailed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		clock := newFakeClock()
		tick := make(chan time.Time)
		ts := startServer(t, serverConfig{dsn: e.dsn(t), clock: clock, tick: tick})
		lost := createRun(t, ts, nil)
		alive := createRun(t, ts, nil)
		// step runs one pass of the services: the second send returns only once the
		// loop is back at its select, that is, once the pass the first send started is done.
		step := func() {
			tick <- clock.Now()
			tick <- clock.Now()
		}
		claim := func(run string) {
			t.Helper()
			r, err := ts.store.GetFlowRun(t.Context(), run)
			if err != nil {
				t.Fatal(err)
			}
			if resp := ts.postRaw(t, "/", ts.key, claimDoc(run, r.Version)); len(resp.Errors) > 0 {
				t.Fatalf("claim %s: %s", run, resp.errorText())
			}
		}
		state := func(run string) store.State {
			t.Helper()
			r, err := ts.store.GetFlowRun(t.Context(), run)
			if err != nil {
				t.Fatal(err)
			}
			return r.State
		}

		for attempt := 1; attempt <= maxReschedules+1; attempt++ {
			claim(lost)
			if attempt == 1 {
				claim(alive)
			}
			seq := ts.notifier.Seq(ts.tenant.ID)

			clock.Advance(time.Minute) // not yet stale
			if err := ts.store.Heartbeat(t.Context(), alive, clock.Now()); err != nil {
				t.Fatal(err)
			}
			step()
			if got := state(lost); got.Type != "Submitted" {
				t.Fatalf("attempt %d: a run silent for 1m became %s; the timeout is 2m", attempt, got.Type)
			}

			clock.Advance(90 * time.Second) // lost: 2m30s silent; alive: 1m30s
			step()
			got := state(lost)
			if attempt <= maxReschedules {
				if got.Type != "Scheduled" || !strings.Contains(got.Message, "no heartbeat") ||
					!strings.Contains(got.Message, fmt.Sprintf("attempt %d of 3", attempt)) {
					t.Fatalf("attempt %d: state %s %q, want Scheduled naming the lost heartbeat", attempt, got.Type, got.Message)
				}
				if ts.notifier.Seq(ts.tenant.ID) <= seq {
					t.Fatalf("attempt %d: waiting agents were not notified of the rescheduled run", attempt)
				}
				continue
			}
			if got.Type != "Failed" || !strings.Contains(got.Message, "heartbeat was lost 3 times") {
				t.Fatalf("after %d losses: state %s %q, want Failed saying the heartbeat was lost 3 times", attempt, got.Type, got.Message)
			}
		}
		if got := state(alive); got.Type != "Submitted" {
			t.Fatalf("a run that heartbeats became %s", got.Type)
		}
		// A failed run is never touched again.
		clock.Advance(time.Hour)
		step()
		if got := state(lost); got.Type != "Failed" {
			t.Fatalf("failed run became %s", got.Type)
		}
	})
}
