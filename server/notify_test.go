package server

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestNotifier(t *testing.T) {
	n := NewNotifier()
	ctx := t.Context()

	// Wait returns at once when the sequence has moved past since.
	n.Notify("a")
	if seq, err := n.Wait(ctx, "a", 0); err != nil || seq != 1 {
		t.Fatalf("Wait after Notify = %d, %v; want 1", seq, err)
	}
	// A since from an earlier server process (ahead of this one) returns at once.
	if seq, err := n.Wait(ctx, "a", 57); err != nil || seq != 1 {
		t.Fatalf("Wait with a stale since = %d, %v; want 1", seq, err)
	}

	// Waiters are released by a Notify of their tenant only.
	type result struct {
		seq uint64
		err error
	}
	waitA, waitB := make(chan result, 1), make(chan result, 1)
	go func() { s, err := n.Wait(ctx, "a", 1); waitA <- result{s, err} }()
	go func() { s, err := n.Wait(ctx, "b", 0); waitB <- result{s, err} }()
	n.Notify("a")
	select {
	case r := <-waitA:
		if r.err != nil || r.seq != 2 {
			t.Fatalf("released waiter got %d, %v; want 2", r.seq, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Notify did not release the waiter")
	}

	// Context cancellation ends a wait.
	cctx, cancel := context.WithCancel(ctx)
	waitC := make(chan result, 1)
	go func() { s, err := n.Wait(cctx, "c", 0); waitC <- result{s, err} }()
	cancel()
	if r := <-waitC; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("cancelled wait = %d, %v", r.seq, r.err)
	}

	// Close releases everyone else, and later waits fail at once.
	n.Close()
	if r := <-waitB; !errors.Is(r.err, ErrNotifierClosed) {
		t.Fatalf("wait across Close = %d, %v; want ErrNotifierClosed", r.seq, r.err)
	}
	if _, err := n.Wait(ctx, "a", 2); !errors.Is(err, ErrNotifierClosed) {
		t.Fatalf("Wait after Close: %v", err)
	}
	n.Notify("a") // no panic on a closed notifier
	n.Close()
}
