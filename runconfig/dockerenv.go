package runconfig

import (
	"slices"
	"strconv"
	"strings"
)

const (
	defaultServerPort = 4200
	// prefectServerNetwork is the Docker network `prefect server start` creates; on it
	// the API is reachable as host "apollo".
	prefectServerNetwork = "prefect-server"
)

// DockerEnvInput is what the Docker launcher's env contract (spec §5.5) takes.
type DockerEnvInput struct {
	RunEnvInput
	ServerPort int      // config.server.port; 0 means 4200
	Networks   []string // the agent's --network names
	Image      string   // the image the run's container is created from
}

// DockerEnv builds the environment of a flow-run container, following Prefect's
// DockerAgent.populate_env_vars. Unlike the local contract it does not start from the
// agent's environment, and it keeps empty values:
//
//  0. PREFECT__CLOUD__API as the container reaches it (ContainerAPIURL); later steps
//     may override it, since that guess can be wrong;
//  1. PREFECT__LOGGING__LEVEL;
//  2. the agent's --env;
//  3. the run config's env (str() of each value; JSON null becomes a bare NAME, which
//     the engine reads as "unset");
//  4. the agent-resolved secrets as PREFECT__CONTEXT__SECRETS__<NAME>;
//  5. PREFECT__CLOUD__SEND_FLOW_RUN_LOGS, which a run can turn off but not on;
//  6. the values no one can override: the local set without the API URL, plus
//     PREFECT__CONTEXT__IMAGE, and PREFECT__LOGGING__LOG_TO_CLOUD and
//     PREFECT__CLOUD__AUTH_TOKEN for images of older Prefect versions; a missing API
//     key or tenant becomes "" instead of being dropped.
func DockerEnv(in DockerEnvInput) (Env, error) {
	b := newEnvBuilder()
	b.set(EnvAPI, ContainerAPIURL(in.APIURL, in.ServerPort, in.Networks))
	b.set(EnvLoggingLevel, in.logLevel())
	if err := in.applyUserLayers(b); err != nil {
		return Env{}, err
	}
	tenant := ""
	if in.APIKey != "" {
		tenant = in.TenantID
	}
	b.set(EnvBackend, in.Backend)
	b.set(EnvAPIKey, in.APIKey)
	b.set(EnvTenantID, tenant)
	b.set(EnvAgentLabels, PyRepr(labelsOrEmpty(in.AgentLabels)))
	b.set(EnvFlowRunID, in.FlowRunID)
	b.set(EnvFlowID, in.FlowID)
	b.set(EnvImage, in.Image)
	b.set(EnvUseLocalSecrets, "false")
	b.set(EnvFlowRunnerClass, CloudFlowRunner)
	b.set(EnvLogToCloud, pyBoolLower(!in.NoCloudLogs))
	b.set(EnvAuthToken, in.APIKey)
	return b.build()
}

// ContainerAPIURL is the API URL a flow-run container is given. When the agent's URL
// contains "localhost" anywhere, the container could not reach it as is, so it becomes
// http://apollo:<port> on the prefect-server network and http://host.docker.internal:<port>
// otherwise. The port is config.server.port, not the URL's, and other loopback forms
// (127.0.0.1, [::1]) are left alone: that is Prefect's rule, kept so that runs see the
// same URL under either agent.
func ContainerAPIURL(apiURL string, serverPort int, networks []string) string {
	if !strings.Contains(apiURL, "localhost") {
		return apiURL
	}
	if serverPort == 0 {
		serverPort = defaultServerPort
	}
	host := "host.docker.internal"
	if slices.Contains(networks, prefectServerNetwork) {
		host = "apollo"
	}
	return "http://" + host + ":" + strconv.Itoa(serverPort)
}
