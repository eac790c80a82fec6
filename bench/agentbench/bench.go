package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/outposthq/outpost/api"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// Agent settings chosen for the harness: no limit on runs at once, and a short drain
// so that shutting down with hundreds of sleeping runs cancels them quickly. The drain
// grace also bounds how long the stopping agent delivers the Failed states it owes,
// one per cancelled run: 1s is too short for 500 on two shared cores.
const (
	agentDrainGrace  = "3s"
	agentCancelGrace = "2s"
)

// bench is one measurement session: a server, an agent, and the flows they run.
type bench struct {
	ws   *workspace
	opts options
	say  func(string, ...any)

	server, agent *harness.Proc
	apiURL        string
	client        *api.Client
	metrics       harness.Metrics
	flows         benchFlows
}

// env is the environment of the server and the agent: a fresh HOME, the stand-in first
// on PATH, and where the stand-in writes. Nothing else of the harness's environment
// leaks in (no PREFECT__* or OUTPOST_* of the user).
func (b *bench) env() []string {
	return []string{
		"HOME=" + b.ws.Dir("home"),
		"PATH=" + b.ws.Dir("path") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"TMPDIR=" + os.TempDir(),
		"OUTPOST_BENCH_DIR=" + b.ws.Dir("stamps"),
	}
}

// start runs the server, registers the flows and runs the agent.
func (b *bench) start(ctx context.Context) error {
	l := harness.Launch{Bin: b.ws.outpost, Env: b.env(), LogDir: b.ws.Dir("logs"), Deadline: startDeadline, Say: b.say}
	var err error
	if b.server, b.apiURL, err = l.Server(ctx); err != nil {
		return err
	}
	var tenantID string
	if b.client, tenantID, err = harness.NewClient(b.ws.Dir("home"), b.apiURL); err != nil {
		return err
	}
	if b.flows, err = registerFlows(ctx, b.client, tenantID); err != nil {
		return err
	}
	b.agent, b.metrics, err = l.Agent(ctx, "local", b.apiURL,
		"--drain-grace", agentDrainGrace, "--cancel-grace", agentCancelGrace)
	return err
}

// measure runs the measurements in order: idle memory first (nothing has run yet),
// then latency, launch rate, and memory with sleeping runs, whose runs the agent's
// shutdown then cancels.
func (b *bench) measure(ctx context.Context) (report, error) {
	var rep report
	var err error
	b.say("idling %s for the idle memory reading", b.opts.idle)
	if rep.Idle, err = b.measureIdle(ctx); err != nil {
		return rep, err
	}
	b.say("latency: %d runs, one at a time", b.opts.runs)
	if rep.Latency, err = b.measureLatency(ctx); err != nil {
		return rep, err
	}
	b.say("launch rate: %d runs at once", b.opts.burst)
	if rep.Burst, err = b.measureBurst(ctx); err != nil {
		return rep, err
	}
	b.say("bare fork/exec: %d processes, one at a time and %d at once", b.opts.burst, b.opts.parallel)
	if rep.Bare, err = b.measureBare(ctx); err != nil {
		return rep, err
	}
	b.say("memory: %d sleeping runs", b.opts.sleepers)
	rep.Busy, err = b.measureBusy(ctx)
	return rep, err
}

// shutdown stops the agent (timing it: it cancels the sleeping runs), then the server,
// and checks that no stand-in outlived them. It stops whatever was started, also after
// a failed start.
func (b *bench) shutdown(rep *report) error {
	var errs []error
	if b.agent != nil {
		b.say("stopping the agent")
		took, err := b.agent.Stop(stopDeadline)
		rep.Shutdown.AgentStopMS = harness.Millis(took)
		rep.Shutdown.RunsAtStop = rep.Busy.Runs
		rep.Shutdown.AgentExitCode = b.agent.ExitCode()
		errs = append(errs, err)
	}
	if b.server != nil {
		_, err := b.server.Stop(stopDeadline)
		errs = append(errs, err)
	}
	left, err := b.leftovers()
	rep.Shutdown.Leftovers = len(left)
	errs = append(errs, err)
	return errors.Join(errs...)
}

// cpuUse is the CPU time the agent and the server used during a measurement, their
// runs not included. Its resolution is 10 ms.
type cpuUse struct {
	AgentMS  float64 `json:"agent_cpu_ms"`
	ServerMS float64 `json:"server_cpu_ms"`
}

// cpuMark is the CPU time the agent and the server had used at one moment.
type cpuMark struct{ agent, server time.Duration }

func (b *bench) markCPU() (cpuMark, error) {
	agent, err1 := cpuTime(b.agent.PID())
	server, err2 := cpuTime(b.server.PID())
	return cpuMark{agent, server}, errors.Join(err1, err2)
}

// cpuSince is the CPU time used since start.
func (b *bench) cpuSince(start cpuMark) (cpuUse, error) {
	now, err := b.markCPU()
	return cpuUse{AgentMS: harness.Millis(now.agent - start.agent), ServerMS: harness.Millis(now.server - start.server)}, err
}
