// Command dockerbench measures the Docker agent as users run it: the built outpost
// binary, `outpost server start` and `outpost agent docker start` as processes on this
// host talking over loopback, each flow run a container of a local image. Next to it,
// the same image started by a bare `docker run`. It prints what it measured; it asserts
// nothing about speed.
//
//	go run ./bench/dockerbench [-outpost PATH] [-runs 50] [-burst 60] [-json]
//
// Flow runs are Prefect flows (core_version 1.4.1), so the agent runs `prefect execute
// flow-run` in the container; the image's `prefect` is the stand-in of
// bench/agentbench, which first notes when it started. See bench/README.md for what
// each figure means.
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
)

// options are the harness's flags.
type options struct {
	outpost  string // the outpost binary; "" builds one
	runs     int    // runs one at a time, for due → started; also the bare docker runs
	burst    int    // runs created at once, for the launch rate
	parallel int    // bare docker runs at once, the launch rate's comparison
	creators int    // concurrent create_flow_run callers in a burst
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
		fmt.Fprintln(os.Stderr, "dockerbench:", err)
		os.Exit(1)
	}
}

// run parses args, measures, and writes the report to stdout; progress goes to
// progress. Every process, container and image it made is gone when it returns, also
// on error.
func run(ctx context.Context, args []string, stdout, progress io.Writer) (err error) {
	opts, err := parseFlags(args, progress)
	if err != nil {
		return err
	}
	say := func(format string, a ...any) { fmt.Fprintf(progress, "dockerbench: "+format+"\n", a...) }
	ws, err := newWorkspace(opts.keep)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, ws.remove(progress)) }()
	if err := ws.build(ctx, opts.outpost, say); err != nil {
		return err
	}
	img, err := buildImage(ctx, ws)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, img.remove()) }()

	b := &bench{ws: ws, opts: opts, say: say, image: img}
	var rep report
	runErr := b.start(ctx)
	if runErr == nil {
		rep, runErr = b.measure(ctx)
	}
	stopErr := b.shutdown(&rep)
	if runErr != nil {
		return errors.Join(runErr, stopErr)
	}
	rep.Machine = machineInfo(ctx)
	rep.Command = command(args)
	write := writeTable
	if opts.jsonOut {
		write = writeJSON
	}
	// The figures stand even when the shutdown went wrong; print them, then say so.
	return errors.Join(write(stdout, rep), stopErr)
}

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("dockerbench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.outpost, "outpost", "", "the outpost binary to measure (default: build one from this module)")
	fs.IntVar(&o.runs, "runs", 50, "flow runs created one after another for due → started, and as many bare docker runs")
	fs.IntVar(&o.burst, "burst", 60, "flow runs created at once for the launch rate, and as many bare docker runs")
	fs.IntVar(&o.parallel, "parallel", 8, "bare docker runs at once in the launch rate's comparison")
	fs.IntVar(&o.creators, "creators", 8, "concurrent create_flow_run requests when creating runs at once")
	fs.BoolVar(&o.jsonOut, "json", false, "print JSON instead of a table")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (logs, database) and print where it is")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q: every option is a flag, see -h", fs.Arg(0))
	}
	for _, f := range []struct {
		name  string
		value int
	}{{"-runs", o.runs}, {"-burst", o.burst}, {"-parallel", o.parallel}, {"-creators", o.creators}} {
		if f.value < 1 {
			return o, fmt.Errorf("%s is %d: give 1 or more", f.name, f.value)
		}
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
	return strings.TrimSpace("go run ./bench/dockerbench " + strings.Join(args, " "))
}
