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
	"fmt"
	"io"
	"time"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// options are the harness's flags.
type options struct {
	harness.Options
	runs     int           // runs of the latency measurement
	burst    int           // runs created at once for the launch rate
	sleepers int           // sleeping runs for the memory reading
	parallel int           // parallelism of the bare fork/exec comparison
	idle     time.Duration // idle time before the idle memory reading
}

func main() { harness.Main("agentbench", run) }

// run parses args, measures, and writes the report to stdout; progress goes to
// progress. Everything it started is stopped and its temporary files removed before
// it returns, also on error.
func run(ctx context.Context, args []string, stdout, progress io.Writer) (err error) {
	opts, err := parseFlags(args, progress)
	if err != nil {
		return err
	}
	ws, err := newWorkspace(opts.Keep)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, ws.Remove(progress)) }()

	say := harness.Sayer(progress, "agentbench")
	if err := ws.build(ctx, opts.Outpost, say); err != nil {
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
	rep.Command = harness.Command("agentbench", args)
	return errors.Join(harness.Write(stdout, rep, opts.JSON, writeTable), stopErr)
}

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	fs := harness.NewFlagSet("agentbench", out, &o.Options)
	fs.IntVar(&o.runs, "runs", 200, "flow runs created one after another, for the due-to-started latency")
	fs.IntVar(&o.burst, "burst", 500, "flow runs created at once, for the launch rate")
	fs.IntVar(&o.sleepers, "sleepers", 0, "sleeping flow runs for the memory reading (default: the -burst value)")
	fs.IntVar(&o.parallel, "parallel", 16, "processes at once in the parallel bare fork/exec comparison")
	fs.DurationVar(&o.idle, "idle", 5*time.Second, "how long the agent idles before the idle memory reading")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if err := harness.CheckArgs(fs); err != nil {
		return o, err
	}
	if o.sleepers == 0 {
		o.sleepers = o.burst
	}
	if err := harness.AtLeastOne(
		harness.IntFlag{Name: "-runs", Value: o.runs},
		harness.IntFlag{Name: "-burst", Value: o.burst},
		harness.IntFlag{Name: "-sleepers", Value: o.sleepers},
		harness.IntFlag{Name: "-parallel", Value: o.parallel},
		harness.IntFlag{Name: "-creators", Value: o.Creators},
	); err != nil {
		return o, err
	}
	if o.idle <= 0 {
		return o, fmt.Errorf("-idle is %s: give a positive duration such as 5s", o.idle)
	}
	var err error
	o.Outpost, err = harness.AbsOutpost(o.Outpost)
	return o, err
}
