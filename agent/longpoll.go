package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
)

// Long-poll retries after an error; the poll loop keeps working meanwhile.
const (
	longPollRetryBase = time.Second
	longPollRetryMax  = 30 * time.Second
)

// longPollLoop holds a request open at the backend and wakes the poll loop whenever
// the backend's run sequence moves, so that a run created while the agent is idle
// starts at once although the idle poll interval has grown to ten seconds. It ends
// when claiming stops (ctx), or for good when the backend cannot wait.
func (a *Agent) longPollLoop(ctx context.Context, w RunWaiter) {
	var since uint64
	failures := 0
	for {
		seq, err := w.WaitForRuns(ctx, since)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, api.ErrWaitUnsupported):
			a.log.Debug("The backend cannot wake the agent for new flow runs; relying on polling alone")
			return
		case err != nil:
			failures++
			wait := a.retryDelay(failures, longPollRetryBase, longPollRetryMax)
			a.log.Debug(fmt.Sprintf("Waiting for new flow runs failed; trying again in %s seconds", pySeconds(wait)), zap.Error(err))
			if !a.sleep(ctx, wait, a.stop) {
				return
			}
			continue
		}
		failures = 0
		if seq != since {
			since = seq
			a.poke()
		}
	}
}
