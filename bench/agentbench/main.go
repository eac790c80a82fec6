// Command agentbench measures the agent as users run it: the built outpost binary,
// `outpost server start` and `outpost agent local start` as separate processes talking
// over loopback. It prints what it measured; it asserts nothing about speed.
//
//	go run ./bench/agentbench [-outpost PATH] [-runs 200] [-burst 500] [-json]
//
// Flow runs are Prefect flows (core_version 1.4.1), so the agent launches
// `prefect execute flow-run`; a stand-in `prefect` first on the agent's PATH notes
// when it started. See bench/README.md for what each figure means.
package main

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
	"time"
)

// options are the harness's flags.
type options struct {
	outpost  string        // the outpost binary; "" builds one
	runs     int           // runs of the latency measurement
	burst    int           // runs created at once for the launch rate
	sleepers int           // sleeping runs for the memory reading
	parallel int           // parallelism of the bare fork/exec comparison
	creators int           // concurrent create_flow_run callers in a burst
	idle     time.Duration // idle time before the idle memory reading
	jsonOut  bool
	keep     bool // keep the temporary directory (logs, database) for a look afterwards
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "agentbench:", err)
		os.Exit(1)
	}
}

// run parses args, measures, and writes the report to stdout; progress goes to
// progress. Everything it started is stopped and its temporary files removed before
// it returns, also on error.
func run(ctx context.Context, args []string, stdout, progress io.Writer) (err error) {
	opts, err := parseFlags(args, progress)
	if err != nil {
		return err
	}
	ws, err := newWorkspace(opts.keep)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, ws.remove(progress)) }()

	say := func(format string, a ...any) { fmt.Fprintf(progress, "agentbench: "+format+"\n", a...) }
	if err := ws.build(ctx, opts.outpost, say); err != nil {
		return err
	}
	b := &bench{ws: ws, opts: opts, say: say}
	var rep report
	runErr := b.start(ctx)
	if runErr == nil {
		rep, runErr = b.measure(ctx)
	}
	stopErr := b.shutdown(&rep)
	if runErr != nil {
		return errors.Join(runErr, stopErr)
	}
	// The figures stand even when the shutdown went wrong; print them, then say so.
	rep.Machine = machineInfo()
	rep.Command = command(args)
	write := writeTable
	if opts.jsonOut {
		write = writeJSON
	}
	return errors.Join(write(stdout, rep), stopErr)
}

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("agentbench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.outpost, "outpost", "", "the outpost binary to measure (default: build one from this module)")
	fs.IntVar(&o.runs, "runs", 200, "flow runs created one after another, for the due-to-started latency")
	fs.IntVar(&o.burst, "burst", 500, "flow runs created at once, for the launch rate")
	fs.IntVar(&o.sleepers, "sleepers", 0, "sleeping flow runs for the memory reading (default: the -burst value)")
	fs.IntVar(&o.parallel, "parallel", 16, "processes at once in the parallel bare fork/exec comparison")
	fs.IntVar(&o.creators, "creators", 8, "concurrent create_flow_run requests when creating runs at once")
	fs.DurationVar(&o.idle, "idle", 5*time.Second, "how long the agent idles before the idle memory reading")
	fs.BoolVar(&o.jsonOut, "json", false, "print JSON instead of a table")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (logs, database) and print where it is")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q: every option is a flag, see -h", fs.Arg(0))
	}
	if o.sleepers == 0 {
		o.sleepers = o.burst
	}
	for _, f := range []struct {
		name  string
		value int
	}{{"-runs", o.runs}, {"-burst", o.burst}, {"-sleepers", o.sleepers}, {"-parallel", o.parallel}, {"-creators", o.creators}} {
		if f.value < 1 {
			return o, fmt.Errorf("%s is %d: give 1 or more", f.name, f.value)
		}
	}
	if o.idle <= 0 {
		return o, fmt.Errorf("-idle is %s: give a positive duration such as 5s", o.idle)
	}
	if o.outpost != "" {
		abs, err := filepath.Abs(o.outpost)
		if err != nil {
			return o, fmt.Errorf("-outpost %q: %w", o.outpost, err)
		}
		o.outpost = abs
	}
	return o, nil
}

// command is the command line that produced a report, for quoting next to it.
func command(args []string) string {
	return strings.TrimSpace("go run ./bench/agentbench " + strings.Join(args, " "))
}
