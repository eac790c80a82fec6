// Package flowrun is `outpost execute flow-run`, the process an agent launches for a
// native Outpost flow. It reads the run, sets it Running, loads the flow's storage
// (Script, Local or GitHub), runs the command in its own process group with exactly the
// environment it was given, streams its redacted output to its own stdout and to the
// run's logs, heartbeats, stops the command when the run is cancelled, and sets the
// final state from how the command ended.
//
// Exit status: Run returns nil once the run has a final state (Success, Failed or
// Cancelled alike, set by Run or, for a stopped run, kept from whoever stopped it), since the agent treats a finished state as final whatever the
// exit code. It returns an error only when no final state could be set, so that the
// agent sets Failed itself.
package flowrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/runconfig"
	"github.com/outposthq/outpost/secrets"
)

// Defaults of the Runner's intervals.
const (
	DefaultHeartbeatInterval = 30 * time.Second // cloud.heartbeat_interval
	// MaxCancelInterval caps cloud.check_cancellation_interval (15 s in Prefect), so that
	// a cancelled run stops promptly.
	MaxCancelInterval  = 2 * time.Second
	DefaultGrace       = 10 * time.Second // from SIGTERM to SIGKILL when stopping the command
	DefaultLogInterval = time.Second      // how often output is sent to the run's logs
)

// reportTimeout bounds the final log flush and the final state once the command has
// ended, also when this process was told to stop.
const reportTimeout = 30 * time.Second

const (
	stateCancelling = "Cancelling"
	stateCancelled  = "Cancelled"
)

// ErrNoRunID is returned when there is no flow run to execute.
var ErrNoRunID = errors.New("no flow run id: " + runconfig.EnvFlowRunID + " is not set; " +
	"outpost execute flow-run is started by an agent, which sets it to the id of the run")

// errCancelRequested is why a run's context ends when the backend says it is cancelled.
var errCancelRequested = errors.New("the flow run was cancelled")

// Backend is what a flow run needs from the backend; *api.Client implements it.
type Backend interface {
	FlowRun(ctx context.Context, id string) (api.FlowRunInfo, error)
	FlowRunState(ctx context.Context, id string) (version int, state string, err error)
	SetFlowRunState(ctx context.Context, runID string, version *int, state api.State) error
	WriteRunLogs(ctx context.Context, entries []api.LogEntry) error
	FlowRunHeartbeat(ctx context.Context, runID string) error
}

// Runner executes native flow runs. Client and Config are required.
type Runner struct {
	Client Backend
	// Config is the flow run's configuration, loaded from Env: it gives the heartbeat and
	// cancellation intervals and the context secrets (the GitHub token among them).
	Config *config.Config
	// APIKey is the key Client authenticates with, hidden from the output like every
	// secret; optional.
	APIKey secrets.Value
	// Env is the command's environment, passed on exactly (os.Environ()).
	Env    []string
	Stdout io.Writer    // receives the command's redacted output; nil discards it
	HTTP   *http.Client // downloads GitHub storage; nil uses a client with a timeout
	Logger *zap.Logger  // nil logs nothing
	Now    func() time.Time
	// Tick returns a channel that ticks every d and a function that stops it; nil uses a
	// time.Ticker. Intervals used: the heartbeat interval, the cancellation interval and
	// LogInterval.
	Tick        func(d time.Duration) (<-chan time.Time, func())
	Grace       time.Duration // DefaultGrace when 0
	LogInterval time.Duration // DefaultLogInterval when 0
}

// Run executes flow run runID and sets its final state; see the package comment for what
// its error means.
func (r *Runner) Run(ctx context.Context, runID string) error {
	if runID == "" {
		return ErrNoRunID
	}
	if r.Client == nil || r.Config == nil {
		return errors.New("flowrun: the Runner needs a Client and a Config")
	}
	settings, err := r.Config.Settings()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	x := &execution{r: r, runID: runID, settings: settings, contextSecrets: r.Config.ContextSecrets()}
	x.log = r.logger().With(zap.String("flow_run_id", runID))
	apiKey, _ := r.APIKey.Reveal().(string)
	x.values = secretValues(x.contextSecrets, r.Env, apiKey, settings.APIKey)
	x.red = secrets.NewRedactor(io.Discard, secrets.WithWarn(func(msg string) { x.log.Warn(msg) }))
	x.red.Add(x.values...)
	write := r.Client.WriteRunLogs
	if !settings.SendFlowRunLogs {
		// cloud.send_flow_run_logs = false keeps the run's output off the backend, as in
		// Prefect; it still goes to stdout.
		write = func(context.Context, []api.LogEntry) error { return nil }
	}
	x.logs = newBatcher(runID, write, r.now, x.log)
	x.out = &output{stdout: r.stdout(), logs: x.logs}
	return x.run(ctx)
}

