package local

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/outposthq/outpost/internal/process"
)

// How long a run waits between checks of its group while it is expected to empty:
// little at first, as most processes end within milliseconds of a signal, then more.
// Each check is answered by the next pass of the launcher's shared Scanner, so runs
// waiting together share passes; the backoff keeps a run that waits out a long grace
// from keeping the scanner busy on its own.
const (
	minPoll = time.Millisecond
	maxPoll = 100 * time.Millisecond
)

// terminate starts the teardown of the group once; later calls, whatever their grace,
// join the first one. Its end is signalled by groupGone.
func (h *handle) terminate(grace time.Duration) {
	h.stopOnce.Do(func() { go h.endGroup(grace) })
}

// endGroup sends SIGTERM (unless grace <= 0), waits up to grace for the group to empty,
// then sends SIGKILL and waits up to the kill timeout. Signals go to the group only
// while the leader is unreaped, so the group id cannot have been reused.
func (h *handle) endGroup(grace time.Duration) {
	defer close(h.groupGone)
	// The teardown is what keeps a run from leaving processes behind: no caller's
	// context may cut it short, and its waits are bounded by the steps below.
	ctx := context.Background()
	var errs []error
	steps := []struct {
		sig  syscall.Signal
		wait time.Duration
	}{
		{syscall.SIGTERM, grace},
		{syscall.SIGKILL, h.opts.killTimeout},
	}
	for _, step := range steps {
		if step.wait <= 0 && step.sig != syscall.SIGKILL {
			continue
		}
		if h.emptyNow(ctx) {
			return
		}
		if err := process.SignalGroup(h.pid, step.sig); err != nil {
			errs = append(errs, err)
		}
		gone, err := h.waitEmpty(ctx, h.opts.clock.After(step.wait))
		if gone {
			return
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if h.emptyNow(ctx) {
		return // it emptied just as the wait ended
	}
	members, _ := h.scanner.Members(ctx, h.pid)
	errs = append(errs, fmt.Errorf("local launcher: process group %d still has processes %v %s after SIGKILL; they are stuck in the kernel (check their state in /proc)",
		h.pid, members, h.opts.killTimeout))
	h.groupErr = errors.Join(errs...)
}

// emptyNow reports whether the leader has exited and nothing live is left in its group.
// While the leader lives, the group is not empty and nothing needs to be read.
func (h *handle) emptyNow(ctx context.Context) bool {
	select {
	case <-h.exited:
	default:
		return false
	}
	empty, err := h.groupEmpty(ctx)
	return err == nil && empty
}

// waitEmpty waits for the leader to exit, then checks until the group has no live
// process left or deadline fires.
func (h *handle) waitEmpty(ctx context.Context, deadline <-chan time.Time) (bool, error) {
	select {
	case <-h.exited:
	case <-deadline:
		return false, nil
	}
	for delay := minPoll; ; delay = min(2*delay, maxPoll) {
		empty, err := h.groupEmpty(ctx)
		if err != nil || empty {
			return empty, err
		}
		select {
		case <-h.opts.clock.After(delay):
		case <-deadline:
			return false, nil
		}
	}
}

// groupEmpty reports whether no live process is left in the group, once the leader has
// exited.
//
// While the leader is an unreaped zombie, kill(-pgid, 0) succeeds whatever else is in
// the group, so only a pass over /proc can tell; the scanner's pass begins after the
// leader was seen to exit, so every process the leader left existed when it began and
// is seen. A run that leaves nothing behind thus costs one pass, shared with every run
// that ends at the same time, after which the leader is reaped with no further check.
//
// Once the leader has been reaped (only if waiting for it failed), ESRCH from
// kill(-pgid, 0) proves the group empty at no cost: no process at all has the id. Any
// other answer proves nothing, as the freed id may now name an unrelated group, so the
// pass decides.
func (h *handle) groupEmpty(ctx context.Context) (bool, error) {
	if h.leaderReaped {
		if gone, err := process.GroupGone(h.pid); err == nil && gone {
			return true, nil
		}
	}
	members, err := h.scanner.Members(ctx, h.pid)
	return err == nil && len(members) == 0, err
}
