package local

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/outposthq/outpost/internal/process"
)

// How often the group is checked while it is expected to empty: quickly at first, as
// most processes end within milliseconds of a signal, then less often.
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
		if h.emptyNow() {
			return
		}
		if err := process.SignalGroup(h.pid, step.sig); err != nil {
			errs = append(errs, err)
		}
		gone, err := h.waitEmpty(h.opts.clock.After(step.wait))
		if gone {
			return
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if h.emptyNow() {
		return // it emptied just as the wait ended
	}
	members, _ := process.GroupMembers(h.pid)
	errs = append(errs, fmt.Errorf("local launcher: process group %d still has processes %v %s after SIGKILL; they are stuck in the kernel (check their state in /proc)",
		h.pid, members, h.opts.killTimeout))
	h.groupErr = errors.Join(errs...)
}

// emptyNow reports whether the leader has exited and nothing else is left in the group.
func (h *handle) emptyNow() bool {
	select {
	case <-h.exited:
	default:
		return false
	}
	members, err := process.GroupMembers(h.pid)
	return err == nil && len(members) == 0
}

// waitEmpty waits for the leader to exit, then polls until the group has no live
// process left or deadline fires.
func (h *handle) waitEmpty(deadline <-chan time.Time) (bool, error) {
	select {
	case <-h.exited:
	case <-deadline:
		return false, nil
	}
	for delay := minPoll; ; delay = min(2*delay, maxPoll) {
		members, err := process.GroupMembers(h.pid)
		if err != nil {
			return false, err
		}
		if len(members) == 0 {
			return true, nil
		}
		select {
		case <-h.opts.clock.After(delay):
		case <-deadline:
			return false, nil
		}
	}
}
