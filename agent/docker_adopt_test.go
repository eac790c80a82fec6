package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/outposthq/outpost/agent"
	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/launcher/docker"
	"github.com/outposthq/outpost/runconfig"
)

// leaveContainer starts a container the way an agent of owner launches one, for a
// test to play the agent process that died and left it running: labelled as the
// Docker launcher does, on the host's network, dir shared as /gate.
func leaveContainer(t *testing.T, owner, dir, runID string, env []string, argv ...string) string {
	t.Helper()
	api, err := engineClient()
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	init := true
	res, err := api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image: dockerImage(t), Cmd: argv, Env: env,
			Labels: map[string]string{docker.LabelManaged: "true", docker.LabelAgentID: owner, docker.LabelFlowRunID: runID},
		},
		HostConfig: &container.HostConfig{NetworkMode: "host", Binds: []string{dir + ":" + gateDir}, Init: &init},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeContainers(t, owner) })
	if _, err := api.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	return res.ID
}

// waitExited waits until a container has exited.
func waitExited(t *testing.T, id string) {
	t.Helper()
	api, err := engineClient()
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	w := api.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case <-w.Result:
	case err := <-w.Error:
		t.Fatalf("waiting for container %s: %v", id, err)
	}
}

// An agent adopts the containers an earlier process of it left, running or not, and
// follows each like a run it launched: to its own final state, to Failed with the exit
// code when the container ended without one, to Cancelled when cancelled; each
// container is removed at its end. A container of a run the backend does not know is
// stopped; another agent's is left alone.
func TestDockerAdoptsLeftContainers(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	dir := t.TempDir()
	owner := agent.OwnerID("test-agent", b.url)

	// What the dead agent process had claimed and launched.
	flow := b.flow(t, shellStorage("echo up > "+gateDir+"/ready.fifo; read x < "+gateDir+"/release1.fifo; echo finished"))
	ready, release1, release2 := newGate(t, dir, "ready"), newGate(t, dir, "release1"), newGate(t, dir, "release2")
	newGate(t, dir, "never")
	claimed := func() string {
		id := b.run(t, flow, nil, nil)
		b.setState(t, id, api.Submitted("Submitted for execution"))
		return id
	}
	reporting, silent, exited, cancelled := claimed(), claimed(), claimed(), claimed()
	env, err := runconfig.DockerEnv(runconfig.DockerEnvInput{
		RunEnvInput: runconfig.RunEnvInput{Backend: "server", APIURL: b.url, APIKey: testKey, TenantID: b.tenant, FlowRunID: reporting, FlowID: flow},
		Image:       dockerImage(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	leaveContainer(t, owner, dir, reporting, env.Environ(), "outpost", "execute", "flow-run")
	if got := ready.recv(t); got != "up" {
		t.Fatalf("the reporting run said %q", got)
	}
	for _, id := range []string{silent, cancelled} {
		b.setState(t, id, api.Running("Running flow."))
	}
	leaveContainer(t, owner, dir, silent, nil, "sh", "-c", "read x < "+gateDir+"/release2.fifo; exit 4")
	waitExited(t, leaveContainer(t, owner, dir, exited, nil, "sh", "-c", "exit 5"))
	leaveContainer(t, owner, dir, cancelled, nil, "sh", "-c", "read x < "+gateDir+"/never.fifo")
	stranger := leaveContainer(t, owner, dir, "6f1c1a52-8a4e-4f57-9d8b-000000000000", nil, "sh", "-c", "read x < "+gateDir+"/never.fifo")
	otherAgent := "someone-else-" + testRun
	others := leaveContainer(t, otherAgent, dir, claimed(), nil, "sh", "-c", "read x < "+gateDir+"/never.fifo")

	ta := startAgent(t, b, b.url, inDocker(t, dir), func(c *agent.Config, _ *agent.Deps) { c.ShowFlowLogs = true })
	ta.waitLog("Adopted 5 container(s)")
	for _, id := range []string{reporting, silent, exited, cancelled} {
		if ta.countLogs("Adopted flow run "+id) != 1 {
			t.Errorf("flow run %s was not adopted", id)
		}
	}
	if ta.countLogs("Container "+stranger+" is of flow run") != 1 {
		t.Errorf("the container of an unknown run was not stopped")
	}

	release1.send(t, "go")
	release2.send(t, "go")
	if state, err := b.client.CancelFlowRun(t.Context(), cancelled); err != nil || state != "Cancelling" {
		t.Fatalf("CancelFlowRun = %s, %v; want Cancelling", state, err)
	}
	want := map[string]struct{ state, message string }{
		reporting: {"Success", "Command exited 0"},
		silent:    {"Failed", "Flow run process exited with code 4"},
		exited:    {"Failed", "Flow run process exited with code 5"},
		cancelled: {"Cancelled", "Flow run was cancelled"},
	}
	ta.until("the adopted runs to end", func() bool {
		for id, w := range want {
			if state, _ := b.state(t, id); state != w.state || ta.countLogs("Flow run "+id+" process") == 0 {
				return false
			}
		}
		return containerOf(t, owner, "6f1c1a52-8a4e-4f57-9d8b-000000000000") == ""
	}, time.Second)
	for id, w := range want {
		if state, msg := b.state(t, id); state != w.state || msg != w.message {
			t.Errorf("adopted run %s: %s %q, want %s %q", id, state, msg, w.state, w.message)
		}
	}
	if left := containersOf(t, owner); len(left) > 0 {
		t.Errorf("%d container(s) of the agent left after their runs ended: %v", len(left), left)
	}
	if c := containersOf(t, otherAgent); len(c) != 1 || c[0].ID != others || c[0].State != container.StateRunning {
		t.Errorf("another agent's container was touched: %v", c)
	}
	if out := ta.stdout.String(); !strings.Contains(out, "] finished\n") {
		t.Errorf("the adopted run's output after adoption is not shown:\n%s", out)
	}
	if err := ta.stop(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}
