package cli

import (
	"encoding/json"
	"errors"
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/outposthq/outpost/secrets"
)

func secretCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:  "secret",
		Usage: "resolve and manage secrets",
		Subcommands: append([]*ucli.Command{{
			Name:      "get",
			Usage:     "resolve NAME as a flow run here would, and print its decoded value as JSON",
			ArgsUsage: "NAME",
			Description: "Context secrets ([context.secrets] in config.toml, PREFECT__CONTEXT__SECRETS__*) come first;\n" +
				"with backend \"cloud\" and cloud.use_local_secrets = false the backend's secret store is asked next.",
			Action: func(c *ucli.Context) error {
				if c.NArg() != 1 {
					return usageError("secret get takes exactly one NAME, got %d arguments", c.NArg())
				}
				return secretGet(c, e, c.Args().First())
			},
		}}, secretStoreCommands(e)...),
	}
}

func secretGet(c *ucli.Context, e env, name string) error {
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	s, err := cfg.Settings()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	chain := secrets.Chain{Context: cfg.ContextSecrets(), Backend: s.Backend, UseLocalSecrets: s.UseLocalSecrets}
	if s.Backend == "cloud" && !s.UseLocalSecrets {
		client, err := newAPIClient(cfg, e, clientFlags{})
		if err != nil {
			return err
		}
		chain.API = client
	}
	v, err := chain.Get(c.Context, name)
	if err != nil {
		if errors.Is(err, secrets.ErrNotFound) {
			return ucli.Exit(err.Error(), 1)
		}
		return err
	}
	// Printing the value is this command's purpose: Reveal is the one deliberate exit.
	out, err := json.Marshal(v.Reveal())
	if err != nil {
		return fmt.Errorf("secret %q cannot be printed as JSON: %w", name, err)
	}
	_, err = fmt.Fprintf(c.App.Writer, "%s\n", out)
	return err
}
