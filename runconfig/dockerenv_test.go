package runconfig

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func baseDocker() DockerEnvInput {
	return DockerEnvInput{
		RunEnvInput: RunEnvInput{
			Backend:     "server",
			APIURL:      "http://localhost:4200",
			AgentLabels: []string{"docker"},
			FlowRunID:   "run-1",
			FlowID:      "flow-1",
		},
		Image: "prefecthq/prefect:1.4.1",
	}
}

func TestContainerAPIURL(t *testing.T) {
	tests := []struct {
		name     string
		api      string
		port     int
		networks []string
		want     string
	}{
		{"localhost", "http://localhost:4200", 4200, nil, "http://host.docker.internal:4200"},
		{"localhost graphql path", "http://localhost:4200/graphql", 4200, nil, "http://host.docker.internal:4200"},
		{"port from config, not URL", "http://localhost:8080", 4300, nil, "http://host.docker.internal:4300"},
		{"unset port is 4200", "http://localhost", 0, nil, "http://host.docker.internal:4200"},
		{"prefect-server network", "http://localhost:4200", 4200, []string{"bridge2", "prefect-server"}, "http://apollo:4200"},
		{"other networks", "http://localhost:4200", 4200, []string{"mynet"}, "http://host.docker.internal:4200"},
		{"substring match", "https://localhost.example.com/api", 4200, nil, "http://host.docker.internal:4200"},
		{"127.0.0.1 is not rewritten", "http://127.0.0.1:4200/graphql", 4200, nil, "http://127.0.0.1:4200/graphql"},
		{"127.0.0.1 on prefect-server not rewritten", "http://127.0.0.1:4200", 4200, []string{"prefect-server"}, "http://127.0.0.1:4200"},
		{"remote host untouched", "https://api.prefect.io", 4200, nil, "https://api.prefect.io"},
		{"server host untouched", "http://prefect.internal:4200/graphql", 4200, []string{"prefect-server"}, "http://prefect.internal:4200/graphql"},
	}
	for _, tt := range tests {
		if got := ContainerAPIURL(tt.api, tt.port, tt.networks); got != tt.want {
			t.Errorf("%s: ContainerAPIURL(%q, %d, %q) = %q, want %q", tt.name, tt.api, tt.port, tt.networks, got, tt.want)
		}
	}
}

func TestDockerEnvGolden(t *testing.T) {
	in := baseDocker()
	in.ServerPort = 4200
	in.AgentEnvFlags = []EnvVar{{"FROM_FLAG", "f"}}
	in.RunConfigEnv = map[string]any{"FROM_RUN": json.Number("1.0"), "UNSET_ME": nil}
	env, err := DockerEnv(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"FROM_FLAG=f",
		"FROM_RUN=1.0",
		"PREFECT__BACKEND=server",
		"PREFECT__CLOUD__AGENT__LABELS=['docker']",
		"PREFECT__CLOUD__API=http://host.docker.internal:4200",
		"PREFECT__CLOUD__API_KEY=",
		"PREFECT__CLOUD__AUTH_TOKEN=",
		"PREFECT__CLOUD__SEND_FLOW_RUN_LOGS=true",
		"PREFECT__CLOUD__TENANT_ID=",
		"PREFECT__CLOUD__USE_LOCAL_SECRETS=false",
		"PREFECT__CONTEXT__FLOW_ID=flow-1",
		"PREFECT__CONTEXT__FLOW_RUN_ID=run-1",
		"PREFECT__CONTEXT__IMAGE=prefecthq/prefect:1.4.1",
		"PREFECT__ENGINE__FLOW_RUNNER__DEFAULT_CLASS=prefect.engine.cloud.CloudFlowRunner",
		"PREFECT__LOGGING__LEVEL=INFO",
		"PREFECT__LOGGING__LOG_TO_CLOUD=true",
		"UNSET_ME",
	}
	if diff := cmp.Diff(want, env.Environ()); diff != "" {
		t.Errorf("DockerEnv mismatch (-want +got):\n%s", diff)
	}
	if _, ok := env.Lookup("UNSET_ME"); ok {
		t.Error("a null run-config value must not look up as set")
	}
}

