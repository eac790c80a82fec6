package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
)

// Outbox retries: quick at first, then every half minute for as long as it takes.
const (
	outboxRetryBase = 500 * time.Millisecond
	outboxRetryMax  = 30 * time.Second
	// outboxRequestTimeout bounds one attempt, so a hung request cannot hold the queue.
	outboxRequestTimeout = time.Minute
)

// delivery is one thing the agent owes the backend about a run: a log line or a state.
type delivery struct {
	what string // for logs: what would be lost
	// send delivers it; it may be called again after an error and must then not
	// repeat what already went through.
	send func(ctx context.Context, b Backend) error
}

// outbox holds the deliveries owed, in the order they were owed: every log and state
// after a claim goes through it, so that a backend outage delays them but loses none.
// Submitted is not in it: a claim that does not go through simply is not a claim.
type outbox struct {
	mu      sync.Mutex
	queue   []*delivery
	changed chan struct{} // closed and replaced when the queue shrinks
	kick    chan struct{} // something new to deliver, or the backend is back
}

func newOutbox() *outbox {
	return &outbox{changed: make(chan struct{}), kick: make(chan struct{}, 1)}
}

// owe queues d for delivery.
func (a *Agent) owe(d *delivery) {
	a.outbox.mu.Lock()
	a.outbox.queue = append(a.outbox.queue, d)
	a.outbox.mu.Unlock()
	a.kickOutbox()
}

func (a *Agent) kickOutbox() {
	select {
	case a.outbox.kick <- struct{}{}:
	default:
	}
}

// outboxLoop delivers what is owed, oldest first, retrying with capped backoff while
// the backend fails. It has no stop arm: it must outlive Stop to deliver the states of
// the runs that drain, and ends only with the agent's life (ctx).
func (a *Agent) outboxLoop(ctx context.Context) {
	failures := 0
	var retry <-chan time.Time
	var timer Timer
	for {
		select {
		case <-a.outbox.kick:
		case <-retry:
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return
		}
		if timer != nil {
			timer.Stop()
			timer, retry = nil, nil
		}
		if err := a.deliverAll(ctx); err != nil {
			failures++
			wait := a.retryDelay(failures, outboxRetryBase, outboxRetryMax)
			a.log.Warn(fmt.Sprintf("Could not deliver to the backend; trying again in %s seconds", pySeconds(wait)), zap.Error(err))
			timer = a.deps.Clock.NewTimer(wait)
			retry = timer.C()
			continue
		}
		failures = 0
	}
}

// deliverAll delivers the queue in order and stops at the first delivery that may yet
// succeed later, returning its error. One that can never succeed is dropped, loudly.
func (a *Agent) deliverAll(ctx context.Context) error {
	for {
		o := a.outbox
		o.mu.Lock()
		if len(o.queue) == 0 {
			o.mu.Unlock()
			return nil
		}
		d := o.queue[0]
		o.mu.Unlock()

		reqCtx, cancel := context.WithTimeout(ctx, outboxRequestTimeout)
		err := d.send(reqCtx, a.backend)
		cancel()
		if err != nil && retryable(err) {
			if ctx.Err() != nil {
				return nil // the agent's life is over; flushOutbox reports what is left
			}
			return fmt.Errorf("%s: %w", d.what, err)
		}
		if err != nil {
			a.log.Error("The backend refused "+d.what+"; giving up on it", zap.Error(err))
		}
		o.mu.Lock()
		o.queue = o.queue[1:]
		close(o.changed)
		o.changed = make(chan struct{})
		o.mu.Unlock()
	}
}

// retryable reports whether a failed delivery may succeed later: the backend was
// unreachable or overloaded, the run changed under it (the state is re-read), or the
// credentials were refused (they can be fixed without restarting the agent).
func retryable(err error) bool {
	var transport *api.TransportError
	return errors.As(err, &transport) ||
		errors.Is(err, api.ErrVersionLock) ||
		errors.Is(err, api.ErrUnauthenticated) ||
		errors.Is(err, api.ErrMalformedResponse) ||
		errors.Is(err, context.DeadlineExceeded)
}

// flushOutbox waits up to grace, or until forced is closed, for the outbox to empty and
// returns what is still owed then.
func (a *Agent) flushOutbox(grace time.Duration, forced <-chan struct{}) []string {
	o := a.outbox
	timer := a.deps.Clock.NewTimer(grace)
	defer timer.Stop()
	a.kickOutbox()
	for {
		o.mu.Lock()
		n, changed := len(o.queue), o.changed
		o.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-changed:
			continue
		case <-timer.C():
		case <-forced:
		}
		o.mu.Lock()
		defer o.mu.Unlock()
		lost := make([]string, len(o.queue))
		for i, d := range o.queue {
			lost[i] = d.what
		}
		return lost
	}
}
