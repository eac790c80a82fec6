// Package agent is Outpost's daemon core: it registers with the backend, polls for flow
// runs that are due, claims each one, builds its environment and secrets, has a
// launcher start it, watches it to its end and for cancellation, and owes the backend
// every final state until it is delivered. It serves health, poke and metrics.
//
// The agent does not know how a process or container is started: the Launcher does.
// Each loop lives in its own file (poll, longpoll, deploy, track, cancel, outbox,
// server); Stop and cancelling Run's context are different things: Stop drains,
// the context cancels.
package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/secrets"
)

// Backend is what the agent asks of the backend; *api.Client implements it.
type Backend interface {
	RegisterAgent(ctx context.Context, reg api.AgentRegistration) (string, error)
	Hello(ctx context.Context) (string, error)
	DefaultTenantID(ctx context.Context) (string, error)
	RunsInQueue(ctx context.Context, tenantID string, before time.Time, labels []string) ([]string, error)
	FlowRunMetadata(ctx context.Context, ids []string, now time.Time) ([]api.FlowRunMeta, error)
	SetFlowRunState(ctx context.Context, runID string, version *int, state api.State) error
	SetTaskRunState(ctx context.Context, taskRunID string, version *int, state api.State) error
	WriteRunLogs(ctx context.Context, entries []api.LogEntry) error
	FlowRunState(ctx context.Context, id string) (version int, state string, err error)
	CancellingRuns(ctx context.Context, ids []string) (map[string]string, error)
}

// RunWaiter is a backend that can hold a request open until new runs may be due
// (*api.Client against the embedded backend). With it, an idle agent starts a new run
// at once instead of at its next poll.
type RunWaiter interface {
	// WaitForRuns returns the backend's run sequence once it differs from since, or
	// after the backend's timeout; api.ErrWaitUnsupported means never to ask again.
	WaitForRuns(ctx context.Context, since uint64) (uint64, error)
}

// agentIdentifier is a backend that sends the agent's id with every request, as
// Prefect's agents do once registered.
type agentIdentifier interface {
	WithAgentID(id string) *api.Client
}

// Launcher starts flow-run processes; launcher/local and the Docker launcher implement it.
type Launcher interface {
	Launch(ctx context.Context, spec launcher.Spec) (launcher.Handle, error)
}

// SecretResolver finds a secret by name; secrets.Sources implements it. A missing
// secret is an error matching secrets.ErrNotFound.
type SecretResolver interface {
	Resolve(ctx context.Context, name string) (secrets.Value, error)
}

var (
	_ Backend         = (*api.Client)(nil)
	_ agentIdentifier = (*api.Client)(nil)
	_ SecretResolver  = secrets.Sources(nil)
)

// Agent is one agent daemon. Create it with New, run it with Run.
type Agent struct {
	cfg     Config
	deps    Deps
	log     *zap.Logger
	metrics *metrics
	runs    *runSet
	outbox  *outbox
	health  *health

	// Set by Run before any loop starts, then only read.
	backend  Backend
	tenantID string
	life     context.Context // ends once shutdown is over; outlives Run's ctx

	wake     chan struct{} // wakes the poll loop: poke, long poll, a freed slot
	stop     chan struct{} // closed by Stop
	stopOnce sync.Once
	started  atomic.Bool
	work     sync.WaitGroup // deploy, track and stop goroutines
	stdoutMu sync.Mutex     // keeps lines of different runs apart on Stdout
}

// New checks the configuration and builds an agent. It does no I/O.
func New(cfg Config, deps Deps) (*Agent, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("agent configuration: %w", err)
	}
	deps, err = deps.withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(deps.Metrics)
	if err != nil {
		return nil, err
	}
	engine, _ := deps.Launcher.(pinger)
	a := &Agent{
		cfg:     cfg,
		deps:    deps,
		log:     deps.Logger,
		metrics: m,
		runs:    newRunSet(cfg.Concurrency),
		outbox:  newOutbox(),
		health:  &health{window: cfg.HealthWindow, engine: engine, log: deps.Logger},
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
	return a, nil
}

// Stop stops claiming runs and lets the runs in flight finish, up to the drain grace,
// before cancelling them; Run then returns. It is what the first SIGTERM or SIGINT
// does. It may be called any number of times, before or during Run.
func (a *Agent) Stop() {
	a.closeStop("Stop requested: no new flow runs will be claimed; running ones may finish")
}

// closeStop closes the stop channel once, logging msg when it is not "".
func (a *Agent) closeStop(msg string) {
	a.stopOnce.Do(func() {
		if msg != "" {
			a.log.Info(msg)
		}
		close(a.stop)
	})
}

