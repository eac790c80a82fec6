package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/outposthq/outpost/agent"
	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/deploy"
	"github.com/outposthq/outpost/launcher/local"
	"github.com/outposthq/outpost/runconfig"
	"github.com/outposthq/outpost/secrets"
)

func agentCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:  "agent",
		Usage: "run the agent that launches flow runs",
		Subcommands: []*ucli.Command{{
			Name:  "local",
			Usage: "an agent that launches each flow run as a local process",
			Subcommands: []*ucli.Command{
				{
					Name:  "start",
					Usage: "poll the backend and launch due flow runs as local processes",
					Description: "With no --api and no backend configured, the agent uses the embedded backend on\n" +
						"127.0.0.1:4200 (starting it in-process when none answers there), with its data under ~/.prefect.\n" +
						"The first SIGTERM/SIGINT stops claiming runs and waits for running ones up to --drain-grace;\n" +
						"a second cancels them.",
					Flags:  agentFlags(),
					Action: func(c *ucli.Context) error { return agentStart(c, e) },
				},
				{
					Name:      "install",
					Usage:     "print a supervisord config (or, with --systemd, a systemd unit) that runs this agent",
					ArgsUsage: " ",
					Flags: append(agentFlags(),
						&ucli.BoolFlag{Name: "systemd", Usage: "print a systemd unit instead of a supervisord config"},
						&ucli.StringFlag{Name: "user", Usage: "with --systemd: the user the agent runs as"},
					),
					Action: func(c *ucli.Context) error { return agentInstall(c, e) },
				},
			},
		}, agentDockerCommand(e)},
	}
}

// agentFlags are Prefect's `agent local start` options plus Outpost's own.
func agentFlags() []ucli.Flag {
	var repeatable []ucli.Flag
	for _, f := range [][3]string{
		{"label", "l", "label runs must match (default: cloud.agent.labels)"},
		{"env", "e", "KEY=VALUE given to every run"},
		{"import-path", "p", "path added to runs' PYTHONPATH"},
		{"secret", "", "secret NAME resolved and injected into every run"},
		{"secret-dir", "", "directory with one file per secret, e.g. /run/secrets"},
	} {
		repeatable = append(repeatable, repeatedFlags(f[0], f[1], f[2])...)
	}
	return append(repeatable, []ucli.Flag{
		&ucli.StringFlag{Name: "api", Aliases: []string{"a"}, EnvVars: []string{"OUTPOST_API"}, Usage: "the backend's GraphQL URL (default: cloud.api, or the embedded backend)"},
		&ucli.StringFlag{Name: "key", Aliases: []string{"k"}, EnvVars: []string{"OUTPOST_KEY"}, Usage: "API key (default: cloud.api_key, then auth.toml)"},
		&ucli.StringFlag{Name: "tenant-id", Usage: "tenant (default: cloud.tenant_id, then the backend's default tenant)"},
		&ucli.StringFlag{Name: "agent-config-id", Usage: "agent configuration id, registered with the agent"},
		&ucli.StringFlag{Name: "name", Aliases: []string{"n"}, Usage: "agent name (default: cloud.agent.name)"},
		&ucli.IntFlag{Name: "max-polls", Usage: "stop after this many polls (default: poll until stopped)"},
		&ucli.StringFlag{Name: "agent-address", Usage: "serve /api/health, /api/poke and /metrics at http://HOST:PORT (default: cloud.agent.agent_address)"},
		&ucli.BoolFlag{Name: "no-cloud-logs", Usage: "do not send flow-run logs to the backend"},
		&ucli.StringFlag{Name: "log-level", Usage: "DEBUG, INFO, WARNING or ERROR (default: cloud.agent.level)"},
		&ucli.BoolFlag{Name: "show-flow-logs", Aliases: []string{"f"}, Usage: "print each run's output, prefixed with its name"},
		&ucli.BoolFlag{Name: "hostname-label", Value: true, Usage: "add this host's name to the agent's labels (Prefect's default)"},
		&ucli.BoolFlag{Name: "no-hostname-label", Usage: "do not add this host's name to the agent's labels"},
		&ucli.IntFlag{Name: "concurrency", EnvVars: []string{"OUTPOST_CONCURRENCY"}, Usage: "most runs at once; the rest wait unclaimed (0: no limit)"},
		&ucli.StringFlag{Name: "log-format", Value: "console", EnvVars: []string{"OUTPOST_LOG_FORMAT"}, Usage: "console or json"},
		&ucli.DurationFlag{Name: "drain-grace", Value: agent.DefaultDrainGrace, EnvVars: []string{"OUTPOST_DRAIN_GRACE"}, Usage: "on stop, how long running runs may finish before they are cancelled"},
		&ucli.DurationFlag{Name: "cancel-grace", Value: agent.DefaultCancelGrace, EnvVars: []string{"OUTPOST_CANCEL_GRACE"}, Usage: "time between SIGTERM and SIGKILL when a run is stopped"},
	}...)
}

