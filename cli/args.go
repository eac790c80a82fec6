package cli

import (
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// hoistFlags lets flags stand after positional arguments (`outpost flow-run get ID --json`).
// urfave/cli v2 stops parsing flags at the first positional argument, so before parsing
// we walk the command path and, for the command that will run, move every flag (with its
// value, for flags that take one) ahead of the positionals. A token after "--" is always
// positional. Tokens that look like flags but are unknown stay flags, so the parser
// rejects them instead of taking them silently as positionals.
func hoistFlags(app *ucli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	commands, flags := app.Commands, app.Flags
	rest := args[1:]
	for {
		// Flags of the current level may precede the subcommand name.
		i := 0
		for i < len(rest) && isFlagToken(rest[i]) {
			i += flagWidth(flags, rest, i)
		}
		if i >= len(rest) {
			return append(out, rest...)
		}
		sub := findCommand(commands, rest[i])
		if sub == nil {
			// An unknown command: leave everything to the parser, which names it.
			return append(out, rest...)
		}
		if len(sub.Subcommands) == 0 {
			out = append(out, rest[:i+1]...)
			return append(out, reorder(sub.Flags, rest[i+1:])...)
		}
		out = append(out, rest[:i+1]...)
		rest, commands, flags = rest[i+1:], sub.Subcommands, sub.Flags
	}
}

// reorder puts flags (and their values) first, then positionals, keeping relative order.
func reorder(flags []ucli.Flag, args []string) []string {
	var fl, pos []string
	for i := 0; i < len(args); {
		switch {
		case args[i] == "--":
			pos = append(pos, args[i:]...)
			i = len(args)
		case isFlagToken(args[i]):
			w := flagWidth(flags, args, i)
			fl = append(fl, args[i:i+w]...)
			i += w
		default:
			pos = append(pos, args[i])
			i++
		}
	}
	return append(fl, pos...)
}

func isFlagToken(s string) bool { return len(s) > 1 && s[0] == '-' && s != "--" }

// flagWidth is 2 when the flag at args[i] takes its value from the next token, else 1.
func flagWidth(flags []ucli.Flag, args []string, i int) int {
	name := strings.TrimLeft(args[i], "-")
	if strings.Contains(name, "=") || i+1 >= len(args) {
		return 1
	}
	f := findFlag(flags, name)
	if f == nil {
		return 1
	}
	if _, isBool := f.(*ucli.BoolFlag); isBool {
		return 1
	}
	return 2
}

func findFlag(flags []ucli.Flag, name string) ucli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func findCommand(cmds []*ucli.Command, name string) *ucli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
