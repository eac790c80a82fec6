package docker

import (
	"context"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/outposthq/outpost/launcher"
)

// TestAdopt: a second launcher with the same agent id, as after a restart, finds the
// agent's containers in every state, follows each to its exit code and removes it; the
// containers of other agents, and exited ones kept by auto_remove: false, are left.
func TestAdopt(t *testing.T) {
	t.Parallel()
	agent := "adopt-" + env.run
	first := newLauncher(t, Options{AgentID: agent})

	// Running, launched by the first launcher: it prints "ready", then a line for each
	// SIGUSR1.
	s, firstOut := shell(`trap 'echo signalled' USR1; echo ready; while :; do ` + imageBusybox + ` sleep 1 & wait $!; done`)
	s.RunID = "run-running"
	running := launch(t, first, s)
	firstOut.waitFor(t, "ready")

	// Left behind by an agent that stopped: one that exited with 3, one created but never
	// started, and one kept by auto_remove: false.
	exited := startRaw(t, agent, "run-exited", nil, true, imageProgram, "exit", "3")
	created := startRaw(t, agent, "run-created", nil, false, imageProgram, "exit", "0")
	kept := startRaw(t, agent, "run-kept", map[string]string{LabelKeep: "true"}, true, imageProgram, "exit", "0")
	other := startRaw(t, "other-"+env.run, "run-other", nil, false, imageProgram, "exit", "0")

	outputs := map[string]*capture{}
	for _, id := range []string{"run-running", "run-exited", "run-created"} {
		outputs[id] = newCapture()
	}
	second := newLauncher(t, Options{AgentID: agent})
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	adopted, err := second.Adopt(ctx, func(runID string) (io.Writer, []string) { return outputs[runID], nil })
	if err != nil {
		t.Fatal(err)
	}
	byRun := map[string]Adopted{}
	for _, a := range adopted {
		byRun[a.RunID] = a
		t.Cleanup(func() { stopAndWait(t, a.Handle) })
	}
	if got, want := slices.Sorted(maps.Keys(byRun)), []string{"run-created", "run-exited", "run-running"}; !slices.Equal(got, want) {
		t.Fatalf("adopted %q, want %q", got, want)
	}

	t.Run("running", func(t *testing.T) {
		a := byRun["run-running"]
		if a.ContainerID != running.id || a.Labels[LabelAgentID] != agent {
			t.Errorf("adopted %s with labels %v, want container %s", a.ContainerID, a.Labels, running.id)
		}
		if _, err := env.api.ContainerKill(ctx, running.id, client.ContainerKillOptions{Signal: "USR1"}); err != nil {
			t.Fatal(err)
		}
		out := outputs["run-running"]
		out.waitFor(t, "signalled")
		if err := a.Handle.Stop(ctx, time.Hour); err != nil {
			t.Fatal(err)
		}
		assertResult(t, wait(t, a.Handle), 143, "SIGTERM")
		// Output is followed from the adoption on.
		if got := out.String(); got != "signalled\n" {
			t.Errorf("adopted output = %q, want %q", got, "signalled\n")
		}
		assertResult(t, wait(t, running), 143, "SIGTERM") // the first launcher saw the same end
		assertGone(t, running.id)
	})
	t.Run("exited", func(t *testing.T) {
		assertResult(t, wait(t, byRun["run-exited"].Handle), 3, "")
		assertGone(t, exited)
	})
	t.Run("created, never started", func(t *testing.T) {
		res := wait(t, byRun["run-created"].Handle)
		if res.ExitCode != -1 || res.Err == nil || !strings.Contains(res.Err.Error(), "never started") {
			t.Errorf("result = %v (%v), want exit code -1 and an error saying it never started", res, res.Err)
		}
		assertGone(t, created)
	})
	t.Run("left alone", func(t *testing.T) {
		for _, id := range []string{kept, other} {
			if _, ok := inspect(t, id); !ok {
				t.Errorf("container %s was removed, want it left alone", id)
			}
		}
	})
}

func assertResult(t *testing.T, got launcher.Result, code int, signal string) {
	t.Helper()
	if got.ExitCode != code || got.Signal != signal || got.Err != nil {
		t.Errorf("result = %d %q (%v), want %d %q", got.ExitCode, got.Signal, got.Err, code, signal)
	}
}

// startRaw creates a container as an agent would, straight through the engine, runs
// it to its end if run is set, and returns its id.
func startRaw(t *testing.T, agent, runID string, labels map[string]string, run bool, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	all := map[string]string{LabelManaged: "true", LabelAgentID: agent, LabelFlowRunID: runID, testLabel: env.run}
	maps.Copy(all, labels)
	res, err := env.api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{Image: env.image, Cmd: argv, Labels: all},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		env.api.ContainerRemove(context.Background(), res.ID, client.ContainerRemoveOptions{Force: true})
	})
	if !run {
		return res.ID
	}
	if _, err := env.api.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	w := env.api.ContainerWait(ctx, res.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case <-w.Result:
	case err := <-w.Error:
		t.Fatal(err)
	}
	return res.ID
}