// execution is one flow run being executed.
type execution struct {
	r              *Runner
	runID          string
	settings       config.Settings
	contextSecrets map[string]any
	log            *zap.Logger
	values         []string          // the texts no output may show
	red            *secrets.Redactor // redacts messages: states, errors
	logs           *batcher
	out            *output
}

func (x *execution) run(ctx context.Context) error {
	info, err := x.r.Client.FlowRun(ctx, x.runID)
	if err != nil {
		return fmt.Errorf("read flow run %s: %w", x.runID, err)
	}
	switch {
	case api.IsFinished(info.State):
		x.log.Info("the run has already finished; nothing to do", zap.String("state", info.State))
		return nil
	case info.State == stateCancelling:
		return x.setFinal(ctx, api.Cancelled("Flow run is cancelled; it was cancelled before it started"))
	}
	// Running is the one state sent with the version read, as Prefect's runner does.
	version := info.Version
	if err := x.r.Client.SetFlowRunState(ctx, x.runID, &version, api.Running("Running flow.")); err != nil {
		return fmt.Errorf("set flow run %s Running: %w", x.runID, err)
	}

	// Logs and the final state outlive ctx: a run stopped by a signal still reports.
	report := context.WithoutCancel(ctx)
	logCtx, stopLogCtx := context.WithCancel(report)
	defer stopLogCtx()
	tick, stopTick := x.r.tick(x.r.logInterval())
	defer stopTick()
	stopLogs, logsDone := make(chan struct{}), make(chan error, 1)
	go func() { logsDone <- x.logs.run(logCtx, tick, stopLogs) }()

	state, kept := x.execute(ctx, info.Flow.Storage)
	level := "INFO"
	if state.Type == "Failed" {
		level = "ERROR"
	}
	x.logs.add(RunnerLogName, level, state.Message)
	close(stopLogs)
	deadline := time.AfterFunc(reportTimeout, stopLogCtx)
	if err := <-logsDone; err != nil {
		x.log.Error("some of the run's output could not be sent to its logs", zap.Error(err))
	}
	deadline.Stop()
	if kept {
		x.log.Info("the run was given its final state by whoever stopped it; keeping it")
		return nil
	}
	return x.setFinal(report, state)
}

// execute runs the flow's command and returns the run's final state; kept means the
// run was stopped and has its final state on the backend already, to be kept.
func (x *execution) execute(ctx context.Context, storage json.RawMessage) (state api.State, kept bool) {
	runCtx, cancelRun := context.WithCancelCause(ctx)
	var watchers sync.WaitGroup
	defer func() {
		cancelRun(nil)
		watchers.Wait()
	}()
	hbTick, stopHB := x.r.tick(x.heartbeatInterval())
	defer stopHB()
	cancelTick, stopCancelTick := x.r.tick(x.cancelInterval())
	defer stopCancelTick()
	watchers.Go(func() { x.heartbeat(runCtx, hbTick) })
	watchers.Go(func() { x.watchCancel(runCtx, cancelTick, func() { cancelRun(errCancelRequested) }) })

	cmd, err := x.load(runCtx, storage)
	if err != nil {
		if runCtx.Err() != nil {
			return x.stopped(runCtx, "before the command started")
		}
		return x.failed(err.Error()), false
	}
	defer cmd.close()
	x.logs.add(RunnerLogName, "INFO", x.red.RedactString("Running "+strings.Join(cmd.argv, " ")))
	stdout, stderr := newStream(x.out, "INFO", x.values), newStream(x.out, "ERROR", x.values)
	g, err := startGroup(cmd.argv, x.r.Env, stdout, stderr)
	if err != nil {
		return x.failed(err.Error()), false
	}
	x.log.Info("command started", zap.Int("pid", g.pgid))

	stopped, killed := false, false
	select {
	case <-g.exited:
	case <-runCtx.Done():
		stopped = true
		if killed, err = g.stop(x.r.grace()); err != nil {
			x.log.Warn("could not signal the command's process group", zap.Error(err))
		}
	}
	g.drain()
	stdout.close()
	stderr.close()
	code, signal := g.exit()
	how := exitText(code, signal)
	switch {
	case stopped && killed:
		return x.stopped(runCtx, fmt.Sprintf("the command was stopped (%s after a grace period of %s)", how, x.r.grace()))
	case stopped:
		return x.stopped(runCtx, "the command was stopped ("+how+")")
	case code == 0 && signal == "":
		return api.Success("Command exited 0"), false
	}
	return x.failed("Command failed: " + how), false
}

