package agent

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/runconfig"
	"github.com/outposthq/outpost/secrets"
)

// launchSpec builds what the launcher needs to start a claimed run, by the contract of
// the agent's type. An error is the run's Failed message, so it names what is wrong
// and never a secret's value.
func (a *Agent) launchSpec(ctx context.Context, r *run) (launcher.Spec, error) {
	if a.cfg.Type == TypeDocker {
		return a.dockerSpec(ctx, r.meta)
	}
	return a.localSpec(ctx, r.meta)
}

// localSpec builds a local process: its command, its environment (the local contract,
// spec §4.3, with the secrets it needs), its working directory, and every value the
// output must never show.
func (a *Agent) localSpec(ctx context.Context, meta api.FlowRunMeta) (launcher.Spec, error) {
	storage, err := runconfig.DecodeStorage(meta.Flow.Storage)
	if err != nil {
		return launcher.Spec{}, err
	}
	if storage.Type == runconfig.StorageDocker {
		a.log.Error(fmt.Sprintf("Flow run %s has an unsupported storage type: `%s`", meta.ID, storage.Type))
		return launcher.Spec{}, fmt.Errorf("Unsupported Storage type: %s", storage.Type)
	}
	decoded, err := runconfig.Decode(meta.RunConfig)
	if err != nil {
		return launcher.Spec{}, err
	}
	rc, err := runconfig.ForLocal(meta.ID, decoded)
	if err != nil {
		a.log.Error(err.Error())
		return launcher.Spec{}, err
	}
	dir := rc.Dir(a.deps.Cwd)
	if dir != "" {
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			a.log.Error(fmt.Sprintf("Flow run %s has a nonexistent `working_dir` configured: %s", meta.ID, dir))
			return launcher.Spec{}, fmt.Errorf("Flow run %s has a nonexistent `working_dir` configured: %s", meta.ID, dir)
		}
	}

	injected, redact, err := a.runSecrets(ctx, meta.ID, storage)
	if err != nil {
		return launcher.Spec{}, err
	}
	env, err := runconfig.LocalEnv(runconfig.LocalEnvInput{
		RunEnvInput: a.runEnvInput(meta, rc.Env, injected),
		AgentEnv:    a.deps.Env,
		Cwd:         a.deps.Cwd,
		WorkingDir:  rc.WorkingDir,
		ImportPaths: a.cfg.ImportPaths,
	})
	if err != nil {
		return launcher.Spec{}, fmt.Errorf("build the environment of flow run %s: %w", meta.ID, err)
	}
	environ := env.Environ()
	return launcher.Spec{
		RunID:   meta.ID,
		RunName: meta.Name,
		Argv:    a.command(meta.Flow.CoreVersion),
		Env:     environ,
		Dir:     cmp.Or(dir, a.deps.Cwd),
		Redact:  a.redactions(environ, redact),
	}, nil
}

// redactions is every value a run's output must never show: its secrets' values (and
// their injected forms), the values of its secret-looking variables, and the API key.
func (a *Agent) redactions(environ, secretValues []string) []string {
	redact := slices.Clone(secretValues)
	for _, kv := range environ {
		if name, value, ok := strings.Cut(kv, "="); ok && secrets.SecretLooking(name) {
			redact = append(redact, value)
		}
	}
	if key := a.apiKey(); key != "" {
		redact = append(redact, key)
	}
	slices.Sort(redact)
	return slices.Compact(redact)
}

// command is `outpost execute flow-run` for native flows (this very binary) and
// Prefect's `prefect execute flow-run` for the others.
func (a *Agent) command(coreVersion string) []string {
	if runconfig.IsNative(coreVersion) {
		return a.nativeArgs(a.deps.Executable)
	}
	return runconfig.LocalCommand(coreVersion)
}

