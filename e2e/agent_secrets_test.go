package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAgentSecretSources gives a run one secret from each of the agent's sources, plus
// one the agent adds to every run, and checks the run sees each as
// PREFECT__CONTEXT__SECRETS__<NAME>; the script compares hashes, so no value is ever in
// its command line or its output.
func TestAgentSecretSources(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	values := map[string]string{
		"FROM_ENV":    "env-secret-value-4f1a",
		"FROM_CONFIG": "config-secret-value-9c2e",
		"FROM_FILE":   "file-secret-value-77d0",
		"FROM_STORE":  "store-secret-value-3b85",
		"AGENT_WIDE":  "agent-wide-secret-value-e6f9",
	}
	config := fmt.Sprintf("[context.secrets]\nFROM_CONFIG = %q\n", values["FROM_CONFIG"])
	if err := os.WriteFile(filepath.Join(s.home(), ".prefect", "config.toml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "FROM_FILE"), []byte(values["FROM_FILE"]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"FROM_STORE", "AGENT_WIDE"} {
		if r := runInput(t, s.env, values[name], "secret", "set", name, "--api", s.url); r.code != 0 {
			t.Fatalf("secret set %s: exit %d\nstderr: %s", name, r.code, r.stderr)
		}
	}
	agent := startAgent(t, s, []string{"PREFECT__CONTEXT__SECRETS__FROM_ENV=" + values["FROM_ENV"]},
		"--secret-dir", dir, "--secret", "AGENT_WIDE")

	names := []string{"FROM_ENV", "FROM_CONFIG", "FROM_FILE", "FROM_STORE", "AGENT_WIDE"}
	script := `check() { eval "v=\"\$PREFECT__CONTEXT__SECRETS__$1\""; ` +
		`if test "$(printf %s "$v" | sha256sum | cut -d" " -f1)" = "$2"; then echo "$1 OK"; else echo "$1 MISMATCH"; fi; }`
	for _, name := range names {
		sum := sha256.Sum256([]byte(values[name]))
		script += "; check " + name + " " + hex.EncodeToString(sum[:])
	}
	args := []string{"flow", "register", "--name", "secrets", "--script", "sh -c '" + script + "'"}
	for _, name := range names[:4] { // AGENT_WIDE comes from the agent's --secret alone
		args = append(args, "--secret", name)
	}
	s.outpost(t, args...)
	runID := s.outpost(t, "flow-run", "create", "--flow", "secrets")
	run := waitFinished(t, s, runID)
	logs := s.outpost(t, "flow-run", "logs", runID)
	if run.State != "Success" {
		t.Errorf("the run ended %s (%s), want Success\nagent:\n%s", run.State, run.StateMessage, agent.stderr)
	}
	output := logMessages(logs, "outpost.flow")
	for _, name := range names {
		if !slices.Contains(output, name+" OK") {
			t.Errorf("the run did not get %s from its source; its output:\n%s", name, strings.Join(output, "\n"))
		}
	}

	// A secret that is nowhere fails the run before it is launched, and says where it was
	// looked for.
	s.outpost(t, "flow", "register", "--name", "needy", "--script", "echo launched", "--secret", "NOWHERE_SECRET", "--secret", "FROM_STORE")
	needy := s.outpost(t, "flow-run", "create", "--flow", "needy")
	run = waitFinished(t, s, needy)
	if run.State != "Failed" {
		t.Errorf("a run needing a missing secret ended %s (%s), want Failed", run.State, run.StateMessage)
	}
	for _, want := range []string{"NOWHERE_SECRET", dir, "secret store", "context secrets"} {
		if !strings.Contains(run.StateMessage, want) {
			t.Errorf("the Failed message does not name %q: %s", want, run.StateMessage)
		}
	}
	needyLogs := s.outpost(t, "flow-run", "logs", needy)
	if len(logMessages(needyLogs, "outpost.flowrun")) > 0 || len(logMessages(needyLogs, "outpost.flow")) > 0 {
		t.Errorf("the run was launched although a secret was missing:\n%s", needyLogs)
	}
	agent.stop(t)
	for name, v := range values {
		for where, text := range map[string]string{"run logs": logs + needyLogs, "state message": run.StateMessage, "agent log": agent.stderr.String() + agent.stdout.String()} {
			if strings.Contains(text, v) {
				t.Errorf("the %s show the value of %s", where, name)
			}
		}
	}
	s.stop(t)
}

// fakeGitHub serves one file through GitHub's contents API, to requests that carry the
// token, as a private repository does.
func fakeGitHub(t *testing.T, token, content string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth != "token "+token && auth != "Bearer "+token {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message": "Bad credentials"}`)
			return
		}
		if r.URL.Path != "/api/v3/repos/acme/flows/contents/flows/hello.sh" || r.URL.Query().Get("ref") != "main" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message": "Not Found"}`)
			return
		}
		fmt.Fprint(w, content)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestAgentGitHubStorage runs a flow whose script is in a private GitHub repository. The
// token is the agent's secret: the flow's registration knows nothing of it.
func TestAgentGitHubStorage(t *testing.T) {
	t.Parallel()
	const token = "ghp_e2eTokenFor0utpostGitHubStorage"
	gh := fakeGitHub(t, token, "#!/bin/sh\necho hello from GitHub storage\n")
	s := startServer(t)
	register := func(name string) {
		s.outpost(t, "flow", "register", "--name", name, "--label", name,
			"--github", "acme/flows", "--path", "flows/hello.sh", "--ref", "main", "--github-url", gh.URL+"/api/v3")
	}
	tests := []struct {
		name       string
		agentEnv   []string
		storeToken bool // the token is in the backend's secret store
		wantState  string
	}{
		{name: "token in the agent's environment", agentEnv: []string{"PREFECT__CONTEXT__SECRETS__GITHUB_ACCESS_TOKEN=" + token}, wantState: "Success"},
		{name: "token in the backend's store", storeToken: true, wantState: "Success"},
		{name: "wrong token", agentEnv: []string{"PREFECT__CONTEXT__SECRETS__GITHUB_ACCESS_TOKEN=ghp_wrongWrongWrong"}, wantState: "Failed"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			label := fmt.Sprintf("gh%d", i) // each agent takes only its own case's runs
			register(label)
			if tc.storeToken {
				if r := runInput(t, s.env, token, "secret", "set", "GITHUB_ACCESS_TOKEN", "--api", s.url); r.code != 0 {
					t.Fatalf("secret set: exit %d\nstderr: %s", r.code, r.stderr)
				}
				defer s.outpost(t, "secret", "delete", "GITHUB_ACCESS_TOKEN")
			}
			agent := startAgent(t, s, tc.agentEnv, "--label", label)
			runID := s.outpost(t, "flow-run", "create", "--flow", label)
			run := waitFinished(t, s, runID)
			agent.stop(t)
			logs := s.outpost(t, "flow-run", "logs", runID)
			if run.State != tc.wantState {
				t.Fatalf("state %s (%s), want %s\nlogs:\n%s\nagent:\n%s", run.State, run.StateMessage, tc.wantState, logs, agent.stderr)
			}
			if tc.wantState == "Success" && !slices.Contains(logMessages(logs, "outpost.flow"), "hello from GitHub storage") {
				t.Errorf("the logs lack the script's output:\n%s", logs)
			}
			if tc.wantState == "Failed" {
				for _, want := range []string{"acme/flows", "flows/hello.sh", "main", "401"} {
					if !strings.Contains(run.StateMessage, want) {
						t.Errorf("the Failed message does not name %q: %s", want, run.StateMessage)
					}
				}
			}
			for _, tok := range []string{token, "ghp_wrongWrongWrong"} {
				if strings.Contains(run.StateMessage+logs+agent.stderr.String(), tok) {
					t.Errorf("a token shows in the state message, the run's logs or the agent's log")
				}
			}
		})
	}
	s.stop(t)
}

