package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	ucli "github.com/urfave/cli/v2"
)

// Version is Outpost's release version.
const Version = "0.1.0-dev"

func versionCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "version",
		Usage: "print Outpost's version",
		Action: func(c *ucli.Context) error {
			rev := ""
			if info, ok := debug.ReadBuildInfo(); ok {
				for _, s := range info.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						rev = " " + s.Value[:12]
					}
				}
			}
			_, err := fmt.Fprintf(c.App.Writer, "outpost %s%s (%s, %s/%s)\n",
				Version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
