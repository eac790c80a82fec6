package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	ucli "github.com/urfave/cli/v2"
)

func TestHoistFlags(t *testing.T) {
	app := &ucli.App{
		Flags: []ucli.Flag{&ucli.StringFlag{Name: "log-level"}},
		Commands: []*ucli.Command{
			{Name: "flow-run", Subcommands: []*ucli.Command{{
				Name: "get",
				Flags: []ucli.Flag{
					&ucli.BoolFlag{Name: "json"},
					&ucli.StringFlag{Name: "api", Aliases: []string{"a"}},
					&ucli.StringSliceFlag{Name: "env", Aliases: []string{"e"}},
				},
			}}},
			{Name: "version"},
		},
	}
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"flags already first", []string{"outpost", "flow-run", "get", "--json", "ID"},
			[]string{"outpost", "flow-run", "get", "--json", "ID"}},
		{"bool flag after positional", []string{"outpost", "flow-run", "get", "ID", "--json"},
			[]string{"outpost", "flow-run", "get", "--json", "ID"}},
		{"value flag after positional keeps its value", []string{"outpost", "flow-run", "get", "ID", "-a", "http://x", "--json"},
			[]string{"outpost", "flow-run", "get", "-a", "http://x", "--json", "ID"}},
		{"flag=value form", []string{"outpost", "flow-run", "get", "ID", "--env=A=B"},
			[]string{"outpost", "flow-run", "get", "--env=A=B", "ID"}},
		{"repeated flags keep order", []string{"outpost", "flow-run", "get", "ID", "-e", "A=1", "X", "-e", "B=2"},
			[]string{"outpost", "flow-run", "get", "-e", "A=1", "-e", "B=2", "ID", "X"}},
		{"unknown flag stays a flag", []string{"outpost", "flow-run", "get", "ID", "--bogus"},
			[]string{"outpost", "flow-run", "get", "--bogus", "ID"}},
		{"after -- everything is positional", []string{"outpost", "flow-run", "get", "--", "--json", "ID"},
			[]string{"outpost", "flow-run", "get", "--", "--json", "ID"}},
		{"app flag before the command", []string{"outpost", "--log-level", "debug", "version"},
			[]string{"outpost", "--log-level", "debug", "version"}},
		{"unknown command left to the parser", []string{"outpost", "nope", "x", "--json"},
			[]string{"outpost", "nope", "x", "--json"}},
		{"value flag as last token", []string{"outpost", "flow-run", "get", "ID", "--api"},
			[]string{"outpost", "flow-run", "get", "--api", "ID"}},
		{"lone dash is positional", []string{"outpost", "flow-run", "get", "-", "--json"},
			[]string{"outpost", "flow-run", "get", "--json", "-"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, hoistFlags(app, tc.in)); diff != "" {
				t.Errorf("hoistFlags(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}
