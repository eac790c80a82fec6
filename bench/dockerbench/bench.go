package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/outposthq/outpost/api"
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

	server, agent *proc
	client        *api.Client
	metrics       agentMetrics
	flowID        string
}

// env is the environment of the server and the agent: a fresh HOME and the engine's
// address. Nothing else of the harness's environment leaks in (no PREFECT__* or
// OUTPOST_* of the user).
func (b *bench) env() []string {
	env := []string{"HOME=" + b.ws.dir("home"), "PATH=" + os.Getenv("PATH"), "TMPDIR=" + os.TempDir()}
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
	port, err := freePort()
	if err != nil {
		return err
	}
	apiURL := "http://127.0.0.1:" + port
	b.say("starting outpost server start on %s", apiURL)
	b.server, err = startProc("server", b.ws.outpost, []string{"server", "start", "--host", "127.0.0.1", "--port", port},
		b.env(), filepath.Join(b.ws.dir("logs"), "server.log"))
	if err != nil {
		return err
	}
	if err := waitHTTP(ctx, b.server, apiURL+"/health"); err != nil {
		return err
	}
	if b.client, err = newClient(b.ws.dir("home"), apiURL); err != nil {
		return err
	}
	if b.flowID, err = registerFlow(ctx, b.client, b.image.tag); err != nil {
		return err
	}

	if port, err = freePort(); err != nil {
		return err
	}
	agentURL := "http://127.0.0.1:" + port
	b.say("starting outpost agent docker start (metrics on %s)", agentURL)
	b.agent, err = startProc("agent", b.ws.outpost, []string{"agent", "docker", "start",
		"--api", apiURL, "--no-hostname-label", "--concurrency", "0", "--agent-address", agentURL,
		"--network", "host", "--volume", b.ws.dir("stamps") + ":" + stampsMount, "--pull-policy", "never",
		"--drain-grace", agentDrainGrace, "--cancel-grace", agentCancelGrace},
		b.env(), filepath.Join(b.ws.dir("logs"), "agent.log"))
	if err != nil {
		return err
	}
	b.metrics = newAgentMetrics(agentURL)
	if err := waitHTTP(ctx, b.agent, agentURL+"/api/health"); err != nil {
		return err
	}
	// Registered and polling once the first poll is counted.
	return b.metrics.waitUntil(ctx, startDeadline, 20*time.Millisecond, "the agent's first poll", b.agent.alive,
		func(s sample) bool { return s.polls() >= 1 })
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
		errs = append(errs, b.agent.stop())
	}
	if b.server != nil {
		errs = append(errs, b.server.stop())
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