func agentStart(c *ucli.Context, e env) error {
	return runAgent(c, e, agentKind{name: "local",
		launcher: func(context.Context, agent.Config, string, *zap.Logger) (agent.Launcher, func(), error) {
			return local.New(), func() {}, nil
		},
	})
}

// agentKind is what differs between `agent local start` and `agent docker start`.
type agentKind struct {
	name string
	// configure adds the kind's own settings to the agent's Config (may be nil).
	configure func(c *ucli.Context, cfg *config.Config, s config.Settings, acfg *agent.Config) error
	// launcher makes the kind's launcher and what releases it. It runs before the
	// backend starts, so a launcher that cannot work (Docker not answering) fails the
	// start at once.
	launcher func(ctx context.Context, acfg agent.Config, apiURL string, log *zap.Logger) (agent.Launcher, func(), error)
}

// runAgent is the start-up both agents share: configuration (flags, OUTPOST_*, then
// cloud.agent.*), the logger, the backend (the embedded one when none is configured),
// the client, and the agent's run under two-step signal handling.
func runAgent(c *ucli.Context, e env, k agentKind) error {
	if c.Args().Present() {
		return usageError("agent %s start takes no arguments, got %q", k.name, c.Args().First())
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	if err := applyFlagDefaults(c, e, cfg); err != nil {
		return err
	}
	s, err := cfg.Settings()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	acfg, err := agentConfig(c, s)
	if err != nil {
		return err
	}
	if k.configure != nil {
		if err := k.configure(c, cfg, s, &acfg); err != nil {
			return err
		}
	}
	log, err := newLogger(c.App.ErrWriter, c.String("log-format"), first(c.String("log-level"), s.Agent.Level))
	if err != nil {
		return usageError("%v", err)
	}
	defer func() { _ = log.Sync() }()

	ctx := c.Context
	flags := clientFlags{API: c.String("api"), Key: c.String("key"), TenantID: c.String("tenant-id")}
	embedded := flags.API == "" && !backendConfigured(s)
	if embedded {
		flags.API = embeddedURL
		acfg.Backend = "server"
	}
	launch, release, err := k.launcher(ctx, acfg, first(flags.API, s.CloudAPI), log)
	if err != nil {
		return err
	}
	defer release()
	if embedded {
		_, stopBackend, err := embeddedBackend(ctx, s, log)
		if err != nil {
			return err
		}
		defer stopBackend()
	}
	target, err := resolveTarget(cfg, flags)
	if err != nil {
		return err
	}
	client, err := api.New(api.Options{URL: target.URL, Key: target.Key, TenantID: target.TenantID,
		Version: Version, Timeout: s.RequestTimeout, Logger: log.Named("api")})
	if err != nil {
		return err
	}
	acfg.APIURL, acfg.APIKey, acfg.TenantID = target.URL, target.Key, target.TenantID

	a, err := agent.New(acfg, agent.Deps{
		Backend:  client,
		Launcher: launch,
		Secrets:  agentSecrets(cfg, repeatedValues(c, "secret-dir"), client),
		Logger:   log,
		Stdout:   c.App.Writer,
		Env:      e,
	})
	if err != nil {
		return usageError("%v", err)
	}
	ctx, stop := stopSignals(ctx, a.Stop)
	defer stop()
	return a.Run(ctx)
}

// agentConfig turns flags and configuration into the agent's Config, in Prefect's
// order: a flag wins, an empty repeatable flag falls back to cloud.agent.*.
func agentConfig(c *ucli.Context, s config.Settings) (agent.Config, error) {
	envs, err := parseEnvFlags(repeatedValues(c, "env"))
	if err != nil {
		return agent.Config{}, err
	}
	labels := repeatedValues(c, "label")
	if len(labels) == 0 {
		labels = s.Agent.Labels
	}
	labels = sortedUnique(labels)
	if c.Bool("hostname-label") && !c.Bool("no-hostname-label") {
		host, err := os.Hostname()
		if err != nil {
			return agent.Config{}, fmt.Errorf("add the hostname label (or pass --no-hostname-label): %w", err)
		}
		labels = append(labels, host)
	}
	acfg := agent.Config{
		Name:          first(c.String("name"), s.Agent.Name),
		Type:          agent.TypeLocal,
		Labels:        labels,
		EnvFlags:      envs,
		AgentConfigID: c.String("agent-config-id"),
		AgentAddress:  first(c.String("agent-address"), s.Agent.AgentAddress),
		ShowFlowLogs:  c.Bool("show-flow-logs"),
		ImportPaths:   repeatedValues(c, "import-path"),
		LogLevel:      s.LoggingLevel,
		Concurrency:   c.Int("concurrency"),
		SecretNames:   repeatedValues(c, "secret"),
		SecretDirs:    repeatedValues(c, "secret-dir"),
		DrainGrace:    c.Duration("drain-grace"),
		CancelGrace:   c.Duration("cancel-grace"),
		Backend:       s.Backend,
	}
	noLogs := !s.SendFlowRunLogs
	if c.IsSet("no-cloud-logs") {
		noLogs = c.Bool("no-cloud-logs")
	}
	acfg.NoCloudLogs = &noLogs
	if c.IsSet("max-polls") {
		n := c.Int("max-polls")
		acfg.MaxPolls = &n
	}
	return acfg, nil
}

// parseEnvFlags splits each --env value on its first "=", as Prefect does.
func parseEnvFlags(values []string) ([]runconfig.EnvVar, error) {
	out := make([]runconfig.EnvVar, 0, len(values))
	for _, v := range values {
		name, value, ok := strings.Cut(v, "=")
		if !ok {
			return nil, usageError("--env %q has no '=': use --env KEY=VALUE", v)
		}
		out = append(out, runconfig.EnvVar{Name: name, Value: value})
	}
	return out, nil
}

func sortedUnique(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// agentSecrets is where the agent looks for the secrets runs need: its own context
// secrets (config.toml and PREFECT__CONTEXT__SECRETS__*), its secret files, then the
// backend's secret store.
func agentSecrets(cfg *config.Config, dirs []string, client *api.Client) secrets.Sources {
	ss := secrets.Sources{secrets.ContextSource{Secrets: cfg.ContextSecrets(),
		From: "the agent's context secrets (config.toml and PREFECT__CONTEXT__SECRETS__*)"}}
	for _, d := range dirs {
		ss = append(ss, secrets.DirSource{Dir: d})
	}
	return append(ss, secrets.BackendSource{Backend: storeOnly{client}, Where: "the backend's secret store"})
}

// storeOnly reads "this backend has no secret store" (Prefect Server) as "not there".
type storeOnly struct{ b secrets.Backend }

func (s storeOnly) SecretValue(ctx context.Context, name string) (secrets.Value, error) {
	v, err := s.b.SecretValue(ctx, name)
	if errors.Is(err, api.ErrNoSecretAPI) {
		return v, fmt.Errorf("%w (the backend keeps no secrets)", secrets.ErrBackendSecretNotFound)
	}
	return v, err
}

// agentInstall prints a service definition that runs this binary with the same flags.
func agentInstall(c *ucli.Context, e env) error {
	if c.Args().Present() {
		return usageError("agent local install takes no arguments, got %q", c.Args().First())
	}
	// Settings from OUTPOST_* go into the service's command line; config.toml is left for
	// the service to read itself.
	if err := applyFlagDefaults(c, e, nil); err != nil {
		return err
	}
	if _, err := parseEnvFlags(repeatedValues(c, "env")); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the outpost binary to run: %w", err)
	}
	args := append([]string{"agent", "local", "start"}, setFlags(c, "systemd", "user", "key")...)
	// The API key goes to the service's environment, never its command line.
	var environ []string
	if k := c.String("key"); k != "" {
		environ = append(environ, "OUTPOST_KEY="+k)
	}
	out := deploy.Supervisord(exe, args, environ)
	if c.Bool("systemd") {
		out = deploy.Systemd(exe, args, deploy.SystemdOptions{User: c.String("user"), DrainGrace: c.Duration("drain-grace"), Environment: environ})
	}
	_, err = fmt.Fprint(c.App.Writer, out)
	return err
}

// setFlags renders the flags that were set (on the command line or through their
// environment variables, which the service will not have) as arguments, in a stable
// order, leaving out the named ones.
func setFlags(c *ucli.Context, skip ...string) []string {
	var args []string
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if contains(skip, name) {
			continue
		}
		if g, ok := f.(*ucli.GenericFlag); ok {
			// A repeatable flag's short form is a hidden twin sharing its values
			// (repeatedFlags): they are rendered once, under the long name, whichever
			// form the user typed. IsSet would miss values given only in the short form.
			if !g.Hidden {
				for _, v := range repeatedValues(c, name) {
					args = append(args, "--"+name, v)
				}
			}
			continue
		}
		if !c.IsSet(name) {
			continue
		}
		switch f.(type) {
		case *ucli.BoolFlag:
			args = append(args, fmt.Sprintf("--%s=%t", name, c.Bool(name)))
		case *ucli.DurationFlag:
			args = append(args, "--"+name, c.Duration(name).String())
		default:
			args = append(args, "--"+name, fmt.Sprint(c.Value(name)))
		}
	}
	return args
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// backendConfigured reports whether the user pointed Outpost at a backend: an API URL
// other than Prefect Cloud's default, or credentials. Otherwise the embedded one is used.
func backendConfigured(s config.Settings) bool {
	return s.CloudAPI != "https://api.prefect.io" || s.APIKey != "" || s.Backend != "cloud"
}
