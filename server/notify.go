package server

import (
	"context"
	"errors"
	"sync"
)

// ErrNotifierClosed is returned by Wait once the server is shutting down.
var ErrNotifierClosed = errors.New("the server is shutting down")

// Notifier tells waiting agents that a tenant has new work (a run was created or
// rescheduled), so an agent can long-poll instead of polling on a timer.
//
// It is in-process: with several replicas on one PostgreSQL database, pgBridge
// (pgnotify.go) calls Notify for the events every replica announces.
type Notifier struct {
	mu      sync.Mutex
	closed  bool
	tenants map[string]*topic
}

// topic is one tenant's sequence. wake is closed and replaced on every Notify, so any
// number of waiters are released at once without per-waiter bookkeeping.
type topic struct {
	seq  uint64
	wake chan struct{}
}

// NewNotifier returns a Notifier with no pending notifications.
func NewNotifier() *Notifier {
	return &Notifier{tenants: map[string]*topic{}}
}

// bump moves the sequence on and releases the current waiters.
func (t *topic) bump() {
	t.seq++
	close(t.wake)
	t.wake = make(chan struct{})
}

func (n *Notifier) topic(tenantID string) *topic {
	t, ok := n.tenants[tenantID]
	if !ok {
		t = &topic{wake: make(chan struct{})}
		n.tenants[tenantID] = t
	}
	return t
}

// Notify records new work for tenantID and wakes its waiters.
func (n *Notifier) Notify(tenantID string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	n.topic(tenantID).bump()
}

// NotifyAll wakes the waiters of every tenant this process knows, for when events may
// have been missed.
func (n *Notifier) NotifyAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	for _, t := range n.tenants {
		t.bump()
	}
}

// Seq returns tenantID's current sequence number, the `since` for a first Wait.
func (n *Notifier) Seq(tenantID string) uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.topic(tenantID).seq
}

// Wait blocks until tenantID's sequence passes since, and returns the new sequence.
// A since from before a server restart (greater than the current sequence) returns at
// once, so a client never waits for numbers this process will take long to reach.
// It returns ctx's error when ctx ends, and ErrNotifierClosed on shutdown.
func (n *Notifier) Wait(ctx context.Context, tenantID string, since uint64) (uint64, error) {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return 0, ErrNotifierClosed
	}
	t := n.topic(tenantID)
	if t.seq != since {
		seq := t.seq
		n.mu.Unlock()
		return seq, nil
	}
	wake := t.wake
	n.mu.Unlock()

	select {
	case <-wake:
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.closed {
			return 0, ErrNotifierClosed
		}
		return t.seq, nil
	case <-ctx.Done():
		return since, ctx.Err()
	}
}

// Close releases every waiter with ErrNotifierClosed; later Notify calls do nothing.
func (n *Notifier) Close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	n.closed = true
	for _, t := range n.tenants {
		close(t.wake)
	}
}
