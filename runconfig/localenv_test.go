package runconfig

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// baseLocal is a local-agent input on a Server backend without an API key.
func baseLocal() LocalEnvInput {
	return LocalEnvInput{
		RunEnvInput: RunEnvInput{
			Backend:     "server",
			APIURL:      "http://localhost:4200",
			AgentLabels: []string{"dev", "my-host"},
			FlowRunID:   "run-1",
			FlowID:      "flow-1",
		},
		AgentEnv: []string{"PATH=/usr/bin", "HOME=/home/agent"},
		Cwd:      "/agent",
	}
}

func TestLocalEnvGolden(t *testing.T) {
	in := baseLocal()
	in.AgentEnvFlags = []EnvVar{{"FROM_FLAG", "f"}}
	in.RunConfigEnv = map[string]any{"FROM_RUN": json.Number("3")}
	env, err := LocalEnv(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"FROM_FLAG=f",
		"FROM_RUN=3",
		"HOME=/home/agent",
		"PATH=/usr/bin",
		"PREFECT__BACKEND=server",
		"PREFECT__CLOUD__AGENT__LABELS=['dev', 'my-host']",
		"PREFECT__CLOUD__API=http://localhost:4200",
		"PREFECT__CLOUD__SEND_FLOW_RUN_LOGS=true",
		"PREFECT__CLOUD__USE_LOCAL_SECRETS=false",
		"PREFECT__CONTEXT__FLOW_ID=flow-1",
		"PREFECT__CONTEXT__FLOW_RUN_ID=run-1",
		"PREFECT__ENGINE__FLOW_RUNNER__DEFAULT_CLASS=prefect.engine.cloud.CloudFlowRunner",
		"PREFECT__LOGGING__LEVEL=INFO",
		"PYTHONPATH=/agent",
	}
	if diff := cmp.Diff(want, env.Environ()); diff != "" {
		t.Errorf("LocalEnv mismatch (-want +got):\n%s", diff)
	}
	if env.Len() != len(want) {
		t.Errorf("Len = %d, want %d", env.Len(), len(want))
	}
}

// Each case sets KEY in some layers; the later layer must win.
func TestLocalEnvMergeOrder(t *testing.T) {
	tests := []struct {
		name      string
		key       string
		agentEnv  []string
		flags     []EnvVar
		runConfig map[string]any
		secrets   map[string]string
		logLevel  string
		want      string
	}{
		{"agent env passes through", "X", []string{"X=agent"}, nil, nil, nil, "", "agent"},
		{"first agent env entry counts", "X", []string{"X=first", "X=second"}, nil, nil, nil, "", "first"},
		{"--env over agent env", "X", []string{"X=agent"}, []EnvVar{{"X", "flag"}}, nil, nil, "", "flag"},
		{"later --env wins", "X", nil, []EnvVar{{"X", "one"}, {"X", "two"}}, nil, nil, "", "two"},
		{"run config over --env", "X", []string{"X=agent"}, []EnvVar{{"X", "flag"}}, map[string]any{"X": "run"}, nil, "", "run"},
		{"run config value str()ed", "X", nil, nil, map[string]any{"X": true}, nil, "", "True"},
		{"log level over agent env", EnvLoggingLevel, []string{EnvLoggingLevel + "=ERROR"}, nil, nil, nil, "DEBUG", "DEBUG"},
		{"--env over log level", EnvLoggingLevel, nil, []EnvVar{{EnvLoggingLevel, "WARNING"}}, nil, nil, "DEBUG", "WARNING"},
		{"built PYTHONPATH over agent env", EnvPythonPath, []string{"PYTHONPATH=/lib"}, nil, nil, nil, "", "/agent:/lib"},
		{"--env over built PYTHONPATH", EnvPythonPath, nil, []EnvVar{{EnvPythonPath, "/mine"}}, nil, nil, "", "/mine"},
		{"secret over run config", "PREFECT__CONTEXT__SECRETS__TOKEN", nil, []EnvVar{{"PREFECT__CONTEXT__SECRETS__TOKEN", "flag"}},
			map[string]any{"PREFECT__CONTEXT__SECRETS__TOKEN": "run"}, map[string]string{"TOKEN": "resolved"}, "", "resolved"},
		{"non-overridable API over run config", EnvAPI, []string{EnvAPI + "=http://agent-env"}, []EnvVar{{EnvAPI, "http://flag"}},
			map[string]any{EnvAPI: "http://run"}, nil, "", "http://localhost:4200"},
		{"non-overridable labels over run config", EnvAgentLabels, nil, nil, map[string]any{EnvAgentLabels: "['x']"}, nil, "", "['dev', 'my-host']"},
		{"non-overridable flow run id", EnvFlowRunID, nil, []EnvVar{{EnvFlowRunID, "other"}}, nil, nil, "", "run-1"},
		{"non-overridable backend", EnvBackend, []string{EnvBackend + "=cloud"}, nil, map[string]any{EnvBackend: "cloud"}, nil, "", "server"},
		{"non-overridable local secrets", EnvUseLocalSecrets, nil, nil, map[string]any{EnvUseLocalSecrets: "true"}, nil, "", "false"},
		{"non-overridable runner", EnvFlowRunnerClass, nil, []EnvVar{{EnvFlowRunnerClass, "x.Y"}}, nil, nil, "", CloudFlowRunner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseLocal()
			in.AgentEnv = tt.agentEnv
			in.AgentEnvFlags = tt.flags
			in.RunConfigEnv = tt.runConfig
			in.Secrets = tt.secrets
			in.LogLevel = tt.logLevel
			env, err := LocalEnv(in)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := env.Lookup(tt.key); !ok || got != tt.want {
				t.Errorf("%s = %q (present %v), want %q", tt.key, got, ok, tt.want)
			}
		})
	}
}

