package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/outposthq/outpost/config"
)

func configCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:  "config",
		Usage: "inspect the effective Prefect-compatible configuration",
		Subcommands: []*ucli.Command{{
			Name:  "view",
			Usage: "print the effective configuration (defaults, config.toml, backend.toml, PREFECT__* variables)",
			Description: "Secrets under context.secrets are shown as \"[REDACTED]\".\n" +
				"The user file is PREFECT__USER_CONFIG_PATH (default ~/.prefect/config.toml).",
			Flags: []ucli.Flag{&ucli.BoolFlag{Name: "json", Usage: "print JSON instead of TOML"}},
			Action: func(c *ucli.Context) error {
				if c.Args().Present() {
					return usageError("config view takes no arguments, got %q", c.Args().First())
				}
				cfg, err := loadConfig(e)
				if err != nil {
					return err
				}
				render := cfg.RenderTOML
				if c.Bool("json") {
					render = cfg.RenderJSON
				}
				out, err := render()
				if err != nil {
					return err
				}
				_, err = c.App.Writer.Write(out)
				return err
			},
		}},
	}
}

// loadConfig loads the configuration from the environment given to Main.
func loadConfig(e env) (*config.Config, error) {
	cfg, err := config.Load(config.LoadOptions{Env: e, Home: e.get("HOME")})
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return cfg, nil
}

// usageError is a bad-invocation error: exit code 2, as flag errors have.
func usageError(format string, a ...any) error {
	return ucli.Exit("Error: "+fmt.Sprintf(format, a...), 2)
}
