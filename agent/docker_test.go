package agent_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outposthq/outpost/agent"
	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/secrets"
)

// runLogs returns the messages of a run's logs, in order.
func runLogs(t *testing.T, b *testBackend, id string) []string {
	t.Helper()
	logs, err := b.client.FlowRunLogs(t.Context(), id, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range logs {
		out = append(out, l.Message)
	}
	return out
}

// A native flow runs in a container of the default image, with the Docker contract's
// environment and not the agent's own, its secret injected and redacted, and its
// container removed at the end.
func TestDockerRunsNativeFlow(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	secretDir := t.TempDir()
	const token = "tok-docker-0123456789-abcdef"
	writeSecret(t, secretDir, "API_TOKEN", token)
	ta := startAgent(t, b, b.url, inDocker(t, t.TempDir()), func(c *agent.Config, d *agent.Deps) {
		c.ShowFlowLogs = true
		c.SecretNames = []string{"API_TOKEN"}
		d.Secrets = secrets.Sources{secrets.DirSource{Dir: secretDir}}
		d.Env = append(d.Env, "AGENT_ONLY=the-agent-own-variable")
	})
	owner := agent.OwnerID("test-agent", b.url)
	flow := b.flow(t, shellStorage(`echo hi; echo "token is $PREFECT__CONTEXT__SECRETS__API_TOKEN"; env`))
	id := b.run(t, flow, dockerRun(map[string]any{"FROM_RUN_CONFIG": "yes"}), nil)
	ta.poke()
	ta.waitLog("Flow run " + id + " ended Success by itself")

	info, err := b.client.FlowRun(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	logs := runLogs(t, b, id)
	env := map[string]string{}
	for _, m := range logs {
		if k, v, ok := strings.Cut(m, "="); ok && !strings.Contains(k, " ") {
			env[k] = v
		}
	}
	want := map[string]string{
		"PREFECT__CONTEXT__IMAGE":                     dockerImage(t),
		"PREFECT__CONTEXT__FLOW_RUN_ID":               id,
		"PREFECT__CONTEXT__FLOW_ID":                   info.FlowID,
		"PREFECT__CLOUD__API":                         b.url, // 127.0.0.1 on the host's network: as is
		"PREFECT__BACKEND":                            "server",
		"PREFECT__CLOUD__USE_LOCAL_SECRETS":           "false",
		"PREFECT__LOGGING__LOG_TO_CLOUD":              "true",
		"PREFECT__ENGINE__FLOW_RUNNER__DEFAULT_CLASS": "prefect.engine.cloud.CloudFlowRunner",
		"FROM_RUN_CONFIG":                             "yes",
		"OUT":                                         ta.out, // the agent's --env
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("run env %s = %q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"PREFECT__CLOUD__API_KEY", "PREFECT__CLOUD__AUTH_TOKEN", "PREFECT__CONTEXT__SECRETS__API_TOKEN"} {
		if _, ok := env[k]; !ok {
			t.Errorf("run env lacks %s", k)
		}
	}
	if _, ok := env["AGENT_ONLY"]; ok {
		t.Errorf("the run got the agent's own environment (AGENT_ONLY): %v", env)
	}
	if !slices.Contains(logs, "hi") || !slices.Contains(logs, "token is [REDACTED]") {
		t.Errorf("run logs lack the output, redacted: %q", logs)
	}
	if !slices.ContainsFunc(logs, func(m string) bool { return strings.HasPrefix(m, "Submitted for execution: Container ID: ") }) {
		t.Errorf("run logs lack the agent's \"Submitted for execution: Container ID: ...\": %q", logs)
	}
	out := ta.stdout.String()
	if !strings.Contains(out, "["+info.Name+"] hi\n") || !strings.Contains(out, "["+info.Name+"] token is [REDACTED]\n") {
		t.Errorf("agent stdout lacks the run's output, redacted:\n%s", out)
	}
	for _, secret := range []string{token, testKey} {
		if strings.Contains(out, secret) || strings.Contains(ta.allLogs(), secret) || slices.ContainsFunc(logs, func(m string) bool { return strings.Contains(m, secret) }) {
			t.Errorf("a secret value reached the agent's output, its logs or the run's logs")
		}
	}
	if c := containerOf(t, owner, id); c != "" {
		t.Errorf("container %s of the finished run is still there", c)
	}
	if err := ta.stop(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}

// A run whose command exits 3 ends Failed with the code; a cancelled run's container is
// stopped and removed, and the run ends Cancelled.
func TestDockerFailedAndCancelledRuns(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	dir := t.TempDir()
	ta := startAgent(t, b, b.url, inDocker(t, dir))
	owner := agent.OwnerID("test-agent", b.url)

	failing := b.run(t, b.flow(t, shellStorage("exit 3")), nil, nil)
	ready := newGate(t, dir, "ready")
	held := b.run(t, b.flow(t, shellStorage("echo up > "+gateDir+"/ready.fifo; read x < "+gateDir+"/never.fifo")), nil, nil)
	newGate(t, dir, "never")
	ta.poke()
	ta.waitLog("Flow run " + failing + " ended Failed by itself")
	if state, msg := b.state(t, failing); state != "Failed" || !strings.Contains(msg, "exit code 3") {
		t.Errorf("run exiting 3: %s %q, want Failed with exit code 3", state, msg)
	}

	if got := ready.recv(t); got != "up" {
		t.Fatalf("the held run said %q", got)
	}
	container := containerOf(t, owner, held)
	if container == "" {
		t.Fatal("the held run has no container")
	}
	if state, err := b.client.CancelFlowRun(t.Context(), held); err != nil || state != "Cancelling" {
		t.Fatalf("CancelFlowRun = %s, %v; want Cancelling", state, err)
	}
	ta.until("the held run to end Cancelled", func() bool {
		state, _ := b.state(t, held)
		return state == "Cancelled" && ta.countLogs("Flow run "+held+" process") > 0
	}, time.Second)
	if c := containerOf(t, owner, held); c != "" {
		t.Errorf("container %s of the cancelled run is still there", c)
	}
	if err := ta.stop(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}

// Stop lets a running container finish: the agent claims nothing more, waits for the
// run, and returns once it ended Success and its container is gone.
func TestDockerStopDrains(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	dir := t.TempDir()
	ta := startAgent(t, b, b.url, inDocker(t, dir))
	owner := agent.OwnerID("test-agent", b.url)
	ready, release := newGate(t, dir, "ready"), newGate(t, dir, "release")
	id := b.run(t, b.flow(t, shellStorage("echo up > "+gateDir+"/ready.fifo; read x < "+gateDir+"/release.fifo; echo released")), nil, nil)
	ta.poke()
	if got := ready.recv(t); got != "up" {
		t.Fatalf("the run said %q", got)
	}

	ta.Stop()
	ta.waitLog("Waiting up to")
	release.send(t, "go")
	if err := ta.wait(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if state, _ := b.state(t, id); state != api.Success("").Type {
		t.Errorf("state = %s, want Success: the drain must let the run finish", state)
	}
	if !slices.Contains(runLogs(t, b, id), "released") {
		t.Errorf("run logs lack the output after the release: %q", runLogs(t, b, id))
	}
	if c := containerOf(t, owner, id); c != "" {
		t.Errorf("container %s is still there after the agent stopped", c)
	}
}
