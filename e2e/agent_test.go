package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAgentMainJob is the README's first run on a fresh machine: with nothing
// configured, `outpost agent local start` runs the embedded backend on 127.0.0.1:4200,
// and the client commands find it and its key without any flag.
func TestAgentMainJob(t *testing.T) {
	// Not parallel: the embedded backend's port is fixed, and no other test uses it.
	const embedded = "127.0.0.1:4200"
	ln, err := net.Listen("tcp", embedded)
	if err != nil {
		t.Fatalf("%s is taken (%v): this test runs the agent's embedded backend there, as on a fresh "+
			"machine; stop whatever listens on it and run the test again", embedded, err)
	}
	ln.Close()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	env := home(t, "")

	agent := startDaemon(t, "the agent", env, "agent", "local", "start")
	agent.waitReady(t, "http://"+embedded+"/health")
	if _, err := os.Stat(filepath.Join(homeOf(env), ".prefect", "outpost.db")); err != nil {
		t.Errorf("the embedded backend keeps no database under ~/.prefect: %v", err)
	}

	// The local agent labels itself with the hostname, as Prefect's does.
	if r := run(t, env, "flow", "register", "--name", "hello", "--script", "echo hello from Outpost", "--label", host); r.code != 0 {
		t.Fatalf("flow register: exit %d\nstderr: %s", r.code, r.stderr)
	}
	r := run(t, env, "flow-run", "create", "--flow", "hello", "--wait")
	runID, _, _ := strings.Cut(r.stdout, "\n")
	if r.code != 0 {
		t.Fatalf("flow-run create --wait: exit %d, want 0\nstdout: %s\nstderr: %s\nagent:\n%s", r.code, r.stdout, r.stderr, agent.stderr)
	}
	if !strings.Contains(r.stderr, "finished: Success") {
		t.Errorf("--wait does not report the outcome: %q", r.stderr)
	}
	logs := run(t, env, "flow-run", "logs", runID)
	if logs.code != 0 || !slices.Contains(logMessages(logs.stdout, "outpost.flow"), "hello from Outpost") {
		t.Errorf("the run's logs lack the script's output: exit %d\n%s%s", logs.code, logs.stdout, logs.stderr)
	}

	agent.stop(t)
	if conn, err := net.DialTimeout("tcp", embedded, time.Second); err == nil {
		conn.Close()
		t.Errorf("something still listens on %s after the agent exited", embedded)
	}
}

// homeOf returns the HOME of an environment made by home.
func homeOf(env []string) string {
	for _, kv := range env {
		if h, ok := strings.CutPrefix(kv, "HOME="); ok {
			return h
		}
	}
	return ""
}