// TestAgentRedaction has a flow print its secrets plainly, split across two writes, and
// JSON-escaped; neither the run's logs nor the agent's --show-flow-logs output may show
// them.
func TestAgentRedaction(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	const token = "plain-secret-5e1d7a2b9c"
	const multi = "first-line-secret-a81f\nsecond-line-secret-0b3c"
	for name, v := range map[string]string{"TOKEN": token, "MULTI": multi} {
		if r := runInput(t, s.env, v, "secret", "set", name, "--api", s.url); r.code != 0 {
			t.Fatalf("secret set %s: exit %d\nstderr: %s", name, r.code, r.stderr)
		}
	}
	agent := startAgent(t, s, nil, "--show-flow-logs")
	script := `t="$PREFECT__CONTEXT__SECRETS__TOKEN"; m="$PREFECT__CONTEXT__SECRETS__MULTI"; ` +
		`printf "plain: %s\n" "$t"; ` +
		// The two halves go out in separate writes, apart in time, so that the reader
		// gets them in separate reads.
		`printf "split: %s" "${t%%${t#?????????}}"; sleep 0.3; printf "%s\n" "${t#?????????}"; ` +
		`printf "json: {\"v\": \"%s\"}\n" "$(printf %s "$m" | awk "BEGIN{ORS=\"\"} NR>1{print \"\\\\n\"} {print}")"; ` +
		`printf "multi: %s\n" "$m"`
	s.outpost(t, "flow", "register", "--name", "leaky", "--script", "sh -c '"+script+"'", "--secret", "TOKEN", "--secret", "MULTI")
	runID := s.outpost(t, "flow-run", "create", "--flow", "leaky")
	run := waitFinished(t, s, runID)
	agent.stop(t)
	logs := s.outpost(t, "flow-run", "logs", runID)
	if run.State != "Success" {
		t.Fatalf("the run ended %s (%s)\nlogs:\n%s", run.State, run.StateMessage, logs)
	}
	output := logMessages(logs, "outpost.flow")
	for _, prefix := range []string{"plain: ", "split: ", "json: ", "multi: "} {
		if !slices.ContainsFunc(output, func(m string) bool { return strings.HasPrefix(m, prefix) && strings.Contains(m, "[REDACTED]") }) {
			t.Errorf("no redacted %q line in the run's logs:\n%s", prefix, logs)
		}
	}
	shown := agent.stdout.String()
	if !strings.Contains(shown, "[REDACTED]") {
		t.Errorf("--show-flow-logs shows no [REDACTED]:\n%s", shown)
	}
	for _, leak := range []string{token, token[:9], token[9:], "first-line-secret-a81f", "second-line-secret-0b3c"} {
		for where, text := range map[string]string{"run logs": logs, "--show-flow-logs output": shown, "agent log": agent.stderr.String()} {
			if strings.Contains(text, leak) {
				t.Errorf("the %s show secret text %q:\n%s", where, leak, text)
			}
		}
	}
	s.stop(t)
}
