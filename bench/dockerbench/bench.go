package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/outposthq/outpost/api"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// Agent settings chosen for the harness: no limit on runs at once, and short graces,
// since nothing is running when it stops.
const (
	agentDrainGrace  = "10s"
	agentCancelGrace = "5s"
)

// engineEnv are the variables that say which engine the docker CLI talks to; the agent
// gets them too, so that both use the same one.
var engineEnv = []string{"DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_API_VERSION", "DOCKER_CONFIG"}

// bench is one measurement session: a server, an agent, the flow they run and the image
// of its containers.
type bench struct {
	ws    *workspace
	opts  options
	say   func(string, ...any)
	image benchImage

	server, agent *harness.Proc
	client        *api.Client
	metrics       harness.Metrics
	flowID        string
}

// env is the environment of the server and the agent: a fresh HOME and the engine's
// address. Nothing else of the harness's environment leaks in (no PREFECT__* or
// OUTPOST_* of the user).
func (b *bench) env() []string {
	env := []string{"HOME=" + b.ws.Dir("home"), "PATH=" + os.Getenv("PATH"), "TMPDIR=" + os.TempDir()}
	for _, name := range engineEnv {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// start runs the server, registers the flow and runs the agent. The containers use the
// host's network, as the backend listens on 127.0.0.1 only; the stand-in needs none.
func (b *bench) start(ctx context.Context) error {
	l := harness.Launch{Bin: b.ws.outpost, Env: b.env(), LogDir: b.ws.Dir("logs"), Deadline: startDeadline, Say: b.say}
	var apiURL string
	var err error
	if b.server, apiURL, err = l.Server(ctx); err != nil {
		return err
	}
	if b.client, _, err = harness.NewClient(b.ws.Dir("home"), apiURL); err != nil {
		return err
	}
	if b.flowID, err = registerFlow(ctx, b.client, b.image.tag); err != nil {
		return err
	}
	b.agent, b.metrics, err = l.Agent(ctx, "docker", apiURL,
		"--network", "host", "--volume", b.ws.Dir("stamps")+":"+stampsMount, "--pull-policy", "never",
		"--drain-grace", agentDrainGrace, "--cancel-grace", agentCancelGrace)
	return err
}

// measure takes the figures in order: one run at a time through the agent, then bare,
// then a burst through the agent, then bare.
func (b *bench) measure(ctx context.Context) (report, error) {
	var rep report
	var err error
	b.say("due → started: %d runs through the agent, one at a time", b.opts.runs)
	if rep.Agent, err = b.measureAgentLatency(ctx); err != nil {
		return rep, err
	}
	b.say("docker run → started: %d bare containers, one at a time", b.opts.runs)
	if rep.Bare, err = b.measureBareLatency(ctx); err != nil {
		return rep, err
	}
	b.say("launch rate: %d runs created at once", b.opts.burst)
	if rep.Burst, err = b.measureBurst(ctx); err != nil {
		return rep, err
	}
	b.say("bare launch rate: %d docker runs, %d at once", b.opts.burst, b.opts.parallel)
	rep.BareBurst, err = b.measureBareBurst(ctx)
	return rep, err
}

// shutdown stops the agent, then the server, and checks that no container of the
// image is left. It stops whatever was started, also after a failed start.
func (b *bench) shutdown(rep *report) error {
	var errs []error
	if b.agent != nil {
		b.say("stopping the agent")
		_, err := b.agent.Stop(stopDeadline)
		errs = append(errs, err)
	}
	if b.server != nil {
		_, err := b.server.Stop(stopDeadline)
		errs = append(errs, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	left, err := b.image.leftovers(ctx)
	rep.Leftovers = left
	errs = append(errs, err)
	if left > 0 {
		errs = append(errs, fmt.Errorf("%d containers of %s were left behind (now removed)", left, b.image.tag))
	}
	return errors.Join(errs...)
}
