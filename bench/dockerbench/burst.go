package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// burstReport is how fast containers were launched when many were asked for at once.
type burstReport struct {
	Containers int `json:"containers"`
	// Parallel is how many bare docker runs were under way at once (0 for the agent,
	// which runs with --concurrency 0 and bounds nothing).
	Parallel int `json:"parallel,omitempty"`
	// CreateMS is the first create_flow_run to the last one answered (agent only).
	CreateMS float64 `json:"create_ms,omitempty"`
	// SpanMS is the first create_flow_run (or docker run) to the last stand-in start;
	// PerMinute is Containers over it.
	SpanMS    float64 `json:"span_ms"`
	PerMinute float64 `json:"per_minute"`
	// Each container's due (or docker run) → started, while the burst is under way.
	MedianMS float64 `json:"median_ms"`
	MaxMS    float64 `json:"max_ms"`
}

// measureBurst creates -burst runs at once and times them from the first create to the
// last container start, then waits until the agent is done with them all.
func (b *bench) measureBurst(ctx context.Context) (burstReport, error) {
	before, err := b.metrics.Scrape(ctx)
	if err != nil {
		return burstReport{}, err
	}
	start := time.Now()
	runs, err := harness.CreateRuns(ctx, b.client, b.flowID, b.opts.burst, b.opts.Creators)
	if err != nil {
		return burstReport{}, err
	}
	created := time.Since(start)
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	stamps, err := harness.WaitStamps(ctx, b.ws.Dir("stamps"), ids, "containers", batchDeadline, b.agent.Alive)
	if err != nil {
		return burstReport{}, err
	}
	ds := make([]time.Duration, len(runs))
	for i, r := range runs {
		ds[i] = stamps[r.ID].At.Sub(r.Due)
	}
	rep := burstOf(start, ds, stamps)
	rep.CreateMS = harness.Millis(created)
	want := before.Finished() + len(runs)
	_, err = b.metrics.WaitUntil(ctx, batchDeadline, 20*time.Millisecond, "the agent to finish the burst", b.agent.Alive,
		func(s harness.Sample) bool { return s.Finished() >= want && s.Running() == 0 })
	return rep, err
}

// measureBareBurst starts -burst bare containers, -parallel at a time, and times them
// from the first docker run to the last stand-in start.
func (b *bench) measureBareBurst(ctx context.Context) (burstReport, error) {
	n := b.opts.burst
	names := make([]string, n)
	starts := make([]time.Time, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	begin := time.Now()
	for range min(b.opts.parallel, n) {
		wg.Go(func() {
			for i := range next {
				names[i] = fmt.Sprintf("bare-burst-%d", i)
				starts[i] = time.Now()
				errs[i] = b.dockerRun(ctx, names[i])
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return burstReport{}, err
	}
	stamps := make(map[string]harness.Stamp, n)
	ds := make([]time.Duration, n)
	for i, name := range names {
		s, ok, err := harness.ReadStamp(b.ws.Dir("stamps"), name)
		if err != nil || !ok {
			return burstReport{}, errors.Join(err, fmt.Errorf("docker run %s exited 0 without writing its stamp", name))
		}
		stamps[name], ds[i] = s, s.At.Sub(starts[i])
	}
	rep := burstOf(begin, ds, stamps)
	rep.Parallel = min(b.opts.parallel, n)
	return rep, nil
}

// burstOf is the report of a burst that began at start.
func burstOf(start time.Time, ds []time.Duration, stamps map[string]harness.Stamp) burstReport {
	last := start
	for _, s := range stamps {
		if s.At.After(last) {
			last = s.At
		}
	}
	span := last.Sub(start)
	d := harness.Summarize(ds)
	return burstReport{
		Containers: len(ds),
		SpanMS:     harness.Millis(span),
		PerMinute:  perMinute(len(ds), span),
		MedianMS:   harness.Millis(d.Median),
		MaxMS:      harness.Millis(d.Max),
	}
}
