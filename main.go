// Command outpost is an agent daemon that launches Prefect 1.x flow runs.
package main

import (
	"os"

	"github.com/outposthq/outpost/cli"
)

func main() {
	os.Exit(cli.Main(os.Args, cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Environ()))
}