func TestDockerEnvRules(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*DockerEnvInput)
		key    string
		want   string
	}{
		{"API overridable by --env", func(in *DockerEnvInput) { in.AgentEnvFlags = []EnvVar{{EnvAPI, "http://10.0.0.5:4200"}} }, EnvAPI, "http://10.0.0.5:4200"},
		{"API overridable by run config", func(in *DockerEnvInput) { in.RunConfigEnv = map[string]any{EnvAPI: "http://api:4200"} }, EnvAPI, "http://api:4200"},
		{"API on prefect-server", func(in *DockerEnvInput) { in.Networks = []string{"prefect-server"} }, EnvAPI, "http://apollo:4200"},
		{"log level overridable", func(in *DockerEnvInput) {
			in.LogLevel = "DEBUG"
			in.RunConfigEnv = map[string]any{EnvLoggingLevel: "ERROR"}
		}, EnvLoggingLevel, "ERROR"},
		{"run config over --env", func(in *DockerEnvInput) {
			in.AgentEnvFlags = []EnvVar{{"X", "flag"}}
			in.RunConfigEnv = map[string]any{"X": []any{"a"}}
		}, "X", "['a']"},
		{"image not overridable", func(in *DockerEnvInput) { in.RunConfigEnv = map[string]any{EnvImage: "other"} }, EnvImage, "prefecthq/prefect:1.4.1"},
		{"labels not overridable", func(in *DockerEnvInput) { in.AgentEnvFlags = []EnvVar{{EnvAgentLabels, "[]"}} }, EnvAgentLabels, "['docker']"},
		{"key passed on", func(in *DockerEnvInput) { in.APIKey, in.TenantID = "k1", "t1" }, EnvAPIKey, "k1"},
		{"tenant with key", func(in *DockerEnvInput) { in.APIKey, in.TenantID = "k1", "t1" }, EnvTenantID, "t1"},
		{"auth token is the key", func(in *DockerEnvInput) { in.APIKey = "k1" }, EnvAuthToken, "k1"},
		{"no tenant without key", func(in *DockerEnvInput) { in.TenantID = "t1"; in.RunConfigEnv = map[string]any{EnvTenantID: "x"} }, EnvTenantID, ""},
		{"key not overridable", func(in *DockerEnvInput) { in.RunConfigEnv = map[string]any{EnvAPIKey: "stolen"} }, EnvAPIKey, ""},
		{"send logs off by run config", func(in *DockerEnvInput) { in.RunConfigEnv = map[string]any{EnvSendFlowRunLogs: "false"} }, EnvSendFlowRunLogs, "false"},
		{"send logs cannot be turned on", func(in *DockerEnvInput) {
			in.NoCloudLogs = true
			in.RunConfigEnv = map[string]any{EnvSendFlowRunLogs: "true"}
		}, EnvSendFlowRunLogs, "false"},
		{"log to cloud follows the agent", func(in *DockerEnvInput) {
			in.NoCloudLogs = true
			in.RunConfigEnv = map[string]any{EnvLogToCloud: "true"}
		}, EnvLogToCloud, "false"},
		{"log to cloud ignores run config off", func(in *DockerEnvInput) { in.RunConfigEnv = map[string]any{EnvLogToCloud: "false"} }, EnvLogToCloud, "true"},
		{"secret over run config", func(in *DockerEnvInput) {
			in.RunConfigEnv = map[string]any{"PREFECT__CONTEXT__SECRETS__GITHUB_ACCESS_TOKEN": "old"}
			in.Secrets = map[string]string{"GITHUB_ACCESS_TOKEN": "resolved"}
		}, "PREFECT__CONTEXT__SECRETS__GITHUB_ACCESS_TOKEN", "resolved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseDocker()
			tt.modify(&in)
			env, err := DockerEnv(in)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := env.Lookup(tt.key)
			if !ok || got != tt.want {
				t.Errorf("%s = %q (present %v), want %q", tt.key, got, ok, tt.want)
			}
		})
	}
}

func TestDockerEnvDoesNotInheritAndRejects(t *testing.T) {
	in := baseDocker()
	env, err := DockerEnv(in)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := env.Lookup("PYTHONPATH"); ok {
		t.Error("docker env has PYTHONPATH; it must not be built from the agent's environment")
	}
	in.Secrets = map[string]string{"BAD__NAME": "v"}
	if _, err := DockerEnv(in); err == nil {
		t.Error("DockerEnv accepted a secret name with \"__\"")
	}
}
