package agent

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/runconfig"
)

// dockerSpec builds a run's container as Prefect's Docker agent does (spec §5.4-5.5):
// the run config resolved as a DockerRun, the image from Docker storage, the run
// config, the agent's default image or prefecthq/prefect:<core_version>, and an
// environment that does not start from the agent's own: the Docker contract, with the
// secrets the run needs. Secrets travel in the environment only; the launcher refuses
// a command, name or label that holds one.
func (a *Agent) dockerSpec(ctx context.Context, meta api.FlowRunMeta) (launcher.Spec, error) {
	storage, err := runconfig.DecodeStorage(meta.Flow.Storage)
	if err != nil {
		return launcher.Spec{}, err
	}
	decoded, err := runconfig.Decode(meta.RunConfig)
	if err != nil {
		return launcher.Spec{}, err
	}
	rc, err := runconfig.ForDocker(meta.ID, decoded)
	if err != nil {
		a.log.Error(err.Error())
		return launcher.Spec{}, err
	}
	image, err := runconfig.FlowImage(storage, rc, a.cfg.DefaultImage, meta.Flow.CoreVersion)
	if err != nil {
		return launcher.Spec{}, fmt.Errorf("flow run %s: %w", meta.ID, err)
	}

	injected, redact, err := a.runSecrets(ctx, meta.ID, storage)
	if err != nil {
		return launcher.Spec{}, err
	}
	env, err := runconfig.DockerEnv(runconfig.DockerEnvInput{
		RunEnvInput: a.runEnvInput(meta, rc.Env, injected),
		ServerPort:  a.cfg.ServerPort,
		Networks:    a.cfg.Networks,
		Image:       image,
	})
	if err != nil {
		return launcher.Spec{}, fmt.Errorf("build the environment of flow run %s: %w", meta.ID, err)
	}
	environ := env.Environ()
	if hostNetwork(rc, a.cfg.Networks) && !setsAPI(a.cfg.EnvFlags, rc.Env) {
		environ = withVar(environ, runconfig.EnvAPI, a.cfg.APIURL)
	}
	labels := map[string]string{launcher.LabelFlowName: meta.Flow.Name, launcher.LabelFlowID: meta.Flow.ID}
	return launcher.Spec{
		RunID:      meta.ID,
		RunName:    meta.Name,
		Argv:       a.containerCommand(meta.Flow.CoreVersion),
		Env:        environ,
		Redact:     a.redactions(environ, redact),
		Image:      image,
		Labels:     labels,
		Ports:      rc.Ports,
		HostConfig: rc.HostConfig,
	}, nil
}

// hostNetwork reports whether the run's container shares the host's network: its run
// config's host_config network_mode says so, else the agent's first network is "host"
// (a run config's network_mode wins over the agent's, as in Prefect).
//
// There the container reaches the backend at the very address the agent does, so the
// API URL is given as is: rewriting "localhost" to host.docker.internal, which is meant
// for containers with a network of their own, would only break it.
func hostNetwork(rc runconfig.DockerRun, networks []string) bool {
	if mode, ok := rc.HostConfig["network_mode"]; ok {
		return mode == "host"
	}
	return len(networks) > 0 && networks[0] == "host"
}

// setsAPI reports whether the agent's --env or the run config's env set the API URL,
// which then stays as they set it.
func setsAPI(flags []runconfig.EnvVar, rcEnv map[string]any) bool {
	if _, ok := rcEnv[runconfig.EnvAPI]; ok {
		return true
	}
	return slices.ContainsFunc(flags, func(kv runconfig.EnvVar) bool { return kv.Name == runconfig.EnvAPI })
}

// withVar returns environ with name set to value, replacing its entry.
func withVar(environ []string, name, value string) []string {
	out := slices.Clone(environ)
	for i, kv := range out {
		if k, _, _ := strings.Cut(kv, "="); k == name {
			out[i] = name + "=" + value
			return out
		}
	}
	return append(out, name+"="+value)
}

// containerCommand is the run's command inside its image: `outpost execute flow-run`
// (found on the image's PATH) for native flows, Prefect's command for the others.
func (a *Agent) containerCommand(coreVersion string) []string {
	if runconfig.IsNative(coreVersion) {
		return a.nativeArgs("outpost")
	}
	return runconfig.Command(coreVersion)
}
