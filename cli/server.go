package cli

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	ucli "github.com/urfave/cli/v2"

	"github.com/outposthq/outpost/server"
)

func serverCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:  "server",
		Usage: "run the embedded backend: the Prefect Server 1.x API with API keys and a secret store",
		Subcommands: []*ucli.Command{{
			Name:  "start",
			Usage: "serve the backend until SIGTERM or SIGINT",
			Description: "Data lives in SQLite under home_dir (~/.prefect/outpost.db) unless --database names another\n" +
				"file or a postgres:// URL (several replicas can share one PostgreSQL database).\n" +
				"On first start an admin API key is generated (unless --admin-key or OUTPOST_ADMIN_KEY gives one)\n" +
				"and written to home_dir/auth.toml, where local clients find it.",
			Flags: []ucli.Flag{
				&ucli.StringFlag{Name: "host", Value: server.DefaultHost, EnvVars: []string{"OUTPOST_HOST"},
					Usage: "the address to listen on; 0.0.0.0 listens on every interface"},
				&ucli.IntFlag{Name: "port", Value: 4200, EnvVars: []string{"OUTPOST_PORT"}, DefaultText: "server.port from the configuration, 4200",
					Usage: "the port to listen on; 0 picks a free one"},
				&ucli.StringFlag{Name: "database", EnvVars: []string{"OUTPOST_DATABASE"},
					Usage: "a SQLite file or a postgres:// URL (default: home_dir/outpost.db)"},
				&ucli.StringFlag{Name: "admin-key", EnvVars: []string{server.AdminKeyEnv},
					Usage: "the admin API key to accept (prefer the environment variable: argv is visible to other users)"},
				&ucli.StringFlag{Name: "log-format", Value: "console", EnvVars: []string{"OUTPOST_LOG_FORMAT"},
					Usage: "console or json"},
				&ucli.StringFlag{Name: "log-level", EnvVars: []string{"OUTPOST_LOG_LEVEL"},
					Usage: "DEBUG, INFO, WARNING, ERROR or CRITICAL (default: logging.level from the configuration)"},
			},
			Action: func(c *ucli.Context) error { return serverStart(c, e) },
		}},
	}
}

func serverStart(c *ucli.Context, e env) error {
	if c.Args().Present() {
		return usageError("server start takes no arguments, got %q", c.Args().First())
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
		return err
	}
	defer func() { _ = log.Sync() }()

	port := c.Int("port")
	if !c.IsSet("port") && s.ServerPort != 0 {
		port = s.ServerPort
	}
	if port < 0 || port > 65535 {
		return usageError("--port %d is out of range: use 1-65535, or 0 for any free port", port)
	}
	if c.IsSet("admin-key") && e.get(server.AdminKeyEnv) == "" {
		log.Warn("--admin-key on the command line is visible to other users of this machine; prefer " + server.AdminKeyEnv)
	}

	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	addr := net.JoinHostPort(c.String("host"), strconv.Itoa(port))
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return ucli.Exit(fmt.Sprintf("Error: cannot listen on %s: the address is already in use; "+
			"stop what uses it or choose another --port", addr), 1)
	}
	if err != nil {
		return fmt.Errorf("listen on %s: %w (check --host and --port)", addr, err)
	}
	srv, err := server.New(ctx, server.Options{
		Host:     c.String("host"),
		Port:     port,
		Database: c.String("database"),
		Home:     s.HomeDir,
		AdminKey: c.String("admin-key"),
		Env:      e.get,
		Logger:   log,
	})
	if err != nil {
		ln.Close()
		return err
	}
	serveErr := srv.Serve(ctx, ln)
	if err := srv.Close(); err != nil && serveErr == nil {
		serveErr = fmt.Errorf("close the database: %w", err)
	}
	return serveErr
}
