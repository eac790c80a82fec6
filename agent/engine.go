package agent

import (
	"context"
	"fmt"
	"time"
)

// pinger is a launcher whose engine can be asked whether it answers (the Docker
// launcher). The agent claims no run while it does not, and /api/health says so.
type pinger interface {
	Ping(ctx context.Context) error
}

const (
	// pingTimeout bounds one ping, so that a hung engine cannot hold up a health check
	// or a deploy for long.
	pingTimeout = 5 * time.Second
	// A run waiting for the engine asks it again after these capped, doubling waits.
	engineRetryBase = time.Second
	engineRetryMax  = 30 * time.Second
)

// waitForEngine holds a selected run, unclaimed, until the launcher's engine answers,
// so that an engine that is down fails no run: the run stays in the queue, for this
// agent once the engine is back or for another agent meanwhile. It returns false when
// the agent stops or shuts down first.
func (a *Agent) waitForEngine(ctx context.Context, r *run) bool {
	for attempt := 1; ; attempt++ {
		err := a.health.pingEngine(ctx)
		if err == nil {
			return true
		}
		wait := a.retryDelay(attempt, engineRetryBase, engineRetryMax)
		a.log.Debug(fmt.Sprintf("Flow run %s waits for the launcher's engine; asking again in %s seconds", r.id(), pySeconds(wait)))
		if !a.sleep(ctx, wait, a.stop) {
			return false
		}
	}
}
