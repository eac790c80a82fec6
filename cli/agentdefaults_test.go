package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/outposthq/outpost/agent"
	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/runconfig"
)

// resolveAgentConfig runs `start ARGS` with the agent's flags and returns the Config the
// agent would get, the flags filled from e and config.toml as agentStart fills them.
func resolveAgentConfig(t *testing.T, configTOML string, e env, args ...string) (agent.Config, error) {
	t.Helper()
	home := t.TempDir()
	dir := filepath.Join(home, ".prefect")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(configTOML), 0o600); err != nil {
		t.Fatal(err)
	}
	e = append(env{"HOME=" + home}, e...)
	cfg, err := config.Load(config.LoadOptions{Env: e, Home: home})
	if err != nil {
		t.Fatal(err)
	}
	var got agent.Config
	app := &ucli.App{
		ExitErrHandler: func(*ucli.Context, error) {},
		Commands: []*ucli.Command{{Name: "start", Flags: agentFlags(), Action: func(c *ucli.Context) error {
			if err := applyFlagDefaults(c, e, cfg); err != nil {
				return err
			}
			s, err := cfg.Settings()
			if err != nil {
				return err
			}
			got, err = agentConfig(c, s)
			return err
		}}},
	}
	err = app.Run(append([]string{"outpost", "start"}, args...))
	return got, err
}

func TestAgentFlagsFromEnvironmentAndConfig(t *testing.T) {
	got, err := resolveAgentConfig(t, `
[cloud.agent]
concurrency = 3
max_polls = 9
drain_grace = 90
show_flow_logs = true
secret = ["A_TOKEN", "B_TOKEN"]
[cloud.agent.env_vars]
FROM = "config"
N = 2
`, env{"OUTPOST_MAX_POLLS=7", "OUTPOST_SECRET_DIR=/run/a\n/run/b"},
		"--concurrency", "5", "--no-hostname-label")
	if err != nil {
		t.Fatal(err)
	}
	if got.Concurrency != 5 {
		t.Errorf("concurrency = %d, want 5 (the flag wins over cloud.agent.concurrency)", got.Concurrency)
	}
	if got.MaxPolls == nil || *got.MaxPolls != 7 {
		t.Errorf("max polls = %v, want 7 (OUTPOST_MAX_POLLS wins over cloud.agent.max_polls)", got.MaxPolls)
	}
	if got.DrainGrace != 90*time.Second || !got.ShowFlowLogs {
		t.Errorf("drain grace %s, show flow logs %t: want 1m30s and true from cloud.agent", got.DrainGrace, got.ShowFlowLogs)
	}
	if !slices.Equal(got.SecretNames, []string{"A_TOKEN", "B_TOKEN"}) || !slices.Equal(got.SecretDirs, []string{"/run/a", "/run/b"}) {
		t.Errorf("secrets %q, secret dirs %q", got.SecretNames, got.SecretDirs)
	}
	want := []runconfig.EnvVar{{Name: "FROM", Value: "config"}, {Name: "N", Value: "2"}}
	if !slices.Equal(got.EnvFlags, want) {
		t.Errorf("env = %v, want %v from cloud.agent.env_vars (Prefect's key)", got.EnvFlags, want)
	}

	// --env on the command line replaces cloud.agent.env_vars, as in Prefect.
	got, err = resolveAgentConfig(t, "[cloud.agent.env_vars]\nFROM = \"config\"\n", nil, "-e", "FROM=flag", "--no-hostname-label")
	if err != nil || !slices.Equal(got.EnvFlags, []runconfig.EnvVar{{Name: "FROM", Value: "flag"}}) {
		t.Errorf("env = %v, %v; want only FROM=flag", got.EnvFlags, err)
	}
}

func TestAgentFlagDefaultsRejectBadValues(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		e          env
		want       string
	}{
		{"config", "[cloud.agent]\nconcurrency = \"lots\"\n", nil, "cloud.agent.concurrency"},
		{"environment", "", env{"OUTPOST_DRAIN_GRACE=soon"}, "OUTPOST_DRAIN_GRACE"},
		{"a list for a single value", "[cloud.agent]\ndrain_grace = [1, 2]\n", nil, "cloud.agent.drain_grace is a list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := resolveAgentConfig(t, tc.toml, tc.e, "--no-hostname-label")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}
