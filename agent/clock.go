package agent

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"
)

// Clock tells the time and makes timers. Every wait in the agent goes through it, so
// tests drive the loops with a fake clock instead of waiting for real intervals.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer, like time.Timer.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

type realClock struct{}

func (realClock) Now() time.Time                 { return time.Now() }
func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

func defaultRand() float64 { return rand.Float64() }

// pollIntervals is Prefect's idle backoff table: the index grows by one after each poll
// that found nothing and goes back to 0 after one that found work.
var pollIntervals = [...]time.Duration{
	250 * time.Millisecond, 500 * time.Millisecond, time.Second,
	2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second,
}

// jitter spreads d by ±20%, so that agents started together do not poll together.
func (a *Agent) jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*a.deps.Rand()))
}

// retryDelay is the wait before retry number attempt (1, 2, ...): doubling from base,
// capped at limit, jittered.
func (a *Agent) retryDelay(attempt int, base, limit time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	return a.jitter(min(d, limit))
}

// sleep waits d on the agent's clock. It returns false when stop is closed or ctx ends
// first; a nil stop never fires.
func (a *Agent) sleep(ctx context.Context, d time.Duration, stop <-chan struct{}) bool {
	t := a.deps.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	}
}

// pySeconds renders d as Python prints a float of seconds ("0.5", "1.0", "1.234"), for
// log lines that follow Prefect's.
func pySeconds(d time.Duration) string {
	s := strconv.FormatFloat(float64(d.Round(time.Millisecond).Milliseconds())/1000, 'f', -1, 64)
	for _, c := range s {
		if c == '.' {
			return s
		}
	}
	return s + ".0"
}
