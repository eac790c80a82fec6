package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
)

// Prefect's claim messages; the task-run one has a trailing period, the flow-run one not.
const (
	msgSubmitted         = "Submitted for execution"
	msgTaskRunSubmitted  = "Submitted for execution."
	msgCancelled         = "Flow run was cancelled"
	msgShutdownNotLaunch = "The agent shut down before the flow run started"
)

// deploy takes one selected run through its life: wait for its start time, claim it,
// build what it needs, launch it and track it to its end. The slot is given back when
// it returns. ctx ends when the agent shuts down hard.
func (a *Agent) deploy(ctx context.Context, r *run) {
	defer a.release(r)
	if !a.waitForStart(ctx, r) || !a.waitForEngine(ctx, r) {
		return
	}
	id := r.id()
	a.log.Info(fmt.Sprintf("Deploying flow run %s to execution environment...", id))
	if !a.claim(ctx, r) {
		return
	}
	if reason := r.stopReason(); reason != notStopped {
		a.abandonClaimed(r, reason)
		return
	}
	spec, err := a.launchSpec(ctx, r)
	if err != nil {
		a.launchFailed(r, err)
		return
	}
	out := a.output(r)
	spec.Output = out
	h, err := a.deps.Launcher.Launch(ctx, spec)
	if err != nil {
		_ = out.Close()
		a.launchFailed(r, err)
		return
	}
	now := a.deps.Clock.Now()
	a.metrics.launchLatency.Observe(max(0, now.Sub(dueTime(r.meta, now)).Seconds()))
	if reason := r.setHandle(h); reason != notStopped {
		a.work.Go(func() { a.stopProcess(r, h, reason) }) // asked to stop while it was launching
	}
	a.log.Debug(fmt.Sprintf("Submitted flow run %s to process %s", id, h.ID()))
	a.log.Info(fmt.Sprintf("Completed deployment of flow run %s", id))
	a.owe(a.runLog(r, "INFO", "Submitted for execution: "+h.ID()))
	a.track(r, h, out)
}

// dueTime is when a run was due: its state's start time, else its scheduled start.
func dueTime(m api.FlowRunMeta, now time.Time) time.Time {
	if t, ok := m.StartTime(); ok {
		return t
	}
	if !m.ScheduledStartTime.IsZero() {
		return m.ScheduledStartTime
	}
	return now
}

// release gives the run's slot back and, when a poll left runs behind for want of
// one, polls again now.
func (a *Agent) release(r *run) {
	if a.runs.release(r) {
		a.poke()
	}
}

// waitForStart sleeps until the run's start time (runs are fetched up to ten seconds
// early). It returns false when the agent stops claiming or shuts down meanwhile.
func (a *Agent) waitForStart(ctx context.Context, r *run) bool {
	now := a.deps.Clock.Now()
	if delay := startOf(r.meta, now).Sub(now); delay > 0 {
		a.log.Debug(fmt.Sprintf("Waiting %ss to deploy flow run %s on time...", pySeconds(delay), r.id()))
		if !a.sleep(ctx, delay, a.stop) {
			return false
		}
	}
	return !a.stopped() && ctx.Err() == nil
}

// claim sets the run Submitted with the version read, and its task runs that are due
// too, so that no other agent runs it. It reports whether the agent holds the run. A
// claim lost to another agent is normal and silent.
func (a *Agent) claim(ctx context.Context, r *run) bool {
	meta := r.meta
	flowClaimed := false
	if api.IsScheduled(meta.State) {
		state := api.Submitted(msgSubmitted)
		state.Inner = meta.SerializedState
		if err := a.backend.SetFlowRunState(ctx, meta.ID, &meta.Version, state); err != nil {
			a.claimFailed(meta.ID, err)
			return false
		}
		flowClaimed = true
	}
	taskClaimed := false
	for _, tr := range meta.TaskRuns {
		var current api.State
		if err := current.UnmarshalJSON(tr.SerializedState); err != nil || !api.IsScheduled(current.Type) {
			continue
		}
		state := api.Submitted(msgTaskRunSubmitted)
		state.Inner = tr.SerializedState
		if err := a.backend.SetTaskRunState(ctx, tr.ID, &tr.Version, state); err != nil {
			if !flowClaimed {
				// A Running flow run is deployed for its task runs only: whoever
				// claimed them runs it.
				a.claimFailed(meta.ID, err)
				return false
			}
			a.log.Debug(fmt.Sprintf("Could not submit task run %s of flow run %s", tr.ID, meta.ID), zap.Error(err))
			continue
		}
		taskClaimed = true
	}
	if !flowClaimed && !taskClaimed {
		a.log.Debug(fmt.Sprintf("Flow run %s has nothing left to submit: another agent has it", meta.ID))
		return false
	}
	r.markClaimed()
	a.metrics.runsSubmitted.Inc()
	return true
}

// claimFailed handles a claim the backend refused or did not confirm. Either way the
// run is not launched: launching a run this agent may not hold could run it twice.
func (a *Agent) claimFailed(id string, err error) {
	switch {
	case errors.Is(err, api.ErrVersionLock), errors.Is(err, api.ErrAlreadySubmitted):
		a.metrics.claimConflicts.Inc()
		a.log.Debug(fmt.Sprintf("Updating Flow Run state failed: %v", err), zap.String("flow_run_id", id))
	case a.life.Err() != nil || errors.Is(err, context.Canceled):
		a.log.Debug(fmt.Sprintf("Claim of flow run %s cut short by shutdown", id))
	default:
		a.log.Warn(fmt.Sprintf("Could not claim flow run %s; it stays in the queue", id), zap.Error(err))
	}
}

// deployFailed is Prefect's failure path for a claimed run that could not be launched:
// the error goes to the agent's log and the run's, and the run is set Failed with it.
func (a *Agent) deployFailed(r *run, err error) {
	id := r.id()
	msg := err.Error()
	a.log.Error(fmt.Sprintf("Exception encountered while deploying flow run %s", id), zap.Error(err))
	a.log.Error(fmt.Sprintf("Updating flow run %s state to Failed...", id))
	a.owe(a.finalState(r, api.Failed(msg), "ERROR"))
	a.log.Error(fmt.Sprintf("Deployment of %s aborted!", id))
}

// launchFailed ends a claimed run that could not be launched: failed with the error,
// unless it was asked to stop meanwhile and the error is only the launch cut short.
func (a *Agent) launchFailed(r *run, err error) {
	if reason := r.stopReason(); reason != notStopped {
		a.abandonClaimed(r, reason)
		return
	}
	a.deployFailed(r, err)
}

// abandonClaimed ends a claimed run that was asked to stop before it was launched.
func (a *Agent) abandonClaimed(r *run, reason stopReason) {
	if reason == stopCancel {
		a.log.Info(fmt.Sprintf("Flow run %s was cancelled before it was launched", r.id()))
		a.owe(a.finalState(r, api.Cancelled(msgCancelled), "INFO"))
		return
	}
	a.log.Warn(fmt.Sprintf("Flow run %s was not launched: the agent is shutting down", r.id()))
	a.owe(a.finalState(r, api.Failed(msgShutdownNotLaunch), "ERROR"))
}
