// Package cli builds Outpost's command tree: one file per command group, holding its
// flags, help text, exit codes and wiring. Domain rules live in the other packages.
package cli

import (
	"errors"
	"fmt"
	"io"

	ucli "github.com/urfave/cli/v2"
)

// IO is where a command reads and writes; tests pass buffers.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// env is the process environment handed to Main, so commands never read os.Environ
// themselves and tests can run them in-process.
type env []string

func (e env) lookup(name string) (string, bool) {
	for i := len(e) - 1; i >= 0; i-- {
		if len(e[i]) > len(name) && e[i][len(name)] == '=' && e[i][:len(name)] == name {
			return e[i][len(name)+1:], true
		}
	}
	return "", false
}

func (e env) get(name string) string { v, _ := e.lookup(name); return v }

// Main runs the CLI and returns the process exit code.
func Main(args []string, stdio IO, environ []string) int {
	app := newApp(stdio, env(environ))
	err := app.Run(hoistFlags(app, args))
	if err == nil {
		return 0
	}
	var exit ucli.ExitCoder
	if errors.As(err, &exit) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stdio.Err, msg)
		}
		return exit.ExitCode()
	}
	fmt.Fprintf(stdio.Err, "Error: %v\n", err)
	return 1
}

func newApp(stdio IO, e env) *ucli.App {
	app := &ucli.App{
		Name:                 "outpost",
		Usage:                "an agent daemon that launches Prefect 1.x flow runs",
		Reader:               stdio.In,
		Writer:               stdio.Out,
		ErrWriter:            stdio.Err,
		HideVersion:          true,
		EnableBashCompletion: true,
		// Main prints errors once; urfave must not print them as well.
		ExitErrHandler: func(*ucli.Context, error) {},
		Commands: []*ucli.Command{
			versionCommand(),
			configCommand(e),
			secretCommand(e),
			serverCommand(e),
			flowCommand(e),
			flowRunCommand(e),
			agentCommand(e),
			executeCommand(e),
		},
	}
	return app
}
