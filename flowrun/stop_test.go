package flowrun

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/internal/process"
)

// longRun prints its process group and waits on a child, so both must be stopped.
const longRun = `echo "pgid $$"; echo ready; sleep 1000 & wait`

// groupOf reads the group id a longRun script printed.
func groupOf(t *testing.T, out string) int {
	t.Helper()
	m := regexp.MustCompile(`pgid (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the command did not print its group: %q", out)
	}
	pgid, _ := strconv.Atoi(m[1])
	// Should the test fail half-way, the command must not outlive it. Only then: a group
	// id that is gone may be reused by someone else's group.
	t.Cleanup(func() {
		if t.Failed() {
			_ = process.SignalGroup(pgid, syscall.SIGKILL)
		}
	})
	return pgid
}

func assertGroupGone(t *testing.T, pgid int) {
	t.Helper()
	members, err := process.GroupMembers(pgid)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) > 0 {
		t.Errorf("process group %d still has live processes %v after Run returned", pgid, members)
	}
}

func TestCancellation(t *testing.T) {
	b := startBackend(t)
	tests := []struct {
		name    string
		sh      string
		grace   time.Duration
		wantMsg string
	}{
		{"SIGTERM stops it", longRun, time.Minute, "Flow run is cancelled; the command was stopped (killed by SIGTERM)"},
		{"SIGKILL after the grace period", `trap '' TERM; ` + longRun, 50 * time.Millisecond,
			"Flow run is cancelled; the command was stopped (killed by SIGKILL after a grace period of 50ms)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runID := b.newRun(t, script(tt.sh))
			r, tk, out := newRunner(t, b, flowEnv(t, b, runID))
			r.Grace = tt.grace
			done := start(t.Context(), r, runID)
			out.waitFor(t, "ready")
			pgid := groupOf(t, out.String())

			if st, err := b.client.CancelFlowRun(t.Context(), runID); err != nil || st != "Cancelling" {
				t.Fatalf("cancel: %s, %v", st, err)
			}
			tk.fire(t, MaxCancelInterval)
			if err := wait(t, done); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if state, msg := b.final(t, runID); state != "Cancelled" || msg != tt.wantMsg {
				t.Errorf("final state %s %q, want Cancelled %q", state, msg, tt.wantMsg)
			}
			assertGroupGone(t, pgid)
		})
	}
}

// A SIGTERM to the flow-run process (its context ending) is passed on to the command.
// The run ends as the backend says whoever sent the signal wanted: Cancelled when it is
// Cancelling, the final state already set kept as it is, and Failed otherwise.
func TestStoppedBySignal(t *testing.T) {
	b := startBackend(t)
	const shutdownMsg = "Flow run process was stopped because the agent shut down"
	tests := []struct {
		name      string
		before    *api.State // set on the backend before the signal
		wantState string
		wantMsg   string
	}{
		{"signal alone", nil, "Failed",
			"The flow-run process was told to stop by a signal; the command was stopped (killed by SIGTERM)"},
		{"agent cancelling", &api.State{Type: "Cancelling", Message: "cancel"}, "Cancelled",
			"Flow run is cancelled; the command was stopped (killed by SIGTERM)"},
		{"agent shutting down", ptr(api.Failed(shutdownMsg)), "Failed", shutdownMsg},
		{"finished meanwhile", ptr(api.Success("done elsewhere")), "Success", "done elsewhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runID := b.newRun(t, script(longRun))
			r, _, out := newRunner(t, b, flowEnv(t, b, runID))
			ctx, stop := context.WithCancel(t.Context())
			defer stop()
			done := start(ctx, r, runID)
			out.waitFor(t, "ready")
			pgid := groupOf(t, out.String())
			if tt.before != nil {
				if err := b.client.SetFlowRunState(t.Context(), runID, nil, *tt.before); err != nil {
					t.Fatal(err)
				}
			}
			stop()
			if err := wait(t, done); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if state, msg := b.final(t, runID); state != tt.wantState || msg != tt.wantMsg {
				t.Errorf("final state %s %q, want %s %q", state, msg, tt.wantState, tt.wantMsg)
			}
			assertGroupGone(t, pgid)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// Background processes the command leaves behind are killed when it exits.
func TestLeftoversKilled(t *testing.T) {
	b := startBackend(t)
	runID := b.newRun(t, script(`echo "pgid $$"; sleep 1000 >/dev/null 2>&1 & echo started`))
	r, _, out := newRunner(t, b, flowEnv(t, b, runID))
	if err := wait(t, start(t.Context(), r, runID)); err != nil {
		t.Fatal(err)
	}
	if state, _ := b.final(t, runID); state != "Success" {
		t.Errorf("final state %s, want Success", state)
	}
	assertGroupGone(t, groupOf(t, out.String()))
}

func TestHeartbeats(t *testing.T) {
	b := startBackend(t)
	runID := b.newRun(t, script(longRun))
	r, tk, out := newRunner(t, b, flowEnv(t, b, runID))
	done := start(t.Context(), r, runID)
	out.waitFor(t, "ready")

	// One heartbeat at start, then one per tick.
	const ticks = 2
	for range ticks {
		tk.fire(t, DefaultHeartbeatInterval)
	}
	for i := range ticks + 1 {
		select {
		case id := <-b.heartbeats:
			if id != runID {
				t.Errorf("heartbeat %d sent for run %q, want %q", i, id, runID)
			}
		case <-time.After(waitLimit):
			t.Fatalf("got %d heartbeats, want %d", i, ticks+1)
		}
	}
	if _, err := b.client.CancelFlowRun(t.Context(), runID); err != nil {
		t.Fatal(err)
	}
	tk.fire(t, MaxCancelInterval)
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.heartbeats:
		t.Error("a heartbeat was sent without a tick")
	default:
	}
}

// The cancellation interval follows the configuration, capped for prompt cancellation.
func TestCancelInterval(t *testing.T) {
	tests := []struct {
		configured, want time.Duration
	}{
		{15 * time.Second, MaxCancelInterval},
		{500 * time.Millisecond, 500 * time.Millisecond},
		{0, MaxCancelInterval},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.configured), func(t *testing.T) {
			x := &execution{}
			x.settings.CheckCancellationInterval = tt.configured
			if got := x.cancelInterval(); got != tt.want {
				t.Errorf("cancelInterval() = %s, want %s", got, tt.want)
			}
		})
	}
}