func TestLocalEnvSendFlowRunLogs(t *testing.T) {
	tests := []struct {
		name        string
		noCloudLogs bool
		agentEnv    []string
		flags       []EnvVar
		runConfig   map[string]any
		want        string // "" means absent
	}{
		{"on by default", false, nil, nil, nil, "true"},
		{"off with --no-cloud-logs", true, nil, nil, nil, "false"},
		{"run config turns off", false, nil, nil, map[string]any{EnvSendFlowRunLogs: "false"}, "false"},
		{"--env turns off", false, nil, []EnvVar{{EnvSendFlowRunLogs, "false"}}, nil, "false"},
		{"inherited value counts as set", false, []string{EnvSendFlowRunLogs + "=false"}, nil, nil, "false"},
		{"run config cannot turn on", true, nil, nil, map[string]any{EnvSendFlowRunLogs: "true"}, "false"},
		{"--env cannot turn on", true, []string{EnvSendFlowRunLogs + "=true"}, []EnvVar{{EnvSendFlowRunLogs, "true"}}, nil, "false"},
		{"run config null removes it", false, nil, nil, map[string]any{EnvSendFlowRunLogs: nil}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseLocal()
			in.NoCloudLogs = tt.noCloudLogs
			in.AgentEnv = tt.agentEnv
			in.AgentEnvFlags = tt.flags
			in.RunConfigEnv = tt.runConfig
			env, err := LocalEnv(in)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := env.Lookup(EnvSendFlowRunLogs)
			if tt.want == "" && ok {
				t.Errorf("%s = %q, want it absent", EnvSendFlowRunLogs, got)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("%s = %q, want %q", EnvSendFlowRunLogs, got, tt.want)
			}
		})
	}
}

