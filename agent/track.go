package agent

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/launcher"
)

// msgAgentShutdown is the Failed message of a run the agent stopped on shutdown.
const msgAgentShutdown = "Flow run process was stopped because the agent shut down"

// shutdownReportTimeout bounds the report that comes before stopping a run at shutdown,
// so that a backend that does not answer delays the stop by this much at most.
const shutdownReportTimeout = 10 * time.Second

// reportShutdown sets a run the agent is about to stop at shutdown Failed, saying why,
// before its process is signalled. A process may report its own end when signalled
// (outpost execute flow-run does), and it keeps a finished state rather than overwrite
// it: so the reason must be on the backend first. The run process knows only that it
// got a signal; the agent knows why. Cancellation needs none of this: the backend says
// Cancelling already. When the report does not go through, track owes it as before.
func (a *Agent) reportShutdown(r *run) {
	ctx, cancel := context.WithTimeout(a.life, shutdownReportTimeout)
	defer cancel()
	err := a.finalState(r, api.Failed(msgAgentShutdown), "ERROR").send(ctx, a.backend)
	if err != nil {
		a.log.Warn(fmt.Sprintf("Could not report flow run %s stopped before stopping it; reporting it once it has stopped", r.id()), zap.Error(err))
	}
	r.endReport(err == nil)
}

// track waits for a launched run's process to end and owes the backend the run's final
// state, unless the run reached one by itself or the agent reported it before stopping
// it: Cancelled when it was cancelled, Failed with the exit status when the process
// ended without reporting an end.
func (a *Agent) track(r *run, h launcher.Handle, out *lineWriter) {
	a.metrics.runsRunning.Inc()
	res, err := h.Wait(a.life)
	a.metrics.runsRunning.Dec()
	if cerr := out.Close(); cerr != nil {
		a.log.Warn(fmt.Sprintf("Could not print the last output of flow run %s", r.id()), zap.Error(cerr))
	}
	id := r.id()
	if err != nil {
		// Only the end of the agent's life ends the wait; the process was stopped
		// before that, so the exit status is unknown, not the outcome.
		a.log.Error(fmt.Sprintf("Lost track of flow run %s (%s)", id, h.ID()), zap.Error(err))
		if !r.wasReported() {
			a.owe(a.finalState(r, api.Failed(msgAgentShutdown), "ERROR"))
		}
		return
	}
	if res.Err != nil {
		a.log.Warn(fmt.Sprintf("Flow run %s: trouble around its process", id), zap.Error(res.Err))
	}
	a.log.Info(fmt.Sprintf("Flow run %s process (%s) ended: %s", id, h.ID(), res))
	if r.wasReported() {
		return // its final state was delivered before it was stopped
	}

	switch r.stopReason() {
	case stopCancel:
		a.owe(a.finalState(r, api.Cancelled(msgCancelled), "INFO"))
	case stopShutdown:
		a.owe(a.finalState(r, api.Failed(msgAgentShutdown), "ERROR"))
	default:
		a.owe(a.finalState(r, api.Failed(exitMessage(res)), "ERROR"))
	}
}

// exitMessage is the Failed message of a process that ended without a final state.
func exitMessage(res launcher.Result) string {
	if res.Signal != "" {
		return "Flow run process was killed by " + res.Signal
	}
	return fmt.Sprintf("Flow run process exited with code %d", res.ExitCode)
}

// finalState is the delivery that gives a run state, with a run log of its message at
// level, unless the run already reached a finished state by itself (its process
// reported Success, say) or was put back in the queue. The state is set against the
// version just read, so a state set meanwhile is never overwritten.
func (a *Agent) finalState(r *run, state api.State, level string) *delivery {
	logged := false
	return &delivery{
		what: fmt.Sprintf("state %s (%q) of flow run %s", state.Type, state.Message, r.id()),
		send: func(ctx context.Context, b Backend) error {
			version, current, err := b.FlowRunState(ctx, r.id())
			if err != nil {
				return err
			}
			if api.IsFinished(current) {
				a.metrics.countFinal(current)
				a.log.Debug(fmt.Sprintf("Flow run %s ended %s by itself", r.id(), current))
				return nil
			}
			if api.IsScheduled(current) {
				a.log.Info(fmt.Sprintf("Flow run %s is %s again: leaving it to whoever runs it next", r.id(), current))
				return nil
			}
			if !logged {
				if err := b.WriteRunLogs(ctx, []api.LogEntry{a.logEntry(r.id(), level, state.Message)}); err != nil {
					return err
				}
				logged = true
			}
			if err := b.SetFlowRunState(ctx, r.id(), &version, state); err != nil {
				return err
			}
			a.metrics.countFinal(state.Type)
			a.log.Info(fmt.Sprintf("Flow run %s set %s: %s", r.id(), state.Type, state.Message))
			return nil
		},
	}
}

// runLog is the delivery of one agent log line to a run's logs.
func (a *Agent) runLog(r *run, level, message string) *delivery {
	return &delivery{
		what: fmt.Sprintf("log %q of flow run %s", message, r.id()),
		send: func(ctx context.Context, b Backend) error {
			return b.WriteRunLogs(ctx, []api.LogEntry{a.logEntry(r.id(), level, message)})
		},
	}
}

// logEntry is a run log line written under the agent's name, as Prefect's agents do.
func (a *Agent) logEntry(runID, level, message string) api.LogEntry {
	return api.LogEntry{FlowRunID: runID, Name: a.cfg.Name, Level: level, Message: message}
}
