package agent_test

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outposthq/outpost/agent"
	"github.com/outposthq/outpost/api"
)

// childScript starts a grandchild, reports its pid through $TEST_PID and waits, so a
// test can check that stopping the run leaves no process behind.
const childScript = `sleep 1000 & echo $! > "$TEST_PID"; wait`

// startChildRun creates a run of childScript, waits until it runs, and returns its id,
// the pid of its process group leader and that of the grandchild.
func startChildRun(t *testing.T, b *testBackend, ta *testAgent) (id string, leader, child int) {
	t.Helper()
	pids := newGate(t, ta.out, "pids")
	id = b.run(t, b.flow(t, scriptStorage()), localRun(childScript, map[string]any{"TEST_PID": pids.path}), nil)
	ta.poke()
	e := ta.waitLog("Submitted flow run " + id + " to process PID: ")
	leader, err := strconv.Atoi(e.Message[strings.LastIndex(e.Message, " ")+1:])
	if err != nil {
		t.Fatal(err)
	}
	child, err = strconv.Atoi(pids.recv(t))
	if err != nil {
		t.Fatal(err)
	}
	return id, leader, child
}

// gone reports whether no live process has this pid (a zombie awaiting its reaper
// counts as gone: it runs nothing).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

// groupGone reports whether the process group led by pid has no live member.
func groupGone(pid int) bool {
	err := syscall.Kill(-pid, 0)
	return errors.Is(err, syscall.ESRCH) || gone(pid)
}

// A run set Cancelling is stopped at the next watcher tick: its whole process group is
// gone and it ends Cancelled.
func TestCancellationStopsProcessGroup(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	ta := startAgent(t, b, b.url)
	id, leader, child := startChildRun(t, b, ta)

	state, err := b.client.CancelFlowRun(t.Context(), id)
	if err != nil || state != "Cancelling" {
		t.Fatalf("CancelFlowRun = %s, %v; want Cancelling", state, err)
	}
	// Each step is one watcher tick (CancelCheck is a second, not jittered here).
	ta.until("the run to be cancelled", func() bool { return ta.countLogs("Flow run "+id+" set Cancelled") > 0 }, time.Second)

	if state, msg := b.state(t, id); state != "Cancelled" || msg != "Flow run was cancelled" {
		t.Errorf("state = %s %q, want Cancelled %q", state, msg, "Flow run was cancelled")
	}
	if !gone(child) || !groupGone(leader) {
		t.Errorf("processes left behind: child gone %v, group gone %v", gone(child), groupGone(leader))
	}
	if got := ta.metric("outpost_agent_runs_cancelled_total"); got != 1 {
		t.Errorf("runs_cancelled = %v, want 1", got)
	}
}

// Stop drains: it stops claiming, lets a running run finish, then Run returns nil.
// When the run outlives the drain grace it is stopped and failed instead.
func TestStopDrains(t *testing.T) {
	tests := []struct {
		name      string
		finish    bool // the run finishes within the grace
		wantState string
		wantMsg   string
	}{
		{"run finishes", true, "Success", "All reference tasks succeeded."},
		{"grace runs out", false, "Failed", "Flow run process was stopped because the agent shut down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leakCheck(t)
			b := startBackend(t)
			ta := startAgent(t, b, b.url)
			release := newGate(t, ta.out, "release")
			id := b.run(t, b.flow(t, scriptStorage()), localRun(`read x < "$TEST_GATE"`, map[string]any{"TEST_GATE": release.path}), nil)
			ta.poke()
			ta.waitLog("Completed deployment of flow run " + id)

			ta.Stop()
			ta.waitLog("Waiting up to 1m0s for 1 flow run(s) to finish...")
			polls := ta.metric("outpost_agent_polls_total")
			if ta.returned() {
				t.Fatal("Run returned while a run was still running")
			}
			if tt.finish {
				b.setState(t, id, api.Running("Running flow."))
				b.setState(t, id, api.Success("All reference tasks succeeded."))
				release.send(t, "done")
			} else {
				ta.clk.Advance(time.Minute)
			}
			if err := ta.wait(); err != nil {
				t.Errorf("Run = %v, want nil after a clean drain", err)
			}
			if state, msg := b.state(t, id); state != tt.wantState || msg != tt.wantMsg {
				t.Errorf("state = %s %q, want %s %q", state, msg, tt.wantState, tt.wantMsg)
			}
			if got := ta.metric("outpost_agent_polls_total"); got != polls {
				t.Errorf("the agent polled after Stop: %v polls, then %v", polls, got)
			}
		})
	}
}

// Cancelling Run's context stops the runs at once: no process is left, the run is
// failed with the reason, and Run returns nil.
func TestContextCancelStopsRuns(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	ta := startAgent(t, b, b.url, func(c *agent.Config, _ *agent.Deps) { c.DrainGrace = time.Hour })
	id, leader, child := startChildRun(t, b, ta)

	ta.cancel()
	if err := ta.wait(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if !gone(child) || !groupGone(leader) {
		t.Errorf("processes left behind: child gone %v, group gone %v", gone(child), groupGone(leader))
	}
	if state, msg := b.state(t, id); state != "Failed" || msg != "Flow run process was stopped because the agent shut down" {
		t.Errorf("state = %s %q, want Failed because the agent shut down", state, msg)
	}
}

// Stop before the backend ever answered returns at once, without error.
func TestStopWhileRegistering(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	p := startProxy(t, b)
	p.down.Store(true)
	ta := startAgent(t, b, p.url)
	ta.waitLog("Error registering agent")
	if err := ta.stop(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}

// A run stopped at shutdown is set Failed, saying the agent shut down, before its
// process gets the signal: a process that reports its own end when signalled (as
// outpost execute flow-run does) finds the reason there and keeps it. The state is
// counted once, though both the agent and the process's end report it.
func TestShutdownReportedBeforeSignal(t *testing.T) {
	const msgAgentShutdown = "Flow run process was stopped because the agent shut down"
	leakCheck(t)
	b := startBackend(t)
	ta := startAgent(t, b, b.url)
	termed, release := newGate(t, ta.out, "termed"), newGate(t, ta.out, "release")
	script := `trap 'echo term > "$TEST_TERMED"; read x < "$TEST_GATE"; exit 3' TERM; echo trapped > "$TEST_TERMED"; sleep 1000 & wait`
	id := b.run(t, b.flow(t, scriptStorage()), localRun(script, map[string]any{"TEST_TERMED": termed.path, "TEST_GATE": release.path}), nil)
	ta.poke()
	if got := termed.recv(t); got != "trapped" {
		t.Fatalf("the run's process wrote %q, want trapped", got)
	}

	ta.Stop()
	ta.waitLog("Waiting up to 1m0s for 1 flow run(s) to finish...")
	ta.clk.Advance(time.Minute)
	if got := termed.recv(t); got != "term" {
		t.Fatalf("the run's process wrote %q, want term", got)
	}
	// The process has the signal and is still running: the reason is there already.
	if state, msg := b.state(t, id); state != "Failed" || msg != msgAgentShutdown {
		t.Errorf("state when the process got SIGTERM = %s %q, want Failed %q", state, msg, msgAgentShutdown)
	}
	release.send(t, "go")
	if err := ta.wait(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if state, msg := b.state(t, id); state != "Failed" || msg != msgAgentShutdown {
		t.Errorf("final state = %s %q, want Failed %q", state, msg, msgAgentShutdown)
	}
	if got := ta.metric("outpost_agent_runs_failed_total"); got != 1 {
		t.Errorf("runs_failed = %v, want 1", got)
	}
}