// stopped is the final state of a run whose command was stopped or never started:
// Cancelled when the run was cancelled, Failed when this process was told to stop
// (SIGTERM or SIGINT) for another reason. A signal comes with no reason, so the state
// on the backend is read: whoever sent it may have said why there first (an agent that
// shuts down sets the run Failed, one that cancels it sets it Cancelling), and a
// finished state is kept, never overwritten (kept is then true).
func (x *execution) stopped(runCtx context.Context, what string) (state api.State, kept bool) {
	if errors.Is(context.Cause(runCtx), errCancelRequested) {
		return api.Cancelled("Flow run is cancelled; " + what), false
	}
	switch current := x.backendState(runCtx); {
	case current == stateCancelling || current == stateCancelled:
		return api.Cancelled("Flow run is cancelled; " + what), false
	case api.IsFinished(current):
		return api.State{Type: current, Message: "The flow-run process was told to stop by a signal; " + what +
			"; the run was already " + current + ", which it keeps"}, true
	}
	return x.failed("The flow-run process was told to stop by a signal; " + what), false
}

// backendState reads the run's state for a stop that came as a signal; "" when it
// cannot be read.
func (x *execution) backendState(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	_, state, err := x.r.Client.FlowRunState(ctx, x.runID)
	if err != nil {
		x.log.Warn("could not read the run's state after a signal", zap.Error(err))
		return ""
	}
	return state
}

func (x *execution) failed(msg string) api.State {
	return api.Failed(x.red.RedactString(msg))
}

// setFinal sets the final state with no version, as Prefect's runner does after Running.
func (x *execution) setFinal(ctx context.Context, state api.State) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	if err := x.r.Client.SetFlowRunState(ctx, x.runID, nil, state); err != nil {
		return fmt.Errorf("set flow run %s %s (%s): %w", x.runID, state.Type, state.Message, err)
	}
	x.log.Info("the run has finished", zap.String("state", state.Type), zap.String("message", state.Message))
	return nil
}

func (x *execution) heartbeatInterval() time.Duration {
	if x.settings.HeartbeatInterval > 0 {
		return x.settings.HeartbeatInterval
	}
	return DefaultHeartbeatInterval
}

func (x *execution) cancelInterval() time.Duration {
	if d := x.settings.CheckCancellationInterval; d > 0 && d < MaxCancelInterval {
		return d
	}
	return MaxCancelInterval
}

// exitText says how the command ended: "exit code N" or "killed by SIGNAME".
func exitText(code int, signal string) string {
	if signal != "" {
		return "killed by " + signal
	}
	return fmt.Sprintf("exit code %d", code)
}

func (r *Runner) logger() *zap.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return zap.NewNop()
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) tick(d time.Duration) (<-chan time.Time, func()) {
	if r.Tick != nil {
		return r.Tick(d)
	}
	t := time.NewTicker(d)
	return t.C, t.Stop
}

func (r *Runner) stdout() io.Writer {
	if r.Stdout != nil {
		return r.Stdout
	}
	return io.Discard
}

func (r *Runner) httpClient() *http.Client {
	if r.HTTP != nil {
		return r.HTTP
	}
	return &http.Client{Timeout: 5 * time.Minute}
}

func (r *Runner) grace() time.Duration {
	if r.Grace > 0 {
		return r.Grace
	}
	return DefaultGrace
}

func (r *Runner) logInterval() time.Duration {
	if r.LogInterval > 0 {
		return r.LogInterval
	}
	return DefaultLogInterval
}
