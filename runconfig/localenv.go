package runconfig

import (
	"os"
	"strings"
)

// LocalEnvInput is what the local launcher's env contract (spec §4.3) takes.
type LocalEnvInput struct {
	RunEnvInput
	// AgentEnv is the agent process's own environment in os.Environ form. When a name
	// repeats, the first entry counts, as in Python's os.environ.
	AgentEnv []string
	// Cwd is the agent's working directory (the flow run's too, unless WorkingDir is set).
	Cwd string
	// WorkingDir is LocalRun.WorkingDir as decoded; it is made absolute against Cwd.
	WorkingDir  string
	ImportPaths []string // the agent's --import-path entries, in order, unexpanded
}

// LocalEnv builds the environment of a flow run the local launcher starts, following
// Prefect's LocalAgent.populate_env_vars; each step overrides the ones before it:
//
//  1. the agent's own environment;
//  2. PREFECT__LOGGING__LEVEL;
//  3. PYTHONPATH: the working dir (or cwd), the agent's PYTHONPATH if set, the import paths;
//  4. the agent's --env;
//  5. the run config's env (values rendered with Python's str());
//  6. the agent-resolved secrets as PREFECT__CONTEXT__SECRETS__<NAME>;
//  7. PREFECT__CLOUD__SEND_FLOW_RUN_LOGS, which a run can turn off but not on;
//  8. the values no one can override (backend, API, key, labels, run and flow ids, ...);
//  9. every variable whose value is None is dropped: a run config's JSON null removes
//     the variable, and no API key means no PREFECT__CLOUD__API_KEY or TENANT_ID even
//     when the agent's own environment has them.
//
// Deviation: Prefect's local agent fails the deployment when a run-config env value is
// not a string (Popen rejects it); Outpost passes str() of it, as the Docker agent does.
func LocalEnv(in LocalEnvInput) (Env, error) {
	b := newEnvBuilder()
	agentPythonPath := ""
	for _, kv := range in.AgentEnv {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" || b.has(name) {
			continue
		}
		b.set(name, value)
		if name == EnvPythonPath {
			agentPythonPath = value
		}
	}
	b.set(EnvLoggingLevel, in.logLevel())

	first := in.Cwd
	if in.WorkingDir != "" {
		first = absPath(in.Cwd, in.WorkingDir)
	}
	parts := []string{first}
	if agentPythonPath != "" {
		parts = append(parts, agentPythonPath)
	}
	parts = append(parts, in.ImportPaths...)
	b.set(EnvPythonPath, strings.Join(parts, string(os.PathListSeparator)))

	if err := in.applyUserLayers(b); err != nil {
		return Env{}, err
	}

	b.set(EnvBackend, in.Backend)
	b.set(EnvAPI, in.APIURL)
	b.vars[EnvAPIKey] = envValue{text: in.APIKey, null: in.APIKey == ""}
	b.vars[EnvTenantID] = envValue{text: in.TenantID, null: in.APIKey == "" || in.TenantID == ""}
	b.set(EnvAgentLabels, PyRepr(labelsOrEmpty(in.AgentLabels)))
	b.set(EnvFlowRunID, in.FlowRunID)
	b.set(EnvFlowID, in.FlowID)
	b.set(EnvUseLocalSecrets, "false")
	b.set(EnvFlowRunnerClass, CloudFlowRunner)

	b.dropNulls()
	return b.build()
}

// labelsOrEmpty keeps a nil label list rendering as [] rather than None.
func labelsOrEmpty(labels []string) []string {
	if labels == nil {
		return []string{}
	}
	return labels
}

// absPath is Python's os.path.abspath(p) with cwd as the current directory: LocalRun
// applies it to working_dir when the run config is loaded, on the agent's host.
func absPath(cwd, p string) string {
	if !strings.HasPrefix(p, "/") {
		p = cwd + "/" + p
	}
	return posixNormpath(p)
}
