package harness

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

// RunFunc is a harness's whole session: args are its flags, the report goes to stdout
// and what it is doing to progress.
type RunFunc func(ctx context.Context, args []string, stdout, progress io.Writer) error

// Main runs a harness named name until it is done or interrupted, and exits 1 on
// error. The interrupt cancels the context, so that run stops what it started.
func Main(name string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// Sayer prints one progress line at a time, prefixed by the harness's name.
func Sayer(progress io.Writer, name string) func(string, ...any) {
	return func(format string, a ...any) { fmt.Fprintf(progress, name+": "+format+"\n", a...) }
}

// Command is the command line that produced a report, for quoting next to it.
func Command(name string, args []string) string {
	return strings.TrimSpace("go run ./bench/" + name + " " + strings.Join(args, " "))
}

// IntFlag is a count flag's name and value, for AtLeastOne.
type IntFlag struct {
	Name  string
	Value int
}

// AtLeastOne fails for the first flag below 1.
func AtLeastOne(flags ...IntFlag) error {
	for _, f := range flags {
		if f.Value < 1 {
			return fmt.Errorf("%s is %d: give 1 or more", f.Name, f.Value)
		}
	}
	return nil
}

// CheckArgs fails when fs has arguments left after its flags.
func CheckArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: every option is a flag, see -h", fs.Arg(0))
	}
	return nil
}

// AbsOutpost makes the -outpost path absolute, so that it still holds when the
// processes run elsewhere; "" (build one) stays "".
func AbsOutpost(outpost string) (string, error) {
	if outpost == "" {
		return "", nil
	}
	abs, err := filepath.Abs(outpost)
	if err != nil {
		return "", fmt.Errorf("-outpost %q: %w", outpost, err)
	}
	return abs, nil
}

// Options are the flags every harness has.
type Options struct {
	Outpost  string // the outpost binary; "" builds one
	Creators int    // concurrent create_flow_run callers in a burst
	JSON     bool   // print JSON instead of a table
	Keep     bool   // keep the temporary directory (logs, database) for a look afterwards
}

// NewFlagSet is the flag set of the harness called name, with the flags of o; each
// harness adds its own.
func NewFlagSet(name string, out io.Writer, o *Options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.Outpost, "outpost", "", "the outpost binary to measure (default: build one from this module)")
	fs.IntVar(&o.Creators, "creators", 8, "concurrent create_flow_run requests when creating runs at once")
	fs.BoolVar(&o.JSON, "json", false, "print JSON instead of a table")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary directory (logs, database) and print where it is")
	return fs
}

// Write prints rep as indented JSON when jsonOut, else as table prints it.
func Write[R any](w io.Writer, rep R, jsonOut bool, table func(io.Writer, R) error) error {
	if jsonOut {
		return WriteJSON(w, rep)
	}
	return table(w, rep)
}
