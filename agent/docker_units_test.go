package agent

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/launcher/docker"
	"github.com/outposthq/outpost/runconfig"
	"github.com/outposthq/outpost/secrets"
)

// TestDockerSpecAPIURL: the API URL a run's container gets. "localhost" is rewritten
// for a container with a network of its own (Prefect's rule), never on the host's
// network, where the container reaches what the agent reaches; a URL set by --env or
// the run config's env is kept.
func TestDockerSpecAPIURL(t *testing.T) {
	const local = "http://localhost:4200/graphql"
	host := map[string]any{"network_mode": "host"}
	tests := []struct {
		name     string
		api      string
		networks []string
		hc       map[string]any
		flags    []runconfig.EnvVar
		rcEnv    map[string]any
		want     string
	}{
		{"bridge rewrites localhost", local, nil, nil, nil, nil, "http://host.docker.internal:4200"},
		{"prefect-server network", local, []string{"prefect-server"}, nil, nil, nil, "http://apollo:4200"},
		{"127.0.0.1 is kept", "http://127.0.0.1:4200", nil, nil, nil, nil, "http://127.0.0.1:4200"},
		{"the agent on host", local, []string{"host"}, nil, nil, nil, local},
		{"the run config on host", local, nil, host, nil, nil, local},
		{"the run config off host", local, []string{"host"}, map[string]any{"network_mode": "bridge"}, nil, nil, "http://host.docker.internal:4200"},
		{"host, --env wins", local, []string{"host"}, nil, []runconfig.EnvVar{{Name: runconfig.EnvAPI, Value: "http://api:1"}}, nil, "http://api:1"},
		{"host, run config env wins", local, nil, host, nil, map[string]any{runconfig.EnvAPI: "http://api:2"}, "http://api:2"},
	}
	for _, tt := range tests {
		a := specAgent(Config{APIURL: tt.api, Networks: tt.networks, EnvFlags: tt.flags, DefaultImage: "img:1"})
		rc, err := json.Marshal(map[string]any{"type": "DockerRun", "host_config": tt.hc, "env": tt.rcEnv})
		if err != nil {
			t.Fatal(err)
		}
		spec, err := a.dockerSpec(t.Context(), specMeta(rc))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := lookup(spec.Env, runconfig.EnvAPI); got != tt.want {
			t.Errorf("%s: %s = %q, want %q", tt.name, runconfig.EnvAPI, got, tt.want)
		}
		if !slices.IsSorted(spec.Env) {
			t.Errorf("%s: the environment is not sorted: %q", tt.name, spec.Env)
		}
	}
}

// TestDockerSpec: the rest of a run's container: Prefect's image order with the
// agent's default, the command by core_version, the flow's labels, the run config's
// ports and host_config, and the API key among the values to redact.
func TestDockerSpec(t *testing.T) {
	a := specAgent(Config{APIURL: "http://127.0.0.1:4200", APIKey: secrets.NewValue("key-0123456789"), DefaultImage: "agent/default:1", CancelGrace: 10 * time.Second})
	rc := json.RawMessage(`{"type": "DockerRun", "ports": [8080], "host_config": {"mem_limit": "1g"}}`)
	spec, err := a.dockerSpec(t.Context(), specMeta(rc))
	if err != nil {
		t.Fatal(err)
	}
	// The flow-run process gets a cancel grace inside the agent's (10 s), so it has killed
	// the flow's command before the agent kills it.
	if spec.Image != "agent/default:1" || !slices.Equal(spec.Argv, []string{"outpost", "execute", "flow-run", "--cancel-grace", "8s"}) {
		t.Errorf("image %q, command %q", spec.Image, spec.Argv)
	}
	if spec.Labels[docker.LabelFlowName] != "etl" || spec.Labels[docker.LabelFlowID] != "flow-1" || spec.RunID != "run-1" || spec.RunName != "brave-run" {
		t.Errorf("labels %v, run %q %q", spec.Labels, spec.RunID, spec.RunName)
	}
	if !slices.Equal(spec.Ports, []int{8080}) || spec.HostConfig["mem_limit"] != "1g" || spec.Dir != "" {
		t.Errorf("ports %v, host_config %v, dir %q", spec.Ports, spec.HostConfig, spec.Dir)
	}
	if !slices.Contains(spec.Redact, "key-0123456789") || lookup(spec.Env, runconfig.EnvImage) != "agent/default:1" {
		t.Errorf("redact %d value(s), image variable %q", len(spec.Redact), lookup(spec.Env, runconfig.EnvImage))
	}

	rc = json.RawMessage(`{"type": "DockerRun", "image": "flow/own:2"}`)
	if spec, err = a.dockerSpec(t.Context(), specMeta(rc)); err != nil || spec.Image != "flow/own:2" {
		t.Errorf("the run config's image: %q, %v", spec.Image, err)
	}
	rc = json.RawMessage(`{"type": "LocalRun"}`)
	if _, err = a.dockerSpec(t.Context(), specMeta(rc)); err == nil || !strings.Contains(err.Error(), "only `DockerRun` is supported") {
		t.Errorf("a LocalRun on a Docker agent: %v, want Prefect's message", err)
	}
	a.cfg.DefaultImage = ""
	if _, err = a.dockerSpec(t.Context(), specMeta(nil)); err == nil || !strings.Contains(err.Error(), "no image") {
		t.Errorf("a native flow with no image: %v", err)
	}
}

// specAgent is an agent enough to build specs, with no secret source.
func specAgent(cfg Config) *Agent {
	cfg.Type, cfg.Backend, cfg.Name = TypeDocker, "server", "a"
	return &Agent{cfg: cfg, log: zap.NewNop(), deps: Deps{Secrets: secrets.Sources{}}, tenantID: "t"}
}

// specMeta is a native flow's run with this run config.
func specMeta(rc json.RawMessage) api.FlowRunMeta {
	return api.FlowRunMeta{ID: "run-1", Name: "brave-run", RunConfig: rc, Flow: api.FlowMeta{
		ID: "flow-1", Name: "etl", CoreVersion: "outpost-0.1.0", Storage: json.RawMessage(`{"type": "Script", "argv": ["true"]}`),
	}}
}

func lookup(environ []string, name string) string {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// TestOwnerID: the same name and backend give the same id, which no other name or
// backend shares; an empty name is the default one.
func TestOwnerID(t *testing.T) {
	id := OwnerID("etl", "http://127.0.0.1:4200")
	if again := OwnerID("etl", "http://127.0.0.1:4200"); again != id || !strings.HasPrefix(id, "etl-") {
		t.Errorf("OwnerID = %q then %q, want the same, starting etl-", id, again)
	}
	for _, other := range []string{OwnerID("etl2", "http://127.0.0.1:4200"), OwnerID("etl", "http://127.0.0.1:4201")} {
		if other == id {
			t.Errorf("OwnerID %q is shared by another agent", id)
		}
	}
	if OwnerID("", "u") != OwnerID(DefaultName, "u") {
		t.Errorf("an empty name is not the default name")
	}
}