func TestLocalEnvLabels(t *testing.T) {
	tests := []struct {
		labels []string
		want   string
	}{
		{[]string{"42", "marvin", "host"}, "['42', 'marvin', 'host']"},
		{nil, "[]"},
		{[]string{"it's"}, `["it's"]`},
	}
	for _, tt := range tests {
		in := baseLocal()
		in.AgentLabels = tt.labels
		env, err := LocalEnv(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := env.Get(EnvAgentLabels); got != tt.want {
			t.Errorf("labels %q: %s = %s, want %s", tt.labels, EnvAgentLabels, got, tt.want)
		}
	}
}

func TestLocalEnvDroppedWhenUnset(t *testing.T) {
	tests := []struct {
		name       string
		apiKey     string
		tenant     string
		agentEnv   []string
		runConfig  map[string]any
		wantKey    string // "" = absent
		wantTenant string // "" = absent
		absent     []string
		present    map[string]string
	}{
		{name: "no key drops inherited key and tenant", agentEnv: []string{EnvAPIKey + "=old", EnvTenantID + "=t-old"}, tenant: "t1"},
		{name: "key and tenant", apiKey: "k1", tenant: "t1", wantKey: "k1", wantTenant: "t1"},
		{name: "key without tenant", apiKey: "k1", wantKey: "k1"},
		{name: "run config null removes inherited", agentEnv: []string{"HTTP_PROXY=http://p"}, runConfig: map[string]any{"HTTP_PROXY": nil},
			absent: []string{"HTTP_PROXY"}},
		{name: "empty string is kept", runConfig: map[string]any{"EMPTY": ""}, present: map[string]string{"EMPTY": ""}},
		{name: "run config cannot null a non-overridable", runConfig: map[string]any{EnvFlowID: nil}, present: map[string]string{EnvFlowID: "flow-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseLocal()
			in.APIKey, in.TenantID = tt.apiKey, tt.tenant
			in.AgentEnv = append(in.AgentEnv, tt.agentEnv...)
			in.RunConfigEnv = tt.runConfig
			env, err := LocalEnv(in)
			if err != nil {
				t.Fatal(err)
			}
			check := func(name, want string) {
				got, ok := env.Lookup(name)
				if want == "" && ok {
					t.Errorf("%s = %q, want it absent", name, got)
				} else if want != "" && got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			check(EnvAPIKey, tt.wantKey)
			check(EnvTenantID, tt.wantTenant)
			for _, name := range tt.absent {
				check(name, "")
			}
			for name, want := range tt.present {
				if got, ok := env.Lookup(name); !ok || got != want {
					t.Errorf("%s = %q (present %v), want %q", name, got, ok, want)
				}
			}
			for _, kv := range env.Environ() {
				if !strings.Contains(kv, "=") {
					t.Errorf("local env holds a bare entry %q; nulls must be dropped", kv)
				}
			}
		})
	}
}

func TestLocalEnvPythonPath(t *testing.T) {
	tests := []struct {
		name        string
		workingDir  string
		agentEnv    []string
		importPaths []string
		want        string
	}{
		{"cwd alone", "", nil, nil, "/agent"},
		{"working dir first", "/srv/flows", nil, nil, "/srv/flows"},
		{"relative working dir against cwd", "flows/", nil, nil, "/agent/flows"},
		{"agent PYTHONPATH then import paths", "/w", []string{"PYTHONPATH=/a:/b"}, []string{"~/lib", "/opt/x"}, "/w:/a:/b:~/lib:/opt/x"},
		{"empty agent PYTHONPATH left out", "", []string{"PYTHONPATH="}, []string{"/i"}, "/agent:/i"},
	}
	for _, tt := range tests {
		in := baseLocal()
		in.WorkingDir = tt.workingDir
		in.AgentEnv = tt.agentEnv
		in.ImportPaths = tt.importPaths
		env, err := LocalEnv(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := env.Get(EnvPythonPath); got != tt.want {
			t.Errorf("%s: PYTHONPATH = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestLocalEnvRejects(t *testing.T) {
	tests := []struct {
		name       string
		flags      []EnvVar
		rc         map[string]any
		importPath string
		want       string
	}{
		{"flag name with =", []EnvVar{{"A=B", "x"}}, nil, "", `agent --env: environment variable name "A=B" is invalid`},
		{"flag empty name", []EnvVar{{"", "x"}}, nil, "", `agent --env: an environment variable has an empty name`},
		{"run config NUL", nil, map[string]any{"K": "a\x00b"}, "", `run config env: the value of environment variable K contains a NUL byte`},
		{"import path NUL", nil, nil, "/a\x00", `the value of environment variable PYTHONPATH contains a NUL byte`},
	}
	for _, tt := range tests {
		in := baseLocal()
		in.AgentEnvFlags, in.RunConfigEnv = tt.flags, tt.rc
		if tt.importPath != "" {
			in.ImportPaths = []string{tt.importPath}
		}
		_, err := LocalEnv(in)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want prefix %q", tt.name, err, tt.want)
		}
	}
}
