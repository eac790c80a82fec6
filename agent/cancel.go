package agent

import (
	"context"
	"fmt"

	"go.uber.org/zap"
)

// cancelLoop asks the backend, about every CancelCheck (two seconds at most), which of
// the claimed runs are Cancelling, and stops those. It has no stop arm: runs that drain
// after Stop can still be cancelled. It ends with the agent's life (ctx).
func (a *Agent) cancelLoop(ctx context.Context) {
	for {
		t := a.deps.Clock.NewTimer(min(a.jitter(a.cfg.CancelCheck), maxCancelCheck))
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			return
		}
		a.checkCancellations(ctx)
	}
}

// checkCancellations stops the claimed runs the backend says are Cancelling (or already
// Cancelled). A backend that does not answer is asked again at the next tick.
func (a *Agent) checkCancellations(ctx context.Context) {
	var claimed []*run
	var ids []string
	for _, r := range a.runs.all() {
		if r.isClaimed() && r.stopReason() == notStopped {
			claimed = append(claimed, r)
			ids = append(ids, r.id())
		}
	}
	if len(ids) == 0 {
		return
	}
	states, err := a.backend.CancellingRuns(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Debug("Could not check flow runs for cancellation; checking again shortly", zap.Error(err))
		}
		return
	}
	for _, r := range claimed {
		if state, ok := states[r.id()]; ok {
			a.log.Info(fmt.Sprintf("Flow run %s is %s: stopping it", r.id(), state))
			a.stopRun(r, stopCancel)
		}
	}
}
