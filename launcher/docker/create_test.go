package docker

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/moby/moby/api/types/network"

	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/runconfig"
)

// TestPlan: what the create call gets, before any engine is involved.
func TestPlan(t *testing.T) {
	vols, err := runconfig.ParseVolumes([]string{"/srv/data:/data:ro", "cache:/cache"})
	if err != nil {
		t.Fatal(err)
	}
	l := &Launcher{opts: Options{AgentID: "agent-1", Networks: []string{"front", "back", "db"}}, volumes: vols, hostGateway: true}
	s := launcher.Spec{
		RunID: "run-1", RunName: "Run One", Argv: []string{"prefect", "execute", "flow-run"}, Image: "img:1", Dir: "/app",
		Labels: map[string]string{LabelFlowName: "etl", LabelFlowRunID: "forged", LabelManaged: "false"},
		Ports:  []int{8080},
	}
	p, err := l.plan(s)
	if err != nil {
		t.Fatal(err)
	}
	wantLabels := map[string]string{LabelFlowName: "etl", LabelFlowRunID: "run-1", LabelAgentID: "agent-1", LabelManaged: "true"}
	if !maps.Equal(p.config.Labels, wantLabels) {
		t.Errorf("labels = %v, want %v: the launcher's own win", p.config.Labels, wantLabels)
	}
	if p.name != "Run-One" || p.config.WorkingDir != "/app" || !slices.Equal(p.config.Cmd, s.Argv) || p.config.Env == nil {
		t.Errorf("name %q, dir %q, cmd %q, env %v", p.name, p.config.WorkingDir, p.config.Cmd, p.config.Env)
	}
	if !reflect.DeepEqual(p.config.Volumes, map[string]struct{}{"/data": {}, "/cache": {}}) ||
		!slices.Equal(p.host.hc.Binds, []string{"/srv/data:/data:ro", "cache:/cache:rw"}) {
		t.Errorf("volumes %v, binds %q", p.config.Volumes, p.host.hc.Binds)
	}
	if string(p.host.hc.NetworkMode) != "front" || len(p.networks.EndpointsConfig) != 1 || p.networks.EndpointsConfig["front"] == nil ||
		!slices.Equal(p.connect, []string{"back", "db"}) {
		t.Errorf("network mode %q, endpoints %v, connected later %q", p.host.hc.NetworkMode, p.networks.EndpointsConfig, p.connect)
	}
	port := network.MustParsePort("8080/tcp")
	if _, ok := p.config.ExposedPorts[port]; !ok || len(p.host.hc.PortBindings[port]) != 1 || p.host.hc.PortBindings[port][0].HostPort != "" {
		t.Errorf("ports: exposed %v, bindings %v; want 8080 on a random host port", p.config.ExposedPorts, p.host.hc.PortBindings)
	}
	if !slices.Equal(p.host.hc.ExtraHosts, []string{"host.docker.internal:host-gateway"}) {
		t.Errorf("extra hosts = %q", p.host.hc.ExtraHosts)
	}

	for _, bad := range []int{0, -1, 70000} {
		s.Ports = []int{bad}
		_, err := l.plan(s)
		errorMentions(t, err, "port", "1 to 65535")
	}
}

func TestSetInit(t *testing.T) {
	no, yes := false, true
	tests := []struct {
		name       string
		entrypoint []string
		set        *bool // by host_config
		want       bool
	}{
		{"no entrypoint", nil, nil, true},
		{"a program", []string{"/docker-entrypoint.sh"}, nil, true},
		{"tini", []string{"tini", "-g", "--", "entrypoint.sh"}, nil, false}, // prefecthq/prefect
		{"dumb-init by path", []string{"/usr/bin/dumb-init", "--"}, nil, false},
		{"host_config says no", nil, &no, false},
		{"host_config says yes", []string{"tini"}, &yes, true},
	}
	for _, tt := range tests {
		p := plan{host: agentHost()}
		p.host.hc.Init = tt.set
		p.setInit(imageInfo{entrypoint: tt.entrypoint})
		if got := *p.host.hc.Init; got != tt.want {
			t.Errorf("%s: init = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestPlanHostNetwork: on the host's network there is no host.docker.internal mapping,
// whether the agent's first network or the run config chose it, unless the run config
// asks for extra hosts itself.
func TestPlanHostNetwork(t *testing.T) {
	gateway := []string{"host.docker.internal:host-gateway"}
	tests := []struct {
		name     string
		networks []string
		hc       map[string]any
		want     []string
	}{
		{"default bridge", nil, nil, gateway},
		{"a network of the agent", []string{"front"}, nil, gateway},
		{"the agent on host", []string{"host"}, nil, nil},
		{"the run config on host", nil, map[string]any{"network_mode": "host"}, nil},
		{"the run config back on bridge", []string{"host"}, map[string]any{"network_mode": "bridge"}, gateway},
		{"the run config's own extra hosts", []string{"host"}, map[string]any{"extra_hosts": map[string]any{"db": "10.0.0.5"}}, []string{"db:10.0.0.5"}},
	}
	for _, tt := range tests {
		l := &Launcher{opts: Options{AgentID: "agent-1", Networks: tt.networks}, hostGateway: true}
		p, err := l.plan(launcher.Spec{RunID: "run-1", Argv: []string{"true"}, Image: "img:1", HostConfig: tt.hc})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !slices.Equal(p.host.hc.ExtraHosts, tt.want) {
			t.Errorf("%s: extra hosts %q, want %q (network mode %q)", tt.name, p.host.hc.ExtraHosts, tt.want, p.host.hc.NetworkMode)
		}
	}
}