// TestAgentEnvContract checks the environment a flow run gets (spec §4.3): the agent's
// own environment, overridden by its --env, overridden by the run config's env, and
// Prefect's variables, which no run config can override.
func TestAgentEnvContract(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	agent := startAgent(t, s,
		[]string{"A=agent-env", "SHARED=agent-env", "B=agent-env", "ONLY_AGENT=agent-env"},
		"--env", "A=from-flag", "-e", "SHARED=flag", "-l", "e2e-env", "--label", "gpu")
	evil := []string{
		"PREFECT__CONTEXT__FLOW_RUN_ID=evil", "PREFECT__CONTEXT__FLOW_ID=evil", "PREFECT__CLOUD__API=http://evil.invalid",
		"PREFECT__CLOUD__AGENT__LABELS=evil", "PREFECT__BACKEND=evil", "PREFECT__CLOUD__USE_LOCAL_SECRETS=true",
		"PREFECT__CLOUD__API_KEY=evil", "PREFECT__ENGINE__FLOW_RUNNER__DEFAULT_CLASS=evil",
	}
	// The key is redacted from the output whatever its value, so the script also prints
	// its hash, to show which key the run has.
	script := `sh -c 'env; printf "KEY_SHA256=%s\n" "$(printf %s "$PREFECT__CLOUD__API_KEY" | sha256sum | cut -d" " -f1)"'`
	args := []string{"flow", "register", "--name", "env", "--script", script, "--label", "e2e-env",
		"--env", "SHARED=runconfig", "--env", "B=rc"}
	for _, kv := range evil {
		args = append(args, "--env", kv)
	}
	flowID := s.outpost(t, args...)
	runID := s.outpost(t, "flow-run", "create", "--flow", "env")
	if run := waitFinished(t, s, runID); run.State != "Success" {
		t.Fatalf("the run ended %s (%s)\nagent:\n%s", run.State, run.StateMessage, agent.stderr)
	}
	logs := s.outpost(t, "flow-run", "logs", runID)
	got := map[string]string{}
	for _, m := range logMessages(logs, "outpost.flow") {
		if k, v, ok := strings.Cut(m, "="); ok {
			got[k] = v
		}
	}

	var cfg struct {
		Backend string `json:"backend"`
		Logging struct {
			Level string `json:"level"`
		} `json:"logging"`
	}
	if r := run(t, s.env, "config", "view", "--json"); r.code != 0 || json.Unmarshal([]byte(r.stdout), &cfg) != nil {
		t.Fatalf("config view --json: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	keySum := sha256.Sum256([]byte(s.adminKey(t)))
	tests := []struct{ name, want, why string }{
		{"ONLY_AGENT", "agent-env", "the agent's environment is inherited"},
		{"A", "from-flag", "--env overrides the agent's environment"},
		{"SHARED", "runconfig", "the run config overrides --env"},
		{"B", "rc", "the run config overrides the agent's environment"},
		{"PREFECT__CONTEXT__FLOW_RUN_ID", runID, "the run's id"},
		{"PREFECT__CONTEXT__FLOW_ID", flowID, "the flow's id"},
		{"PREFECT__CLOUD__API", s.url, "the agent's API"},
		{"PREFECT__CLOUD__AGENT__LABELS", "['e2e-env', 'gpu']", "the agent's labels as a Python list"},
		{"PREFECT__BACKEND", cfg.Backend, "config.backend"},
		{"PREFECT__CLOUD__USE_LOCAL_SECRETS", "false", "fixed"},
		{"PREFECT__CLOUD__API_KEY", "[REDACTED]", "the agent's key, never shown"},
		{"KEY_SHA256", hex.EncodeToString(keySum[:]), "the agent's key"},
		{"PREFECT__ENGINE__FLOW_RUNNER__DEFAULT_CLASS", "prefect.engine.cloud.CloudFlowRunner", "fixed"},
		{"PREFECT__LOGGING__LEVEL", cfg.Logging.Level, "config.logging.level"},
		{"PREFECT__CLOUD__SEND_FLOW_RUN_LOGS", "true", "the agent sends logs"},
	}
	for _, tc := range tests {
		if v, ok := got[tc.name]; !ok || v != tc.want {
			t.Errorf("%s = %q (present: %v), want %q: %s", tc.name, v, ok, tc.want, tc.why)
		}
	}
	if key := s.adminKey(t); strings.Contains(logs, key) {
		t.Errorf("the run's logs show the API key")
	}
	agent.stop(t)
	if strings.Contains(agent.stderr.String(), s.adminKey(t)) {
		t.Errorf("the agent's log shows the API key")
	}
	s.stop(t)
}

func TestAgentExitCodes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	agent := startAgent(t, s, nil)
	tests := []struct {
		name, script string
		want         *regexp.Regexp
	}{
		{"exit 3", "sh -c 'exit 3'", regexp.MustCompile(`\b3\b`)},
		{"killed", `sh -c 'kill -9 $$'`, regexp.MustCompile(`SIGKILL`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ReplaceAll(tc.name, " ", "-")
			s.outpost(t, "flow", "register", "--name", name, "--script", tc.script)
			run := waitFinished(t, s, s.outpost(t, "flow-run", "create", "--flow", name))
			if run.State != "Failed" || !tc.want.MatchString(run.StateMessage) {
				t.Errorf("state %s (%q), want Failed with a message matching %s", run.State, run.StateMessage, tc.want)
			}
		})
	}
	agent.stop(t)
	s.stop(t)
}

func TestAgentInstall(t *testing.T) {
	t.Parallel()
	const key = "install-key-0123456789abcdef"
	env := home(t, "")
	common := []string{"agent", "local", "install", "-l", "dev", "--label", "gpu x", "-e", "A=b c", "-k", key, "--drain-grace", "1m"}

	r := run(t, env, common...)
	if r.code != 0 {
		t.Fatalf("install: exit %d\nstderr: %s", r.code, r.stderr)
	}
	command := lineValue(t, r.stdout, "command=")
	wantArgs := []string{"agent", "local", "start", "--label", "dev", "--label", "gpu x", "--env", "A=b c", "--drain-grace", "1m0s"}
	checkServiceArgs(t, "supervisord command", shellSplit(t, command), wantArgs)
	if strings.Contains(command, key) {
		t.Errorf("the API key is on the supervisord command line: %s", command)
	}
	if !strings.Contains(r.stdout, `OUTPOST_KEY="`+key+`"`) {
		t.Errorf("the supervisord config does not give the key in its environment:\n%s", r.stdout)
	}

	r = run(t, env, append(common, "--systemd")...)
	if r.code != 0 {
		t.Fatalf("install --systemd: exit %d\nstderr: %s", r.code, r.stderr)
	}
	execStart := lineValue(t, r.stdout, "ExecStart=")
	checkServiceArgs(t, "systemd ExecStart", shellSplit(t, execStart), wantArgs)
	if strings.Contains(execStart, key) {
		t.Errorf("the API key is on the ExecStart line: %s", execStart)
	}
	if lineValue(t, r.stdout, "Restart=") != "on-failure" {
		t.Errorf("the unit does not restart on failure:\n%s", r.stdout)
	}
	// The stop timeout gives the agent its drain grace (a minute) and then some.
	if stop, err := strconv.Atoi(lineValue(t, r.stdout, "TimeoutStopSec=")); err != nil || stop <= 60 {
		t.Errorf("TimeoutStopSec=%d (%v) does not cover the drain grace of 60 s:\n%s", stop, err, r.stdout)
	}
}

// checkServiceArgs compares a service's command line, split into words, with the
// outpost binary followed by want.
func checkServiceArgs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 || filepath.Base(got[0]) != "outpost" {
		t.Errorf("%s does not run the outpost binary: %q", what, got)
		return
	}
	if strings.Join(got[1:], "\x00") != strings.Join(want, "\x00") {
		t.Errorf("%s gives the agent\n%q\nwant\n%q", what, got[1:], want)
	}
}

// lineValue returns what follows prefix on the first line of text that starts with it.
func lineValue(t *testing.T, text, prefix string) string {
	t.Helper()
	for line := range strings.Lines(text) {
		if v, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), prefix); ok {
			return v
		}
	}
	t.Errorf("no %q line in:\n%s", prefix, text)
	return ""
}

// shellSplit splits a command line into words the way sh does, by having sh do it.
func shellSplit(t *testing.T, line string) []string {
	t.Helper()
	out, err := exec.Command("sh", "-c", `eval "set -- $1" && for a; do printf '%s\0' "$a"; done`, "sh", line).Output()
	if err != nil {
		t.Fatalf("sh cannot split %q: %v", line, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}
