package agent_test

import (
	"sync"
	"time"

	"github.com/outposthq/outpost/agent"
)

// signal is a broadcast: wait returns a channel closed at the next fire.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

func (s *signal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch
}

func (s *signal) fire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.ch)
	s.ch = make(chan struct{})
}

// fakeClock is the agent's clock in tests: time moves only when a test advances it,
// so every wait of the agent (poll backoff, retries, grace periods) is under the test's
// control and no test waits for a real interval. Creating a timer fires events, so a
// test can wait for a loop to go to sleep.
type fakeClock struct {
	events *signal

	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	clk *fakeClock
	at  time.Time
	d   time.Duration
	c   chan time.Time
}

func newFakeClock(events *signal) *fakeClock {
	// The real time at start, so that the backend, which keeps real time, agrees
	// about which runs are due.
	return &fakeClock{events: events, now: time.Now()}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) agent.Timer {
	c.mu.Lock()
	t := &fakeTimer{clk: c, at: c.now.Add(d), d: d, c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- c.now
	} else {
		c.timers = append(c.timers, t)
	}
	c.mu.Unlock()
	c.events.fire()
	return t
}

// Advance moves the time forward by d and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	pending := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			pending = append(pending, t)
			continue
		}
		t.c <- c.now
	}
	c.timers = pending
	c.mu.Unlock()
}

// pending returns the durations of the timers not fired or stopped yet.
func (c *fakeClock) pending() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Duration, len(c.timers))
	for i, t := range c.timers {
		out[i] = t.d
	}
	return out
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	c := t.clk
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, p := range c.timers {
		if p == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return true
		}
	}
	return false
}
