package flowrun

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// heartbeat tells the backend the run is alive, at once and then on every tick, until
// ctx ends. Without heartbeats the backend takes the run for dead and reschedules or
// fails it; a failed heartbeat is logged and the next one tried.
func (x *execution) heartbeat(ctx context.Context, tick <-chan time.Time) {
	for {
		if err := x.r.Client.FlowRunHeartbeat(ctx, x.runID); err != nil && ctx.Err() == nil {
			x.log.Warn("heartbeat failed; trying again at the next interval", zap.Error(err))
		}
		select {
		case <-tick:
		case <-ctx.Done():
			return
		}
	}
}

// watchCancel reads the run's state on every tick and calls cancel once it is
// Cancelling or Cancelled. The backend pushes nothing, so the run asks.
func (x *execution) watchCancel(ctx context.Context, tick <-chan time.Time, cancel func()) {
	for {
		select {
		case <-tick:
		case <-ctx.Done():
			return
		}
		_, state, err := x.r.Client.FlowRunState(ctx, x.runID)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				x.log.Warn("could not read the run's state to check for cancellation; trying again", zap.Error(err))
			}
		case state == stateCancelling || state == stateCancelled:
			x.log.Info("the run was cancelled; stopping the command", zap.String("state", state))
			cancel()
			return
		}
	}
}
