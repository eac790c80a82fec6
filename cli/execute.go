package cli

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	ucli "github.com/urfave/cli/v2"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/flowrun"
	"github.com/outposthq/outpost/runconfig"
)

func executeCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:  "execute",
		Usage: "execute work handed out by an agent",
		Subcommands: []*ucli.Command{{
			Name:  "flow-run",
			Usage: "run the native flow run named by " + runconfig.EnvFlowRunID + " and report its states and logs",
			Description: "An agent starts this for native Outpost flows, as it starts `prefect execute flow-run` for\n" +
				"Prefect flows. The backend comes from cloud.api, cloud.api_key and cloud.tenant_id\n" +
				"(PREFECT__CLOUD__* set by the agent). The flow's command runs in its own process group with\n" +
				"this process's environment; its output, with secrets redacted, goes to stdout and to the\n" +
				"run's logs. SIGTERM or SIGINT stops the command (SIGTERM, then SIGKILL after --cancel-grace).\n" +
				"Exit status: 0 once a final state (Success, Failed or Cancelled) is set, 1 when none could be.",
			Flags: []ucli.Flag{
				&ucli.DurationFlag{Name: "cancel-grace", Value: flowrun.DefaultGrace, EnvVars: []string{"OUTPOST_CANCEL_GRACE"},
					Usage: "time between SIGTERM and SIGKILL when the command is stopped"},
				&ucli.StringFlag{Name: "log-format", Value: "console", EnvVars: []string{"OUTPOST_LOG_FORMAT"}, Usage: "console or json"},
				&ucli.StringFlag{Name: "log-level", EnvVars: []string{"OUTPOST_LOG_LEVEL"}, Usage: "default: logging.level"},
			},
			Action: func(c *ucli.Context) error {
				if c.Args().Present() {
					return usageError("execute flow-run takes no arguments (the run's id comes from %s), got %q", runconfig.EnvFlowRunID, c.Args().First())
				}
				return executeFlowRun(c, e)
			},
		}},
	}
}

func executeFlowRun(c *ucli.Context, e env) error {
	runID := e.get(runconfig.EnvFlowRunID)
	if runID == "" {
		return ucli.Exit("Error: "+flowrun.ErrNoRunID.Error(), 1)
	}
	if c.Duration("cancel-grace") <= 0 {
		return usageError("--cancel-grace must be positive, got %s", c.Duration("cancel-grace"))
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	s, err := cfg.Settings()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log, err := newLogger(c.App.ErrWriter, c.String("log-format"), first(c.String("log-level"), s.LoggingLevel))
	if err != nil {
		return usageError("%v", err)
	}
	defer func() { _ = log.Sync() }()
	t, err := resolveTarget(cfg, clientFlags{})
	if err != nil {
		return err
	}
	client, err := api.New(api.Options{URL: t.URL, Key: t.Key, TenantID: t.TenantID, Version: Version, Timeout: s.RequestTimeout, Logger: log})
	if err != nil {
		return err
	}

	// The command runs in a group of its own, so a signal to this process (an agent
	// stopping the run signals this process's group) must be passed on: ending ctx does.
	ctx, stop := signal.NotifyContext(c.Context, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// Without a reader on stdout (an agent gone), a write must fail rather than kill this
	// process by SIGPIPE and leave the run without a final state. Notify, unlike
	// Ignore, is not inherited by the command.
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	defer signal.Stop(pipe)

	r := &flowrun.Runner{
		Client: client, Config: cfg, APIKey: t.Key, Env: e,
		Stdout: c.App.Writer, Logger: log, Grace: c.Duration("cancel-grace"),
	}
	return r.Run(ctx, runID)
}
