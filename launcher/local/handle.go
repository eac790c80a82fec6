package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/outposthq/outpost/internal/process"
	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/secrets"
)

// handle is one launched process group. Its supervise goroutine owns the run from
// start to Wait's result; Stop and that goroutine share the group's teardown through
// terminate, which runs once.
type handle struct {
	cmd     *exec.Cmd
	pid     int // also the process group id
	opts    options
	scanner *process.Scanner // the launcher's, shared by all its runs

	exited       chan struct{} // closed when the leader has ended (its zombie not yet reaped)
	leaderReaped bool          // the leader was reaped early, as waiting for it failed; written before exited is closed

	stopOnce  sync.Once
	groupGone chan struct{} // closed when no live process is left in the group
	groupErr  error         // written before groupGone is closed

	done   chan struct{} // closed when result is final
	result launcher.Result
}

func newHandle(cmd *exec.Cmd, opts options, scanner *process.Scanner) *handle {
	return &handle{
		cmd:       cmd,
		pid:       cmd.Process.Pid,
		opts:      opts,
		scanner:   scanner,
		exited:    make(chan struct{}),
		groupGone: make(chan struct{}),
		done:      make(chan struct{}),
	}
}

// ID returns "PID: <pid>", the deploy info Prefect's local agent reports.
func (h *handle) ID() string { return "PID: " + strconv.Itoa(h.pid) }

// PID returns the leader's pid, which is also the process group id.
func (h *handle) PID() int { return h.pid }

// Wait returns how the run ended, once the whole group has ended and the output has
// been delivered.
func (h *handle) Wait(ctx context.Context) (launcher.Result, error) {
	select {
	case <-h.done:
		return h.result, nil
	default:
	}
	select {
	case <-h.done:
		return h.result, nil
	case <-ctx.Done():
		return launcher.Result{}, fmt.Errorf("local launcher: waiting for the run with %s: %w; the run goes on", h.ID(), ctx.Err())
	}
}

// Stop ends the group: SIGTERM, up to grace, then SIGKILL. It returns once no process of
// the group is left.
func (h *handle) Stop(ctx context.Context, grace time.Duration) error {
	select {
	case <-h.done:
		return nil
	default:
	}
	h.terminate(grace)
	select {
	case <-h.groupGone:
		return h.groupErr
	case <-ctx.Done():
		return fmt.Errorf("local launcher: stopping the run with %s: %w; the stop goes on and Wait reports its outcome", h.ID(), ctx.Err())
	}
}

// supervise follows the run to its end and publishes the result.
func (h *handle) supervise(pr *os.File, red *secrets.Redactor) {
	outDone := make(chan error, 1)
	go func() { outDone <- copyOutput(red, pr, h.groupGone, h.opts.drainTimeout) }()

	var errs []error
	if err := process.WaitExit(h.pid); err != nil {
		// Without the zombie's hold on the group id, reap now and clean up regardless.
		errs = append(errs, err)
		_ = h.cmd.Wait()
		h.leaderReaped = true
	}
	close(h.exited)

	// Whatever the leader left in its group ends with it. If Stop came first, this joins
	// its teardown instead.
	h.terminate(h.opts.orphanGrace)
	<-h.groupGone
	errs = append(errs, h.groupErr)

	if !h.leaderReaped {
		_ = h.cmd.Wait() // its error is the exit status, decoded below
	}
	res := launcher.Result{ExitCode: -1}
	if ps := h.cmd.ProcessState; ps != nil {
		res.ExitCode, res.Signal = process.ExitStatus(ps)
	} else {
		errs = append(errs, fmt.Errorf("local launcher: the exit status of %s was lost", h.ID()))
	}

	// Every writer of the pipe in the group is gone; give the rest of the output a
	// bounded time to arrive, in case a process outside the group holds the pipe.
	_ = pr.SetReadDeadline(time.Now().Add(h.opts.drainTimeout))
	errs = append(errs, <-outDone)
	pr.Close()
	errs = append(errs, red.Close())

	res.Err = errors.Join(errs...)
	h.result = res
	close(h.done)
}
