package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"time"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// measureAgentLatency creates runs one at a time. Each is due when created (scheduled
// start = the client's clock just before create_flow_run), and the next is created only
// once the agent is done with it (its container gone, its final state delivered), so
// each run finds an idle agent that the backend's long poll must wake.
func (b *bench) measureAgentLatency(ctx context.Context) (latencies, error) {
	before, err := b.metrics.Scrape(ctx)
	if err != nil {
		return latencies{}, err
	}
	finished := before.Finished()
	ds := make([]time.Duration, 0, b.opts.runs)
	for i := range b.opts.runs {
		r, err := harness.CreateRun(ctx, b.client, b.flowID)
		if err != nil {
			return latencies{}, err
		}
		// Looking every millisecond changes no figure: the stand-in takes the time.
		s, err := harness.WaitStamp(ctx, b.ws.Dir("stamps"), r.ID, "container", runDeadline, time.Millisecond, b.agent.Alive)
		if err != nil {
			return latencies{}, fmt.Errorf("run %d of %d: %w", i+1, b.opts.runs, err)
		}
		ds = append(ds, s.At.Sub(r.Due))
		finished++
		if _, err := b.metrics.WaitUntil(ctx, runDeadline, 5*time.Millisecond, "the agent to finish flow run "+r.ID, b.agent.Alive,
			func(s harness.Sample) bool { return s.Finished() >= finished && s.Running() == 0 }); err != nil {
			return latencies{}, err
		}
	}
	return toLatencies(ds), nil
}

// measureBareLatency starts the same image -runs times with `docker run --rm`, one at
// a time, each from the clock just before the docker CLI starts to the stand-in's
// start. It gets what the agent's containers get that bears on the start: the bind
// mount of the stamps, the host network, an init process (the agent adds one to an
// image without an entrypoint of its own).
func (b *bench) measureBareLatency(ctx context.Context) (latencies, error) {
	ds := make([]time.Duration, 0, b.opts.runs)
	for i := range b.opts.runs {
		name := "bare-" + strconv.Itoa(i)
		start := time.Now()
		if err := b.dockerRun(ctx, name); err != nil {
			return latencies{}, err
		}
		s, ok, err := harness.ReadStamp(b.ws.Dir("stamps"), name)
		if err != nil {
			return latencies{}, err
		}
		if !ok {
			return latencies{}, fmt.Errorf("docker run %s exited 0 without writing its stamp", name)
		}
		ds = append(ds, s.At.Sub(start))
	}
	return toLatencies(ds), nil
}

// dockerRun runs one bare container of the image to its end; it stamps name.
func (b *bench) dockerRun(ctx context.Context, name string) error {
	cmd := exec.CommandContext(ctx, "docker", "run", "--rm", "--init", "--network", "host",
		"--volume", b.ws.Dir("stamps")+":"+stampsMount,
		"--env", "OUTPOST_BENCH_DIR="+stampsMount, "--env", "PREFECT__CONTEXT__FLOW_RUN_ID="+name,
		b.image.tag, "prefect", "execute", "flow-run")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("docker run of %s (%s): %w\n%s", b.image.tag, name, err, out)
	}
	return nil
}
