package main

import (
	"context"
	"fmt"
	"time"
)

// latencyReport is "run due → process started" over runs created one at a time.
type latencyReport struct {
	Runs     int     `json:"runs"`
	MedianMS float64 `json:"median_ms"`
	P90MS    float64 `json:"p90_ms"`
	P99MS    float64 `json:"p99_ms"`
	MaxMS    float64 `json:"max_ms"`
	MinMS    float64 `json:"min_ms"`
	// Polls is how often the agent polled during the measurement; PollsAllowed the
	// most its backoff table allows given when the runs were created.
	Polls        int     `json:"polls"`
	PollsAllowed int     `json:"polls_allowed"`
	WallS        float64 `json:"wall_s"`
	CPU          cpuUse  `json:"cpu"`
}

// measureLatency creates runs one at a time. Each is due when created (scheduled
// start = the client's clock just before create_flow_run), and the next is created only
// once the agent is done with it (its final state delivered, nothing running), so each
// run finds an idle agent that the backend's long poll must wake.
func (b *bench) measureLatency(ctx context.Context) (latencyReport, error) {
	before, err := b.metrics.scrape(ctx)
	if err != nil {
		return latencyReport{}, err
	}
	cpu, err := b.markCPU()
	if err != nil {
		return latencyReport{}, err
	}
	start := time.Now()
	finished := before.finished()
	latencies := make([]time.Duration, 0, b.opts.runs)
	var wakes []time.Time
	for i := range b.opts.runs {
		r, err := createRun(ctx, b.client, b.flows.exit)
		if err != nil {
			return latencyReport{}, err
		}
		wakes = append(wakes, r.due)
		s, err := waitStamp(ctx, b.ws.dir("stamps"), r.id, b.agent.alive)
		if err != nil {
			return latencyReport{}, fmt.Errorf("run %d of %d: %w", i+1, b.opts.runs, err)
		}
		latencies = append(latencies, s.at.Sub(r.due))
		finished++
		what := fmt.Sprintf("the agent to finish flow run %s", r.id)
		if _, err := b.metrics.waitUntil(ctx, runDeadline, 5*time.Millisecond, what, b.agent.alive,
			func(s sample) bool { return s.finished() >= finished && s.running() == 0 }); err != nil {
			return latencyReport{}, err
		}
	}
	after, err := b.metrics.scrape(ctx)
	if err != nil {
		return latencyReport{}, err
	}
	end := time.Now()
	used, err := b.cpuSince(cpu)
	if err != nil {
		return latencyReport{}, err
	}
	d := summarize(latencies)
	return latencyReport{
		CPU:          used,
		Runs:         len(latencies),
		MedianMS:     millis(d.median),
		P90MS:        millis(d.p90),
		P99MS:        millis(d.p99),
		MaxMS:        millis(d.max),
		MinMS:        millis(d.min),
		Polls:        after.polls() - before.polls(),
		PollsAllowed: pollBound(start, wakes, end),
		WallS:        seconds(end.Sub(start)),
	}, nil
}
