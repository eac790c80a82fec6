package docker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/outposthq/outpost/launcher"
)

// Waiting for the exit: a wait whose connection fails is made again, this many times
// in all, this far apart, before the exit code is given up as unknown.
const (
	waitAttempts   = 5
	waitRetryDelay = time.Second
)

// handle is one run's container. Its supervise goroutine owns the run from the start
// to Wait's result; Stop only asks the engine to stop the container, and waits for
// supervise to see it go.
type handle struct {
	l     *Launcher
	id    string
	name  string
	runID string
	keep  bool // left in place at the end (auto_remove: false)
	log   *zap.Logger

	// ctx carries the long-lived requests (the exit wait, the output stream); it ends
	// when the run is over, or when its launch fails.
	ctx    context.Context
	cancel context.CancelFunc
	out    *output // nil when there is no output to follow

	stopOnce   sync.Once
	stopFailed chan struct{} // closed when the engine refused the stop
	stopErr    error         // written before stopFailed is closed

	done   chan struct{} // closed when result is final and the container gone (or kept)
	result launcher.Result
}

func (l *Launcher) newHandle(id, name, runID string, keep bool) *handle {
	ctx, cancel := context.WithCancel(context.Background())
	return &handle{
		l: l, id: id, name: name, runID: runID, keep: keep,
		log:        l.log.With(zap.String("flow_run_id", runID), zap.String("container", id)),
		ctx:        ctx,
		cancel:     cancel,
		stopFailed: make(chan struct{}),
		done:       make(chan struct{}),
	}
}

// ID returns "Container ID: <id>", the deploy info Prefect's Docker agent reports.
func (h *handle) ID() string { return "Container ID: " + h.id }

// ContainerID returns the container's full id.
func (h *handle) ContainerID() string { return h.id }

// Name returns the container's name.
func (h *handle) Name() string { return h.name }

// Wait returns how the run ended, once the container has exited, its output has been
// delivered and it has been removed.
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
		return launcher.Result{}, fmt.Errorf("docker launcher: waiting for the run in container %s: %w; the run goes on", h.id, ctx.Err())
	}
}

// Stop asks the engine to stop the container: SIGTERM to its init, which passes it on,
// then SIGKILL once grace has passed (the engine counts whole seconds, so a grace is
// rounded up); grace <= 0 kills at once. It returns once the run is over.
func (h *handle) Stop(ctx context.Context, grace time.Duration) error {
	select {
	case <-h.done:
		return nil
	default:
	}
	h.stopOnce.Do(func() { go h.stop(grace) })
	select {
	case <-h.done:
		return nil
	case <-h.stopFailed:
		return h.stopErr
	case <-ctx.Done():
		return fmt.Errorf("docker launcher: stopping container %s: %w; the stop goes on and Wait reports its outcome", h.id, ctx.Err())
	}
}

// stop makes the stop request, on a context of its own so that it outlives Stop's.
func (h *handle) stop(grace time.Duration) {
	var err error
	if grace <= 0 {
		ctx, cancel := h.l.callCtx(context.Background())
		_, err = h.l.api.ContainerKill(ctx, h.id, client.ContainerKillOptions{Signal: "SIGKILL"})
		cancel()
	} else {
		secs := int(math.Min(math.Ceil(grace.Seconds()), math.MaxInt32))
		// The engine answers once the container has stopped, up to the grace.
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs)*time.Second+h.l.opts.Timeout)
		_, err = h.l.api.ContainerStop(ctx, h.id, client.ContainerStopOptions{Timeout: &secs})
		cancel()
	}
	// Not found or not running: the container is already on its way out.
	if err == nil || cerrdefs.IsNotFound(err) || cerrdefs.IsConflict(err) {
		return
	}
	h.stopErr = fmt.Errorf("docker launcher: stopping container %s: %w", h.id, err)
	close(h.stopFailed)
}

// exit is how the container ended, as the engine reported it.
type exit struct {
	code int
	err  error
}

// supervise follows the run to its end and publishes the result.
func (h *handle) supervise(wait client.ContainerWaitResult) {
	h.finish(h.collectExit(wait))
}

// finish completes a run whose container has exited: its output is read to the end
// and flushed, then the container is removed and the result published.
func (h *handle) finish(ex exit) {
	defer close(h.done)
	defer h.cancel()
	errs := []error{ex.err}
	if ex.code == 128+int(syscall.SIGKILL) {
		errs = append(errs, h.oomKilled())
	}
	if h.out != nil {
		errs = append(errs, h.out.finish(h.l.opts.DrainTimeout))
	}
	if !h.keep {
		errs = append(errs, h.remove())
	}
	h.result = launcher.Result{ExitCode: ex.code, Signal: signalFromStatus(ex.code), Err: errors.Join(errs...)}
	h.log.Debug("run ended", zap.Int("exit_code", ex.code))
}

// collectExit waits for the container's exit. A wait whose connection failed is made
// again, for the container to be no longer running.
func (h *handle) collectExit(w client.ContainerWaitResult) exit {
	var errs []error
	for attempt := 1; ; attempt++ {
		select {
		case r := <-w.Result:
			ex := exit{code: int(r.StatusCode)}
			if r.Error != nil && r.Error.Message != "" {
				ex.err = fmt.Errorf("docker launcher: the engine reported on container %s: %s", h.id, r.Error.Message)
			}
			return ex
		case err := <-w.Error:
			errs = append(errs, err)
		}
		if attempt == waitAttempts {
			return exit{code: -1, err: fmt.Errorf("docker launcher: the exit code of container %s is unknown after %d attempts to wait for it: %w",
				h.id, attempt, errors.Join(errs...))}
		}
		h.log.Warn("waiting for the container failed; waiting again", zap.Error(errs[len(errs)-1]))
		<-h.l.opts.Clock.After(waitRetryDelay)
		w = h.l.api.ContainerWait(h.ctx, h.id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	}
}

// oomKilled tells a run the kernel killed for want of memory, which only the
// container's state says.
func (h *handle) oomKilled() error {
	ctx, cancel := h.l.callCtx(context.Background())
	defer cancel()
	res, err := h.l.api.ContainerInspect(ctx, h.id, client.ContainerInspectOptions{})
	if err == nil && res.Container.State != nil && res.Container.State.OOMKilled {
		return fmt.Errorf("docker launcher: container %s ran out of memory and was killed; raise its mem_limit in the run config's host_config", h.id)
	}
	return nil
}

// remove removes the container and its anonymous volumes.
func (h *handle) remove() error {
	ctx, cancel := h.l.callCtx(context.Background())
	defer cancel()
	_, err := h.l.api.ContainerRemove(ctx, h.id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	// Gone, or going: another remover (an adopting launcher) came first.
	if err != nil && !cerrdefs.IsNotFound(err) && !strings.Contains(err.Error(), "already in progress") {
		h.log.Warn("removing the container failed", zap.Error(err))
		return fmt.Errorf("docker launcher: removing container %s: %w; remove it by hand (docker rm -f %s)", h.id, err, h.id)
	}
	return nil
}

// discard ends a container whose launch failed.
func (h *handle) discard() error {
	h.cancel()
	if h.out != nil {
		h.out.close()
	}
	return h.remove()
}

// signalFromStatus names the signal an exit status above 128 stands for. The init
// process reports a command killed by signal n as 128+n, and the engine reports no
// more, so a command that itself exits with such a status reads the same.
func signalFromStatus(code int) string {
	if code <= 128 || code > 128+64 {
		return ""
	}
	return unix.SignalName(syscall.Signal(code - 128))
}
