package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/outposthq/outpost/secrets"
)

// maxSecretBytes bounds a secret read from a file or stdin, so that a wrong file (or an
// endless pipe) fails clearly instead of filling memory.
const maxSecretBytes = 1 << 20

// secretStoreCommands are the `secret` subcommands that manage the backend's store.
func secretStoreCommands(e env) []*ucli.Command {
	return []*ucli.Command{
		{
			Name:      "set",
			Usage:     "store a secret in the backend: VALUE, --from-file F, or piped on stdin",
			ArgsUsage: "NAME [VALUE]",
			Description: "Give the value in exactly one way. Prefer --from-file or stdin: a VALUE on the\n" +
				"command line is visible to other users of this machine while the command runs.\n" +
				"One trailing newline of a file or stdin is dropped. The value is never printed.",
			Flags: append(clientFlagDefs(),
				&ucli.StringFlag{Name: "from-file", Usage: "read the value from this file"},
			),
			Action: func(c *ucli.Context) error { return secretSet(c, e) },
		},
		{
			Name:  "list",
			Usage: "list the names of the backend's secrets, one per line",
			Flags: clientFlagDefs(),
			Action: func(c *ucli.Context) error {
				if c.Args().Present() {
					return usageError("secret list takes no arguments, got %q", c.Args().First())
				}
				client, _, err := connect(c, e)
				if err != nil {
					return err
				}
				names, err := client.SecretNames(c.Context)
				if err != nil {
					return err
				}
				slices.Sort(names)
				for _, n := range names {
					if _, err := fmt.Fprintln(c.App.Writer, n); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			Name:      "delete",
			Usage:     "delete a secret from the backend",
			ArgsUsage: "NAME",
			Flags:     clientFlagDefs(),
			Action: func(c *ucli.Context) error {
				if c.NArg() != 1 || c.Args().First() == "" {
					return usageError("secret delete takes exactly one NAME, got %d arguments", c.NArg())
				}
				name := c.Args().First()
				client, _, err := connect(c, e)
				if err != nil {
					return err
				}
				err = client.DeleteSecret(c.Context, name)
				if errors.Is(err, secrets.ErrBackendSecretNotFound) {
					return ucli.Exit(fmt.Sprintf("Error: secret %q is not stored at %s, so there is nothing to delete: see `outpost secret list`",
						name, client.URL()), 1)
				}
				return err
			},
		},
	}
}

func secretSet(c *ucli.Context, e env) error {
	if c.NArg() < 1 || c.NArg() > 2 || c.Args().First() == "" {
		return usageError("secret set takes NAME and at most one VALUE, got %d arguments", c.NArg())
	}
	name := c.Args().First()
	value, err := secretInput(c)
	if err != nil {
		return err
	}
	if value == "" {
		return usageError("the value of secret %q is empty; nothing was stored", name)
	}
	client, _, err := connect(c, e)
	if err != nil {
		return err
	}
	if err := client.SetSecret(c.Context, name, secrets.NewValue(value)); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "secret %q stored at %s\n", name, client.URL())
	return nil
}

// secretInput reads the value from the one source given: the VALUE argument, the
// --from-file file, or stdin when it is not a terminal.
func secretInput(c *ucli.Context) (string, error) {
	fromArg, fromFile := c.NArg() == 2, c.IsSet("from-file")
	switch {
	case fromArg && fromFile:
		return "", usageError("give the value either as VALUE or with --from-file, not both")
	case fromArg:
		fmt.Fprintln(c.App.ErrWriter, "Warning: a VALUE on the command line is visible to other users of this machine "+
			"(process list, shell history); prefer --from-file or stdin")
		return c.Args().Get(1), nil
	case fromFile:
		path := c.String("from-file")
		f, err := os.Open(path)
		if err != nil {
			return "", ucli.Exit(fmt.Sprintf("Error: cannot read the secret from --from-file: %v", err), 1)
		}
		defer f.Close()
		return readSecret(f, "--from-file "+path)
	}
	if isTerminal(c.App.Reader) {
		return "", usageError("no value: give VALUE, --from-file FILE, or pipe it on stdin (printf %%s \"$VALUE\" | outpost secret set NAME)")
	}
	return readSecret(c.App.Reader, "stdin")
}

// readSecret reads at most maxSecretBytes and drops one trailing newline, the one
// editors and `echo` add.
func readSecret(r io.Reader, from string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxSecretBytes+1))
	if err != nil {
		return "", fmt.Errorf("read the secret from %s: %w", from, err)
	}
	if len(b) > maxSecretBytes {
		return "", ucli.Exit(fmt.Sprintf("Error: the secret in %s is larger than %d KiB: is it the right file?", from, maxSecretBytes>>10), 1)
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		s = strings.TrimSuffix(t, "\r")
	}
	return s, nil
}

// isTerminal reports whether r is an interactive terminal, where waiting for a value
// would look like a hang.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
