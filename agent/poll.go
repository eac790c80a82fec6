package agent

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
)

// pollLoop polls for due runs until Stop, MaxPolls or ctx's end. Between polls it sleeps
// by Prefect's backoff table, jittered: back to the shortest wait after a poll that
// started work, one step longer after one that did not. A poke, the long poll or a
// freed slot cuts the sleep short. Deploys run on runCtx, which outlives claiming.
func (a *Agent) pollLoop(ctx, runCtx context.Context) {
	remaining := -1
	if a.cfg.MaxPolls != nil {
		remaining = *a.cfg.MaxPolls
	}
	index := 0
	for remaining != 0 && !a.stopped() && ctx.Err() == nil {
		if a.poll(ctx, runCtx) {
			index = 0
		} else if index < len(pollIntervals)-1 {
			index++
		}
		if remaining > 0 {
			remaining--
			if remaining == 0 {
				a.log.Info(fmt.Sprintf("Reached the maximum of %d polls", *a.cfg.MaxPolls))
				return // Prefect sleeps once more here; nothing is gained by it
			}
		}
		wait := a.jitter(pollIntervals[index])
		t := a.deps.Clock.NewTimer(wait)
		a.log.Debug(fmt.Sprintf("Sleeping flow run poller for %s seconds...", pySeconds(wait)))
		select {
		case <-a.wake:
		case <-t.C():
		case <-a.stop:
		case <-ctx.Done():
		}
		t.Stop()
	}
}

// poll asks for the runs due, reads them, and deploys each for which there is a free
// slot, in order of start time. It reports whether it started any.
func (a *Agent) poll(ctx, runCtx context.Context) bool {
	now := a.deps.Clock.Now()
	inFlight := a.runs.ids()
	a.metrics.polls.Inc()
	ids, err := a.backend.RunsInQueue(ctx, a.tenantID, now.Add(prefetch), a.cfg.Labels)
	if err != nil {
		a.pollFailed(ctx, "Failed to query for ready flow runs", err)
		return false
	}
	a.pollAnswered()

	var fresh, busy []string
	for _, id := range ids {
		if inFlight[id] {
			busy = append(busy, id)
		} else {
			fresh = append(fresh, id)
		}
	}
	a.logFound(fresh, busy)
	if len(fresh) == 0 {
		return false
	}
	runs, err := a.backend.FlowRunMetadata(ctx, fresh, now)
	if err != nil {
		a.pollFailed(ctx, "Failed to query for flow run metadata", err)
		return false
	}
	sortByStart(runs, now)

	started := 0
	for _, meta := range runs {
		r, ok := a.runs.acquire(meta)
		if !ok {
			a.log.Debug(fmt.Sprintf("No free slot for flow run %s (concurrency %d): leaving it for later", meta.ID, a.cfg.Concurrency))
			continue
		}
		a.log.Debug(fmt.Sprintf("Submitting flow run %s for deployment...", meta.ID))
		a.work.Go(func() { a.deploy(runCtx, r) })
		started++
	}
	return started > 0
}

func (a *Agent) logFound(fresh, busy []string) {
	var msg string
	if len(fresh) == 0 {
		msg = "No ready flow runs found."
	} else {
		msg = fmt.Sprintf("Found %d ready flow run(s): %s", len(fresh), pyList(fresh))
	}
	if len(busy) > 0 {
		msg += fmt.Sprintf(" (%d already being submitted: %s)", len(busy), pyList(busy))
	}
	a.log.Debug(msg)
}

// pollFailed records a failed poll. The agent keeps polling, further apart.
func (a *Agent) pollFailed(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return // stopping: the request was cut short on purpose
	}
	a.metrics.pollErrors.Inc()
	a.health.failed(err)
	a.log.Error(what, zap.Error(err))
}

// pollAnswered records that the backend answered; when it is back after failures, the
// outbox tries at once instead of at its next retry.
func (a *Agent) pollAnswered() {
	if a.health.answered(a.deps.Clock.Now()) {
		a.log.Info("The backend answers again")
		a.kickOutbox()
	}
}

// sortByStart orders runs by start time, as Prefect does; a run without one counts as
// starting now. Ties keep the backend's order.
func sortByStart(runs []api.FlowRunMeta, now time.Time) {
	slices.SortStableFunc(runs, func(x, y api.FlowRunMeta) int {
		return startOf(x, now).Compare(startOf(y, now))
	})
}

// startOf is when a run may start: its state's start time, else now.
func startOf(m api.FlowRunMeta, now time.Time) time.Time {
	if t, ok := m.StartTime(); ok {
		return t
	}
	return now
}
