package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/outposthq/outpost/internal/process"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// burstReport is the launch rate of runs created at once.
type burstReport struct {
	Runs int `json:"runs"`
	// CreateMS is the first create_flow_run to the last one answered; SpanMS the first
	// create_flow_run to the last process started. RunsPerSec is Runs over SpanMS.
	CreateMS   float64 `json:"create_ms"`
	SpanMS     float64 `json:"span_ms"`
	RunsPerSec float64 `json:"runs_per_sec"`
	// Each run's due → process started, while the burst is under way.
	MedianMS float64 `json:"median_ms"`
	MaxMS    float64 `json:"max_ms"`
	Polls    int     `json:"polls"`
	CPU      cpuUse  `json:"cpu"`
}

// bareReport is the floor the launch rate compares with: the harness itself starts the
// stand-in, each in a process group of its own as the agent does, with no backend,
// no claim and no output capture.
type bareReport struct {
	Processes        int     `json:"processes"`
	Parallel         int     `json:"parallel"`
	SequentialMS     float64 `json:"sequential_ms"`
	SequentialPerSec float64 `json:"sequential_per_sec"`
	ParallelMS       float64 `json:"parallel_ms"`
	ParallelPerSec   float64 `json:"parallel_per_sec"`
}

// measureBurst creates -burst runs at once and times them from the first create to the
// last process start. The agent runs with --concurrency 0, so nothing holds runs back.
func (b *bench) measureBurst(ctx context.Context) (burstReport, error) {
	before, err := b.metrics.Scrape(ctx)
	if err != nil {
		return burstReport{}, err
	}
	cpu, err := b.markCPU()
	if err != nil {
		return burstReport{}, err
	}
	start := time.Now()
	runs, err := harness.CreateRuns(ctx, b.client, b.flows.exit, b.opts.burst, b.opts.Creators)
	if err != nil {
		return burstReport{}, err
	}
	created := time.Since(start)
	stamps, err := harness.WaitStamps(ctx, b.ws.Dir("stamps"), runIDs(runs), "flow runs", batchDeadline, b.agent.Alive)
	if err != nil {
		return burstReport{}, err
	}
	want := before.Finished() + len(runs)
	what := fmt.Sprintf("the agent to finish %d flow runs", len(runs))
	after, err := b.metrics.WaitUntil(ctx, batchDeadline, 50*time.Millisecond, what, b.agent.Alive,
		func(s harness.Sample) bool { return s.Finished() >= want && s.Running() == 0 })
	if err != nil {
		return burstReport{}, err
	}
	used, err := b.cpuSince(cpu)
	if err != nil {
		return burstReport{}, err
	}
	latencies := make([]time.Duration, len(runs))
	last := start
	for i, r := range runs {
		at := stamps[r.ID].At
		latencies[i] = at.Sub(r.Due)
		if at.After(last) {
			last = at
		}
	}
	span := last.Sub(start)
	d := harness.Summarize(latencies)
	return burstReport{
		CPU:        used,
		Runs:       len(runs),
		CreateMS:   harness.Millis(created),
		SpanMS:     harness.Millis(span),
		RunsPerSec: perSecond(len(runs), span),
		MedianMS:   harness.Millis(d.Median),
		MaxMS:      harness.Millis(d.Max),
		Polls:      after.Polls() - before.Polls(),
	}, nil
}

// measureBare starts the stand-in -burst times, one at a time and then -parallel at
// once, timed like the burst: first start to last stamp.
func (b *bench) measureBare(ctx context.Context) (bareReport, error) {
	seq, err := b.spawnMany(ctx, "sequential", b.opts.burst, 1)
	if err != nil {
		return bareReport{}, err
	}
	par, err := b.spawnMany(ctx, "parallel", b.opts.burst, b.opts.parallel)
	if err != nil {
		return bareReport{}, err
	}
	return bareReport{
		Processes:        b.opts.burst,
		Parallel:         b.opts.parallel,
		SequentialMS:     harness.Millis(seq),
		SequentialPerSec: perSecond(b.opts.burst, seq),
		ParallelMS:       harness.Millis(par),
		ParallelPerSec:   perSecond(b.opts.burst, par),
	}, nil
}

// spawnMany runs the stand-in n times, parallel at once, each waited for, and returns
// the time from the first start to the last stamp.
func (b *bench) spawnMany(ctx context.Context, name string, n, parallel int) (time.Duration, error) {
	dir := b.ws.Dir("bare")
	// The later entry wins; clipped, so that the workers' appends never share an array.
	env := slices.Clip(append(b.env(), "OUTPOST_BENCH_DIR="+dir))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = name + "-" + strconv.Itoa(i)
	}
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range min(parallel, n) {
		wg.Go(func() {
			for i := range next {
				errs[i] = b.spawn(ctx, ids[i], env)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	stamps, err := harness.WaitStamps(ctx, dir, ids, "flow runs", batchDeadline, func() error { return nil })
	if err != nil {
		return 0, err
	}
	last := start
	for _, s := range stamps {
		if s.At.After(last) {
			last = s.At
		}
	}
	return last.Sub(start), nil
}

func (b *bench) spawn(ctx context.Context, id string, env []string) error {
	attr, err := process.GroupAttr()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, b.ws.standin, "execute", "flow-run")
	cmd.Env = append(env, "PREFECT__CONTEXT__FLOW_RUN_ID="+id)
	cmd.SysProcAttr = attr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("run the stand-in (%s): %w", id, err)
	}
	return nil
}
