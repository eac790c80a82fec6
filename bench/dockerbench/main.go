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
	"io"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// options are the harness's flags.
type options struct {
	harness.Options
	runs     int // runs one at a time, for due → started; also the bare docker runs
	burst    int // runs created at once, for the launch rate
	parallel int // bare docker runs at once, the launch rate's comparison
}

func main() { harness.Main("dockerbench", run) }

// run parses args, measures, and writes the report to stdout; progress goes to
// progress. Every process, container and image it made is gone when it returns, also
// on error.
func run(ctx context.Context, args []string, stdout, progress io.Writer) (err error) {
	opts, err := parseFlags(args, progress)
	if err != nil {
		return err
	}
	say := harness.Sayer(progress, "dockerbench")
	ws, err := newWorkspace(opts.Keep)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, ws.Remove(progress)) }()
	if err := ws.build(ctx, opts.Outpost, say); err != nil {
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
	rep.Command = harness.Command("dockerbench", args)
	// The figures stand even when the shutdown went wrong; print them, then say so.
	return errors.Join(harness.Write(stdout, rep, opts.JSON, writeTable), stopErr)
}

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	fs := harness.NewFlagSet("dockerbench", out, &o.Options)
	fs.IntVar(&o.runs, "runs", 50, "flow runs created one after another for due → started, and as many bare docker runs")
	fs.IntVar(&o.burst, "burst", 60, "flow runs created at once for the launch rate, and as many bare docker runs")
	fs.IntVar(&o.parallel, "parallel", 8, "bare docker runs at once in the launch rate's comparison")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if err := harness.CheckArgs(fs); err != nil {
		return o, err
	}
	if err := harness.AtLeastOne(
		harness.IntFlag{Name: "-runs", Value: o.runs},
		harness.IntFlag{Name: "-burst", Value: o.burst},
		harness.IntFlag{Name: "-parallel", Value: o.parallel},
		harness.IntFlag{Name: "-creators", Value: o.Creators},
	); err != nil {
		return o, err
	}
	var err error
	o.Outpost, err = harness.AbsOutpost(o.Outpost)
	return o, err
}