// nativeArgs is `outpost execute flow-run` with a cancel grace inside the agent's own.
// When the agent stops a run it SIGKILLs the flow-run process's group once its grace is
// over; the flow's command runs in a group of its own, which the flow-run process must
// have killed by then, or that group would survive it, orphaned.
func (a *Agent) nativeArgs(executable string) []string {
	return []string{executable, "execute", "flow-run", "--cancel-grace", flowRunGrace(a.cfg.CancelGrace).String()}
}

// flowRunGrace leaves the flow-run process part of the agent's grace (up to two
// seconds) to kill its command and report the run's final state.
func flowRunGrace(agentGrace time.Duration) time.Duration {
	return agentGrace - min(agentGrace/2, 2*time.Second)
}

// runSecrets resolves the secrets the run needs (its storage's token, storage.secrets,
// the agent's --secret names) and returns the text each is injected as, plus every
// form of the values to redact. A required secret that is missing fails the run before
// launch; a storage's default token that is missing is skipped (a public repository
// needs none).
func (a *Agent) runSecrets(ctx context.Context, runID string, storage runconfig.Storage) (map[string]string, []string, error) {
	injected := map[string]string{}
	var redact []string
	for _, ref := range runconfig.SecretRefs(storage, a.cfg.SecretNames) {
		v, err := a.deps.Secrets.Resolve(ctx, ref.Name)
		switch {
		case errors.Is(err, secrets.ErrNotFound) && ref.Optional:
			a.log.Debug(fmt.Sprintf("Flow run %s: optional secret %s not found; the run goes without it", runID, ref.Name))
			continue
		case errors.Is(err, secrets.ErrNotFound):
			return nil, nil, missingSecret(runID, ref.Name, err)
		case err != nil:
			return nil, nil, fmt.Errorf("flow run %s needs secret %s, which could not be read: %w", runID, ref.Name, err)
		}
		if v, err = secrets.Normalize(ref.Name, v); err != nil {
			return nil, nil, fmt.Errorf("flow run %s: %w", runID, err)
		}
		text, err := secrets.EnvValue(v)
		if err != nil {
			return nil, nil, fmt.Errorf("flow run %s: secret %s cannot be passed to the run: %w", runID, ref.Name, err)
		}
		injected[ref.Name] = text
		redact = append(redact, secrets.Strings(v)...)
		redact = append(redact, text)
		a.log.Debug(fmt.Sprintf("Flow run %s: secret %s injected", runID, ref.Name), zap.String("variable", runconfig.SecretEnvName(ref.Name)))
	}
	return injected, redact, nil
}

// missingSecret says which secret a run lacks and where it was looked for.
func missingSecret(runID, name string, err error) error {
	where := "no secret source is configured (secret directories or the backend's secret store)"
	var nf *secrets.NotFoundError
	if errors.As(err, &nf) && len(nf.Where) > 0 {
		where = "looked in " + strings.Join(nf.Where, ", ")
	}
	return fmt.Errorf("flow run %s needs secret %s, which was not found (%s): store it there, "+
		"or remove it from the flow's storage or the agent's --secret", runID, name, where)
}

// apiKey is the agent's API key as text, "" when it has none.
func (a *Agent) apiKey() string {
	key, _ := a.cfg.APIKey.Reveal().(string)
	return key
}

// runEnvInput is what every launcher's env contract takes from the agent and the run.
func (a *Agent) runEnvInput(meta api.FlowRunMeta, runConfigEnv map[string]any, injected map[string]string) runconfig.RunEnvInput {
	return runconfig.RunEnvInput{
		Backend:       a.cfg.Backend,
		APIURL:        a.cfg.APIURL,
		APIKey:        a.apiKey(),
		TenantID:      a.tenantID,
		AgentLabels:   a.cfg.Labels,
		LogLevel:      a.cfg.LogLevel,
		NoCloudLogs:   a.cfg.NoCloudLogs != nil && *a.cfg.NoCloudLogs,
		AgentEnvFlags: a.cfg.EnvFlags,
		RunConfigEnv:  runConfigEnv,
		Secrets:       injected,
		FlowRunID:     meta.ID,
		FlowID:        meta.Flow.ID,
	}
}
