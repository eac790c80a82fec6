package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sleepers returns the marked processes that are `sleep`s.
func sleepers(procs []string) int {
	n := 0
	for _, p := range procs {
		if _, cmd, _ := strings.Cut(p, ": "); strings.HasPrefix(cmd, "sleep ") {
			n++
		}
	}
	return n
}

// TestAgentCancelStopsTheWholeGroup cancels a run whose script and grandchild ignore
// SIGTERM: the run ends Cancelled and none of its processes survives.
func TestAgentCancelStopsTheWholeGroup(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	agent := startAgent(t, s, nil, "--cancel-grace", "2s")
	mark := marker()
	killMarked(t, mark)
	// Ignored signals stay ignored across fork and exec: both sleeps ignore SIGTERM too.
	script := `sh -c 'trap "" TERM; sh -c "sleep ` + mark + `; echo grandchild" & sleep ` + mark + `; wait'`
	s.outpost(t, "flow", "register", "--name", "stubborn", "--script", script)
	runID := s.outpost(t, "flow-run", "create", "--flow", "stubborn")
	waitMarked(t, mark, "the script and its grandchild to start", func(p []string) bool { return sleepers(p) == 2 })

	start := time.Now()
	if state := s.outpost(t, "flow-run", "cancel", runID); state != "Cancelling" {
		t.Errorf("cancel printed %q, want Cancelling: the run is running", state)
	}
	run := waitFinished(t, s, runID)
	t.Logf("the run was %s %s after the cancel: %s", run.State, time.Since(start).Round(time.Millisecond), run.StateMessage)
	if run.State != "Cancelled" {
		t.Errorf("state %s (%s), want Cancelled", run.State, run.StateMessage)
	}
	left := waitMarked(t, mark, "no process of the run left", func(p []string) bool { return len(p) == 0 })
	if len(left) > 0 {
		t.Errorf("processes of the cancelled run survived:\n%s", strings.Join(left, "\n"))
	}
	agent.stop(t)
	s.stop(t)
}

// TestAgentDrainOnSIGTERM: the first SIGTERM lets a running run finish before the agent
// exits.
func TestAgentDrainOnSIGTERM(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	agent := startAgent(t, s, nil)
	// The run goes on until the test lets it finish, so it is surely running when the
	// agent is told to stop.
	gate := filepath.Join(t.TempDir(), "go")
	s.outpost(t, "flow", "register", "--name", "gated", "--script",
		`sh -c 'while ! test -e "$GATE"; do sleep 0.05; done; echo finished'`, "--env", "GATE="+gate)
	runID := s.outpost(t, "flow-run", "create", "--flow", "gated")
	waitState(t, s, runID, "Running")

	agent.signal(t, syscall.SIGTERM)
	waitOutput(t, agent.daemon, "Waiting up to")
	if !agent.running() {
		t.Fatalf("the agent exited at SIGTERM although a run was running\nstderr:\n%s", agent.stderr)
	}
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	agent.wait(t)
	// The agent exits only once the run has ended and its state is delivered.
	if run, err := s.client(t).FlowRun(t.Context(), runID); err != nil || run.State != "Success" {
		t.Errorf("when the agent had exited the run was %s (%s, %v), want Success", run.State, run.StateMessage, err)
	}
	s.stop(t)
}

// TestAgentDrainGraceOver: when the drain grace ends first, the agent stops the run,
// reports it, leaves nothing behind, and exits 0.
func TestAgentDrainGraceOver(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	agent := startAgent(t, s, nil, "--drain-grace", "1s", "--cancel-grace", "2s")
	mark := marker()
	killMarked(t, mark)
	s.outpost(t, "flow", "register", "--name", "long", "--script", "sh -c 'sleep "+mark+"; echo never'")
	runID := s.outpost(t, "flow-run", "create", "--flow", "long")
	waitState(t, s, runID, "Running")
	waitMarked(t, mark, "the script to start", func(p []string) bool { return sleepers(p) == 1 })

	agent.stop(t)
	run := waitFinished(t, s, runID)
	t.Logf("the run ended %s: %s", run.State, run.StateMessage)
	// The agent says why before it signals the flow-run process, which keeps that state.
	const want = "Flow run process was stopped because the agent shut down"
	if run.State != "Failed" || run.StateMessage != want {
		t.Errorf("state %s (%q), want Failed (%q)", run.State, run.StateMessage, want)
	}
	if left := markedProcs(t, mark); len(left) > 0 {
		t.Errorf("processes of the run outlived the agent:\n%s", strings.Join(left, "\n"))
	}
	s.stop(t)
}

// TestAgentBackendRestart stops the backend while a run is running and ends the run
// while it is away: once the backend is back on the same port and database, the run's
// states reach it, and the agent never exits.
func TestAgentBackendRestart(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	agent := startAgent(t, s, nil)
	mark := marker()
	killMarked(t, mark)
	gate := filepath.Join(t.TempDir(), "go")
	// The script polls for the gate every 0.0<mark> s: the marker in its command line
	// shows when it has ended.
	s.outpost(t, "flow", "register", "--name", "outage", "--script",
		`sh -c 'while ! test -e "$GATE"; do sleep 0.0`+mark+`; done; echo finished during the outage'`, "--env", "GATE="+gate)
	runID := s.outpost(t, "flow-run", "create", "--flow", "outage")
	waitState(t, s, runID, "Running")

	s.stop(t)
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	waitMarked(t, mark, "the script to end while the backend is away", func(p []string) bool { return len(p) == 0 })
	again := startServerAt(t, s.url, s.env)

	run := waitFinished(t, again, runID)
	if run.State != "Success" {
		t.Errorf("the run ended %s (%s), want Success\nagent:\n%s", run.State, run.StateMessage, agent.stderr)
	}
	logs := again.outpost(t, "flow-run", "logs", runID)
	if !slices.Contains(logMessages(logs, "outpost.flow"), "finished during the outage") {
		t.Errorf("the output written during the outage did not reach the logs:\n%s", logs)
	}
	if !agent.running() {
		t.Fatalf("the agent exited during the outage: %v\nstderr:\n%s", agent.err, agent.stderr)
	}
	agent.stop(t)
	again.stop(t)
}
