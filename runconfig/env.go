package runconfig

import (
	"fmt"
	"sort"
	"strings"
)

// Names of the variables the env contracts set.
const (
	EnvLoggingLevel    = "PREFECT__LOGGING__LEVEL"
	EnvSendFlowRunLogs = "PREFECT__CLOUD__SEND_FLOW_RUN_LOGS"
	EnvBackend         = "PREFECT__BACKEND"
	EnvAPI             = "PREFECT__CLOUD__API"
	EnvAPIKey          = "PREFECT__CLOUD__API_KEY"
	EnvTenantID        = "PREFECT__CLOUD__TENANT_ID"
	EnvAgentLabels     = "PREFECT__CLOUD__AGENT__LABELS"
	EnvFlowRunID       = "PREFECT__CONTEXT__FLOW_RUN_ID"
	EnvFlowID          = "PREFECT__CONTEXT__FLOW_ID"
	EnvUseLocalSecrets = "PREFECT__CLOUD__USE_LOCAL_SECRETS"
	EnvFlowRunnerClass = "PREFECT__ENGINE__FLOW_RUNNER__DEFAULT_CLASS"
	EnvImage           = "PREFECT__CONTEXT__IMAGE"
	EnvLogToCloud      = "PREFECT__LOGGING__LOG_TO_CLOUD"
	EnvAuthToken       = "PREFECT__CLOUD__AUTH_TOKEN"
	EnvPythonPath      = "PYTHONPATH"

	// SecretEnvPrefix precedes a secret's name (case kept) in the variable that puts
	// it into the flow run's prefect.context.secrets.
	SecretEnvPrefix = "PREFECT__CONTEXT__SECRETS__"

	// CloudFlowRunner is the flow-runner class every agent-launched run uses.
	CloudFlowRunner = "prefect.engine.cloud.CloudFlowRunner"

	defaultLogLevel = "INFO"
)

// EnvVar is one NAME=VALUE pair, as given with the agent's --env.
type EnvVar struct {
	Name  string
	Value string
}

// Env is a built child environment. A variable can be present with a value, or present
// as null: the Docker contract passes a run config's JSON null on as a bare NAME, which
// the engine treats as "unset this variable" (the local contract drops nulls instead).
type Env struct {
	vars map[string]envValue
}

type envValue struct {
	text string
	null bool
}

// Lookup returns the value of name; ok is false when it is absent or null.
func (e Env) Lookup(name string) (value string, ok bool) {
	v, found := e.vars[name]
	if !found || v.null {
		return "", false
	}
	return v.text, true
}

// Get returns the value of name, or "" when it is absent or null.
func (e Env) Get(name string) string {
	v, _ := e.Lookup(name)
	return v
}

// Len is the number of variables, nulls included.
func (e Env) Len() int { return len(e.vars) }

// Environ returns the environment as NAME=VALUE entries sorted by name (a null renders
// as a bare NAME), ready for exec.Cmd.Env or a container's Env.
func (e Env) Environ() []string {
	names := sortedKeys(e.vars)
	out := make([]string, len(names))
	for i, name := range names {
		if v := e.vars[name]; v.null {
			out[i] = name
		} else {
			out[i] = name + "=" + v.text
		}
	}
	return out
}

// envBuilder applies the merge steps of a contract; a later set wins.
type envBuilder struct {
	vars map[string]envValue
}

func newEnvBuilder() *envBuilder { return &envBuilder{vars: map[string]envValue{}} }

func (b *envBuilder) set(name, value string) { b.vars[name] = envValue{text: value} }

// setPy sets a run-config value: JSON null stays null, anything else is str()-ed.
func (b *envBuilder) setPy(name string, value any) {
	if value == nil {
		b.vars[name] = envValue{null: true}
		return
	}
	b.set(name, pyStr(value))
}

func (b *envBuilder) has(name string) bool {
	_, ok := b.vars[name]
	return ok
}

// dropNulls is Prefect's local step 8: keys whose value is None are removed.
func (b *envBuilder) dropNulls() {
	for name, v := range b.vars {
		if v.null {
			delete(b.vars, name)
		}
	}
}

// build checks every variable (values from the agent's own settings included) and
// returns the environment.
func (b *envBuilder) build() (Env, error) {
	for _, name := range sortedKeys(b.vars) {
		if err := checkEnvVar(name, b.vars[name].text); err != nil {
			return Env{}, err
		}
	}
	return Env{vars: b.vars}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkEnvVar reports a variable that no process can be given. The error names the
// variable and never repeats its value.
func checkEnvVar(name, value string) error {
	switch {
	case name == "":
		return fmt.Errorf("an environment variable has an empty name")
	case strings.ContainsAny(name, "=\x00"):
		return fmt.Errorf("environment variable name %q is invalid: it contains '=' or a NUL byte", name)
	case strings.ContainsRune(value, 0):
		return fmt.Errorf("the value of environment variable %s contains a NUL byte, which no process environment can hold", name)
	}
	return nil
}

// RunEnvInput is what both launchers' env contracts take from the agent, its
// configuration and the flow run.
type RunEnvInput struct {
	Backend     string   // config.backend ("server" or "cloud")
	APIURL      string   // config.cloud.api, the URL the agent talks to
	APIKey      string   // the agent's API key; "" when it has none
	TenantID    string   // the client's tenant id; only passed on with an API key
	AgentLabels []string // the agent's labels in its own order (hostname label included)
	LogLevel    string   // config.logging.level; "" means INFO
	// NoCloudLogs turns flow-run logs to the backend off: set it from --no-cloud-logs,
	// or from config cloud.send_flow_run_logs = false when the flag is not given.
	NoCloudLogs   bool
	AgentEnvFlags []EnvVar       // the agent's --env pairs in order; a later name wins
	RunConfigEnv  map[string]any // the run config's env, nil when it has none
	// Secrets maps secret names to the text the flow run gets for them (prepared by the
	// caller); see InjectSecrets for where they sit in the merge order.
	Secrets   map[string]string
	FlowRunID string
	FlowID    string
}

// applyUserLayers runs the steps both contracts share, in order: the agent's --env, the
// run config's env, the agent-resolved secrets, and the SEND_FLOW_RUN_LOGS rule.
func (in RunEnvInput) applyUserLayers(b *envBuilder) error {
	for _, kv := range in.AgentEnvFlags {
		if err := checkEnvVar(kv.Name, kv.Value); err != nil {
			return fmt.Errorf("agent --env: %w", err)
		}
		b.set(kv.Name, kv.Value)
	}
	for _, name := range sortedKeys(in.RunConfigEnv) { // sorted: the same error every time
		value := in.RunConfigEnv[name]
		if err := checkEnvVar(name, pyStr(value)); err != nil {
			return fmt.Errorf("run config env: %w", err)
		}
		b.setPy(name, value)
	}
	if err := injectSecrets(b, in.Secrets); err != nil {
		return err
	}
	// A run or --env may switch flow-run logs off, never on when the agent has them off;
	// the presence check also sees variables inherited from the agent's environment.
	if in.NoCloudLogs || !b.has(EnvSendFlowRunLogs) {
		b.set(EnvSendFlowRunLogs, pyBoolLower(!in.NoCloudLogs))
	}
	return nil
}

func (in RunEnvInput) logLevel() string {
	if in.LogLevel == "" {
		return defaultLogLevel
	}
	return in.LogLevel
}

func pyBoolLower(v bool) string {
	if v {
		return "true"
	}
	return "false"
}
