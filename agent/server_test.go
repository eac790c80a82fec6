package agent_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/outposthq/outpost/agent"
	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/launcher/local"
	"github.com/outposthq/outpost/secrets"
)

// The agent's endpoint: health, poke and metrics answer GET; other methods get 405 and
// other paths 404. The metrics describe what the agent did.
func TestEndpoint(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	ta := startAgent(t, b, b.url)
	id := b.run(t, b.flow(t, scriptStorage()), localRun("exit 3", nil), nil)
	ta.poke()
	ta.waitLog("Flow run " + id + " set Failed")

	tests := []struct {
		method, path string
		status       int
		body         []string // fragments of the body
	}{
		{http.MethodGet, "/api/health", http.StatusOK, []string{"{}"}},
		{http.MethodGet, "/api/poke", http.StatusOK, nil},
		{http.MethodPost, "/api/poke", http.StatusMethodNotAllowed, nil},
		{http.MethodDelete, "/api/health", http.StatusMethodNotAllowed, nil},
		{http.MethodGet, "/api/nothing", http.StatusNotFound, nil},
		{http.MethodGet, "/metrics", http.StatusOK, []string{
			"outpost_agent_polls_total ",
			"outpost_agent_poll_errors_total 0",
			"outpost_agent_runs_submitted_total 1",
			"outpost_agent_claim_conflicts_total 0",
			"outpost_agent_runs_succeeded_total 0",
			"outpost_agent_runs_failed_total 1",
			"outpost_agent_runs_cancelled_total 0",
			"outpost_agent_runs_running 0",
			"outpost_agent_launch_latency_seconds_count 1",
			"# TYPE outpost_agent_launch_latency_seconds histogram",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			status, body := ta.get(tt.method, tt.path)
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			for _, want := range tt.body {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q:\n%s", want, body)
				}
			}
		})
	}
}

// New refuses a configuration it cannot run with, saying what to fix.
func TestNewRejectsBadConfig(t *testing.T) {
	client, err := api.New(api.Options{URL: "http://127.0.0.1:1", Key: secrets.NewValue(testKey)})
	if err != nil {
		t.Fatal(err)
	}
	good := func() (agent.Config, agent.Deps) {
		return agent.Config{APIURL: "http://127.0.0.1:1"},
			agent.Deps{Backend: client, Launcher: local.New(), Executable: "/bin/true", Cwd: "/"}
	}
	negative := -1
	tests := []struct {
		name   string
		change func(*agent.Config, *agent.Deps)
		want   string
	}{
		{"address without scheme", func(c *agent.Config, _ *agent.Deps) { c.AgentAddress = "127.0.0.1:8080" }, "must be a URL"},
		{"address without port", func(c *agent.Config, _ *agent.Deps) { c.AgentAddress = "http://127.0.0.1" }, "must specify port"},
		{"no API URL", func(c *agent.Config, _ *agent.Deps) { c.APIURL = "" }, "API URL is required"},
		{"negative concurrency", func(c *agent.Config, _ *agent.Deps) { c.Concurrency = -2 }, "concurrency is -2"},
		{"negative max polls", func(c *agent.Config, _ *agent.Deps) { c.MaxPolls = &negative }, "max polls is -1"},
		{"negative grace", func(c *agent.Config, _ *agent.Deps) { c.CancelGrace = -1 }, "cancel grace"},
		{"unknown type", func(c *agent.Config, _ *agent.Deps) { c.Type = "KubernetesAgent" }, `agent type "KubernetesAgent" is unknown`},
		{"docker type", func(c *agent.Config, _ *agent.Deps) { c.Type = agent.TypeDocker }, "needs the Docker launcher"},
		{"no backend", func(_ *agent.Config, d *agent.Deps) { d.Backend = nil }, "a backend client is required"},
		{"no launcher", func(_ *agent.Config, d *agent.Deps) { d.Launcher = nil }, "a launcher is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, deps := good()
			tt.change(&cfg, &deps)
			_, err := agent.New(cfg, deps)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		cfg, deps := good()
		cfg.AgentAddress = "http://:8080"
		if _, err := agent.New(cfg, deps); err != nil {
			t.Errorf("New = %v, want nil", err)
		}
	})
}
