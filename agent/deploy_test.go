package agent_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outposthq/outpost/agent"
	"github.com/outposthq/outpost/api"
)

// A run is claimed and launched once, with the env contract, the agent's --env, the run
// config's env and the secrets it needs injected; its output is shown prefixed and
// redacted; a Success its process reports is kept.
func TestRunLaunchedOnceWithContractEnvAndSecrets(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	secretDir := t.TempDir()
	const dbPassword, apiToken = "s3cret-db-password-value", "tok-0123456789-abcdef"
	writeSecret(t, secretDir, "DB_PASSWORD", dbPassword+"\n")
	writeSecret(t, secretDir, "API_TOKEN", apiToken)

	ta := startAgent(t, b, b.url, func(c *agent.Config, _ *agent.Deps) {
		c.ShowFlowLogs = true
		c.SecretDirs = []string{secretDir}
		c.SecretNames = []string{"API_TOKEN"}
	})
	release := newGate(t, ta.out, "release")
	flow := b.flow(t, scriptStorage("DB_PASSWORD"))
	script := `echo "$PREFECT__CONTEXT__FLOW_RUN_ID" >> "$OUT/launches"
env > "$OUT/run.env"
echo "password is $PREFECT__CONTEXT__SECRETS__DB_PASSWORD"
read x < "$TEST_GATE"
printf 'last words'`
	id := b.run(t, flow, localRun(script, map[string]any{"TEST_GATE": release.path, "FROM_RUN_CONFIG": "yes"}), nil)
	ta.poke()
	ta.waitLog("Completed deployment of flow run " + id)

	// The process reports its own end, as `outpost execute flow-run` does.
	b.setState(t, id, api.Running("Running flow."))
	b.setState(t, id, api.Success("All reference tasks succeeded."))
	release.send(t, "go")
	ta.waitLog("Flow run " + id + " ended Success by itself")

	if got := lines(t, filepath.Join(ta.out, "launches")); !slices.Equal(got, []string{id}) {
		t.Errorf("launches = %v, want exactly [%s]", got, id)
	}
	if state, _ := b.state(t, id); state != "Success" {
		t.Errorf("state = %s, want Success (the agent must not overwrite it)", state)
	}
	env := readEnv(t, filepath.Join(ta.out, "run.env"))
	info, err := b.client.FlowRun(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"PREFECT__CONTEXT__FLOW_RUN_ID":               id,
		"PREFECT__CONTEXT__FLOW_ID":                   info.FlowID,
		"PREFECT__CLOUD__API":                         b.url,
		"PREFECT__CLOUD__API_KEY":                     testKey,
		"PREFECT__BACKEND":                            "server",
		"PREFECT__CLOUD__AGENT__LABELS":               "[]",
		"PREFECT__CLOUD__USE_LOCAL_SECRETS":           "false",
		"PREFECT__CLOUD__SEND_FLOW_RUN_LOGS":          "true",
		"PREFECT__LOGGING__LEVEL":                     "INFO",
		"PREFECT__ENGINE__FLOW_RUNNER__DEFAULT_CLASS": "prefect.engine.cloud.CloudFlowRunner",
		"PREFECT__CONTEXT__SECRETS__DB_PASSWORD":      dbPassword,
		"PREFECT__CONTEXT__SECRETS__API_TOKEN":        apiToken,
		"OUT":                                         ta.out,
		"FROM_RUN_CONFIG":                             "yes",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("run env %s = %q, want %q", k, env[k], v)
		}
	}

	out := ta.stdout.String()
	for _, line := range []string{"[" + info.Name + "] password is [REDACTED]\n", "[" + info.Name + "] last words\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("agent stdout lacks %q:\n%s", line, out)
		}
	}
	for _, secret := range []string{dbPassword, apiToken, testKey} {
		if strings.Contains(out, secret) || strings.Contains(ta.allLogs(), secret) {
			t.Errorf("a secret value reached the agent's output or logs")
		}
	}

	logs, err := b.client.FlowRunLogs(t.Context(), id, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(logs, func(l api.LogEntry) bool {
		return strings.HasPrefix(l.Message, "Submitted for execution: PID: ") && l.Name == "test-agent" && l.Level == "INFO"
	}) {
		t.Errorf("run logs lack the agent's \"Submitted for execution: PID: N\": %+v", logs)
	}
	if got := ta.metric("outpost_agent_runs_submitted_total"); got != 1 {
		t.Errorf("runs_submitted = %v, want 1", got)
	}
	if got := ta.metric("outpost_agent_runs_succeeded_total"); got != 1 {
		t.Errorf("runs_succeeded = %v, want 1", got)
	}
	if err := ta.stop(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}

func writeSecret(t *testing.T, dir, name, value string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(value), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	return env
}
