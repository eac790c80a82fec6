package main

import (
	"context"
	"fmt"
	"time"

	"github.com/outposthq/outpost/bench/internal/harness"
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
	before, err := b.metrics.Scrape(ctx)
	if err != nil {
		return latencyReport{}, err
	}
	cpu, err := b.markCPU()
	if err != nil {
		return latencyReport{}, err
	}
	start := time.Now()
	finished := before.Finished()
	latencies := make([]time.Duration, 0, b.opts.runs)
	var wakes []time.Time
	for i := range b.opts.runs {
		r, err := harness.CreateRun(ctx, b.client, b.flows.exit)
		if err != nil {
			return latencyReport{}, err
		}
		wakes = append(wakes, r.Due)
		// Looking every half millisecond changes no figure: the stand-in takes the time.
		s, err := harness.WaitStamp(ctx, b.ws.Dir("stamps"), r.ID, "flow run", runDeadline, 500*time.Microsecond, b.agent.Alive)
		if err != nil {
			return latencyReport{}, fmt.Errorf("run %d of %d: %w", i+1, b.opts.runs, err)
		}
		latencies = append(latencies, s.At.Sub(r.Due))
		finished++
		what := fmt.Sprintf("the agent to finish flow run %s", r.ID)
		if _, err := b.metrics.WaitUntil(ctx, runDeadline, 5*time.Millisecond, what, b.agent.Alive,
			func(s harness.Sample) bool { return s.Finished() >= finished && s.Running() == 0 }); err != nil {
			return latencyReport{}, err
		}
	}
	after, err := b.metrics.Scrape(ctx)
	if err != nil {
		return latencyReport{}, err
	}
	end := time.Now()
	used, err := b.cpuSince(cpu)
	if err != nil {
		return latencyReport{}, err
	}
	d := harness.Summarize(latencies)
	return latencyReport{
		CPU:          used,
		Runs:         len(latencies),
		MedianMS:     harness.Millis(d.Median),
		P90MS:        harness.Millis(d.P90),
		P99MS:        harness.Millis(d.P99),
		MaxMS:        harness.Millis(d.Max),
		MinMS:        harness.Millis(d.Min),
		Polls:        after.Polls() - before.Polls(),
		PollsAllowed: pollBound(start, wakes, end),
		WallS:        seconds(end.Sub(start)),
	}, nil
}