// Run registers the agent and runs it until Stop is called, MaxPolls is reached or ctx
// ends. On Stop or MaxPolls it drains: running runs may finish within the drain grace,
// then are cancelled. When ctx ends (a second signal) runs are cancelled at once. Either
// way no process is left behind, and the states owed are delivered, each within its
// grace. Run returns nil after a clean shutdown; an error when the agent address cannot
// be served or owed states could not be delivered. Backend outages never end Run.
func (a *Agent) Run(ctx context.Context) error {
	if !a.started.CompareAndSwap(false, true) {
		return errors.New("agent: Run may be called only once")
	}
	life, endLife := context.WithCancel(context.WithoutCancel(ctx))
	a.life = life
	var loops sync.WaitGroup
	defer loops.Wait()
	defer endLife()

	if a.cfg.AgentAddress != "" {
		srv, err := a.listen()
		if err != nil {
			return err
		}
		loops.Go(func() { a.serve(life, srv) })
	}

	backend, tenantID, ok := a.register(ctx)
	if !ok {
		return nil // stopped before the backend answered: nothing was claimed
	}
	a.backend, a.tenantID = backend, tenantID
	a.log.Info(fmt.Sprintf("Starting %s with labels %s", a.cfg.Type, pyList(a.cfg.Labels)))
	a.log.Info("Waiting for flow runs...")

	claimCtx, endClaiming := context.WithCancel(ctx)
	defer endClaiming()
	runCtx, abortRuns := context.WithCancel(ctx)
	defer abortRuns()
	loops.Go(func() { a.outboxLoop(life) })
	loops.Go(func() { a.cancelLoop(life) })
	if w, ok := backend.(RunWaiter); ok {
		loops.Go(func() { a.longPollLoop(claimCtx, w) })
	}
	a.adopt(claimCtx)
	a.pollLoop(claimCtx, runCtx)
	endClaiming()
	return a.shutdown(ctx, abortRuns)
}

// shutdown ends the runs in flight and delivers what is owed. After Stop (or MaxPolls)
// runs get the drain grace to finish; when ctx has ended, or the grace is over, they
// are stopped.
func (a *Agent) shutdown(ctx context.Context, abortRuns context.CancelFunc) error {
	a.closeStop("") // a run waiting for its start time gives up now
	if ctx.Err() == nil {
		a.drain(ctx)
	}
	hard := ctx.Err() != nil
	if n, _ := a.runs.count(); n > 0 {
		a.log.Warn(fmt.Sprintf("Stopping %d flow run(s) before shutting down...", n))
	}
	for _, r := range a.runs.all() {
		a.stopRun(r, stopShutdown) // first, so that a launch cut short reads as shutdown
	}
	abortRuns()
	a.work.Wait()

	// What is owed gets the deliver grace after a drain, cut short if ctx ends meanwhile;
	// after a forced shutdown it gets the cancel grace, to report the runs just stopped.
	grace, forced := a.cfg.DeliverGrace, ctx.Done()
	if hard {
		grace, forced = a.cfg.CancelGrace, nil
	}
	if lost := a.flushOutbox(grace, forced); len(lost) > 0 {
		for _, what := range lost {
			a.log.Error("Could not deliver to the backend before shutting down: " + what)
		}
		return fmt.Errorf("agent: %d state change(s) or log(s) could not be delivered to the backend at %s; the runs concerned keep their last delivered state",
			len(lost), a.cfg.APIURL)
	}
	a.log.Info("Agent stopped")
	return nil
}

// drain waits for the runs in flight to end, up to the drain grace or ctx's end.
func (a *Agent) drain(ctx context.Context) {
	n, changed := a.runs.count()
	if n == 0 {
		return
	}
	grace := a.deps.Clock.NewTimer(a.cfg.DrainGrace)
	defer grace.Stop()
	a.log.Info(fmt.Sprintf("Waiting up to %s for %d flow run(s) to finish...", a.cfg.DrainGrace, n))
	for n > 0 {
		select {
		case <-changed:
			n, changed = a.runs.count()
		case <-grace.C():
			a.log.Warn(fmt.Sprintf("The drain grace of %s is over", a.cfg.DrainGrace))
			return
		case <-ctx.Done():
			a.log.Warn("Shutdown forced: not waiting for the flow runs any longer")
			return
		}
	}
}

// stopRun asks a run to stop for reason. A launched run's process is stopped (SIGTERM,
// the cancel grace, SIGKILL); one not launched yet is not launched.
func (a *Agent) stopRun(r *run, reason stopReason) {
	h, first := r.requestStop(reason)
	if !first || h == nil {
		return
	}
	a.work.Go(func() { a.stopProcess(r, h, reason) })
}

func (a *Agent) stopProcess(r *run, h launcher.Handle, reason stopReason) {
	if reason == stopShutdown {
		a.reportShutdown(r)
	}
	a.log.Info(fmt.Sprintf("Stopping flow run %s (%s)...", r.id(), h.ID()))
	if err := h.Stop(a.life, a.cfg.CancelGrace); err != nil {
		a.log.Error(fmt.Sprintf("Could not stop flow run %s", r.id()), zap.Error(err))
	}
}

// poke wakes the poll loop; a wake-up already pending is enough.
func (a *Agent) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// stopped reports whether Stop was called.
func (a *Agent) stopped() bool {
	select {
	case <-a.stop:
		return true
	default:
		return false
	}
}
