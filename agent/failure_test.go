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

// A run that cannot be launched is failed before launch, through Prefect's failure
// path: the message in the agent's log, in the run's logs and as the Failed state.
func TestDeployFailsBeforeLaunch(t *testing.T) {
	const present = "present-secret-value-42"
	tests := []struct {
		name      string
		storage   map[string]any
		runConfig func(out string) any
		agentOpt  agentOption
		want      func(id, secretDir string) []string // fragments of the Failed message
	}{
		{
			name:      "wrong run-config type",
			storage:   scriptStorage(),
			runConfig: func(string) any { return map[string]any{"type": "DockerRun", "image": "python:3.10"} },
			want: func(id, _ string) []string {
				return []string{"Flow run " + id + " has a `run_config` of type `DockerRun`, only `LocalRun` is supported"}
			},
		},
		{
			name:    "missing working dir",
			storage: scriptStorage(),
			runConfig: func(out string) any {
				return map[string]any{"type": "LocalRun", "working_dir": filepath.Join(out, "nowhere")}
			},
			want: func(id, _ string) []string {
				return []string{"Flow run " + id + " has a nonexistent `working_dir` configured: "}
			},
		},
		{
			name:      "docker storage",
			storage:   map[string]any{"type": "Docker", "image_name": "flows", "image_tag": "1"},
			runConfig: func(string) any { return nil },
			want:      func(string, string) []string { return []string{"Unsupported Storage type: Docker"} },
		},
		{
			name:      "missing secret named by the agent",
			storage:   scriptStorage("PRESENT_SECRET"),
			runConfig: func(string) any { return localRun("exit 0", nil) },
			agentOpt:  func(c *agent.Config, _ *agent.Deps) { c.SecretNames = []string{"MISSING_SECRET"} },
			want: func(id, dir string) []string {
				return []string{"flow run " + id + " needs secret MISSING_SECRET", "secret files in " + dir, "the backend's secret store"}
			},
		},
		{
			name:      "missing secret named by the storage",
			storage:   scriptStorage("PRESENT_SECRET", "STORAGE_SECRET"),
			runConfig: func(string) any { return localRun("exit 0", nil) },
			want: func(id, dir string) []string {
				return []string{"needs secret STORAGE_SECRET", "secret files in " + dir}
			},
		},
		{
			name: "missing explicit GitHub token",
			storage: map[string]any{"type": "GitHub", "repo": "org/flows", "path": "flow.py",
				"access_token_secret": "MY_GITHUB_TOKEN"},
			runConfig: func(string) any { return localRun("exit 0", nil) },
			want:      func(string, string) []string { return []string{"needs secret MY_GITHUB_TOKEN"} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leakCheck(t)
			b := startBackend(t)
			secretDir := t.TempDir()
			writeSecret(t, secretDir, "PRESENT_SECRET", present)
			opts := []agentOption{func(c *agent.Config, _ *agent.Deps) { c.SecretDirs = []string{secretDir} }}
			if tt.agentOpt != nil {
				opts = append(opts, tt.agentOpt)
			}
			ta := startAgent(t, b, b.url, opts...)
			id := b.run(t, b.flow(t, tt.storage), tt.runConfig(ta.out), nil)
			ta.poke()
			ta.waitLog("Flow run " + id + " set Failed")

			state, msg := b.state(t, id)
			if state != "Failed" {
				t.Errorf("state = %s, want Failed", state)
			}
			for _, want := range tt.want(id, secretDir) {
				if !strings.Contains(msg, want) {
					t.Errorf("Failed message %q lacks %q", msg, want)
				}
			}
			if ta.countLogs("Completed deployment") != 0 {
				t.Error("the run was launched")
			}
			for _, want := range []string{"Exception encountered while deploying flow run " + id, "Updating flow run " + id + " state to Failed...", "Deployment of " + id + " aborted!"} {
				if ta.countLogs(want) != 1 {
					t.Errorf("agent log lacks %q", want)
				}
			}
			logs, err := b.client.FlowRunLogs(t.Context(), id, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(logs, func(l api.LogEntry) bool { return l.Level == "ERROR" && l.Message == msg }) {
				t.Errorf("run logs lack the ERROR %q: %+v", msg, logs)
			}
			if strings.Contains(msg, present) || strings.Contains(ta.allLogs(), present) {
				t.Error("a secret's value reached the Failed message or the agent's log")
			}
			if got := ta.metric("outpost_agent_runs_failed_total"); got != 1 {
				t.Errorf("runs_failed = %v, want 1", got)
			}
		})
	}
}

// A process that ends without reporting a final state fails the run with how it ended.
func TestProcessEndFailsRun(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   string
	}{
		{"exit code 3", "exit 3", "Flow run process exited with code 3"},
		{"exit code 0 without a state", "exit 0", "Flow run process exited with code 0"},
		{"killed", "kill -KILL $$", "Flow run process was killed by SIGKILL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leakCheck(t)
			b := startBackend(t)
			ta := startAgent(t, b, b.url)
			id := b.run(t, b.flow(t, scriptStorage()), localRun(tt.script, nil), nil)
			ta.poke()
			ta.waitLog("Flow run " + id + " set Failed")
			if state, msg := b.state(t, id); state != "Failed" || msg != tt.want {
				t.Errorf("state = %s %q, want Failed %q", state, msg, tt.want)
			}
			logs, err := b.client.FlowRunLogs(t.Context(), id, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(logs, func(l api.LogEntry) bool { return l.Level == "ERROR" && l.Message == tt.want }) {
				t.Errorf("run logs lack the ERROR %q", tt.want)
			}
			if got := ta.metric("outpost_agent_runs_failed_total"); got != 1 {
				t.Errorf("runs_failed = %v, want 1", got)
			}
		})
	}
}

// The output of a run that is not shown goes nowhere, and the agent keeps its stdout.
func TestFlowLogsHiddenByDefault(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	ta := startAgent(t, b, b.url)
	id := b.run(t, b.flow(t, scriptStorage()), localRun("echo hello from the run", nil), nil)
	ta.poke()
	ta.waitLog("Flow run " + id + " set Failed")
	if out := ta.stdout.String(); out != "" {
		t.Errorf("agent stdout = %q, want nothing without --show-flow-logs", out)
	}
	if _, err := os.Stat(ta.out); err != nil {
		t.Fatal(err)
	}
}

// Against a backend without a secret store (Prefect Server), a storage's default token
// is simply absent and the run goes on; a secret the run requires fails it by name.
func TestBackendWithoutSecretStore(t *testing.T) {
	tests := []struct {
		name     string
		storage  map[string]any
		launched bool
	}{
		{"default GitHub token is optional", map[string]any{"type": "GitHub", "repo": "org/flows", "path": "flow.py"}, true},
		{"storage secret is required", scriptStorage("DB_PASSWORD"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leakCheck(t)
			b := startBackend(t)
			p := startProxy(t, b)
			p.noSecretAPI.Store(true)
			ta := startAgent(t, b, p.url)
			id := b.run(t, b.flow(t, tt.storage), localRun("exit 5", nil), nil)
			ta.poke()
			ta.waitLog("Flow run " + id + " set Failed")
			_, msg := b.state(t, id)
			if launched := ta.countLogs("Completed deployment of flow run "+id) == 1; launched != tt.launched {
				t.Errorf("launched = %v, want %v (state message %q)", launched, tt.launched, msg)
			}
			if !tt.launched && !strings.Contains(msg, "needs secret DB_PASSWORD, which was not found (looked in the backend's secret store)") {
				t.Errorf("Failed message = %q, want it to name the secret and where it was looked for", msg)
			}
		})
	}
}
