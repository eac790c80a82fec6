// Package local launches flow runs as processes on this host, each in a process group
// of its own, so that the run and everything it starts can be stopped together.
//
// The life of a run, as the supervising goroutine of its Handle sees it:
//
//  1. The command starts as the leader of a new process group, with exactly the
//     environment and working directory of its Spec, stdin on /dev/null, and stdout and
//     stderr on one pipe, so that their order is kept. A goroutine copies the pipe
//     through a secrets.Redactor into Spec.Output.
//  2. When the leader exits, it is left unreaped for a moment: its zombie keeps its pid,
//     which is the group id, from being reused while the rest of the group is handled.
//  3. A run's processes end with the run. Anything still in the group (a daemon the flow
//     started, a child its shell left behind) gets SIGTERM, then SIGKILL after the
//     orphan grace, so nothing is left orphaned on the host.
//  4. The leader is reaped, the output is read to its end and the redactor flushed, so
//     that even a last line without a newline arrives; then Wait returns.
//
// A process that left the group (setsid) is out of reach. If it keeps the output pipe
// open, reading stops once the pipe has been idle for the drain timeout after the group
// ended, and Result.Err says so, instead of Wait hanging.
//
// Stop sends SIGTERM to the group, waits up to its grace for the group to empty, then
// sends SIGKILL. It is safe to call at any time, any number of times, alongside Wait.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"time"

	"github.com/outposthq/outpost/internal/process"
	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/secrets"
)

// Defaults for the options.
const (
	DefaultOrphanGrace  = 5 * time.Second
	DefaultDrainTimeout = 2 * time.Second
	DefaultKillTimeout  = 10 * time.Second
)

// Clock is the time source for the waits of a stop: grace periods, the checks of the
// group and the rests between passes over /proc. Tests inject one to end a grace
// period at will.
type Clock interface {
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

type options struct {
	orphanGrace  time.Duration
	drainTimeout time.Duration
	killTimeout  time.Duration
	clock        Clock
}

// Option configures a Launcher.
type Option func(*options)

// WithOrphanGrace sets how long the processes still in a run's group after its leader
// exited get between SIGTERM and SIGKILL (DefaultOrphanGrace).
func WithOrphanGrace(d time.Duration) Option { return func(o *options) { o.orphanGrace = d } }

// WithDrainTimeout sets how long the output pipe may stay idle after the run's group
// has ended before reading stops (DefaultDrainTimeout). Only a process that left the
// group can keep the pipe open that long. It is a read deadline on the pipe, so it runs
// on real time, not on the Clock.
func WithDrainTimeout(d time.Duration) Option { return func(o *options) { o.drainTimeout = d } }

// WithKillTimeout sets how long to wait for the group to vanish after SIGKILL before
// giving up and reporting the survivors (DefaultKillTimeout). Only a process stuck in
// the kernel outlives SIGKILL that long.
func WithKillTimeout(d time.Duration) Option { return func(o *options) { o.killTimeout = d } }

// WithClock sets the clock for grace periods and checks (the real one by default).
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// Launcher starts runs as local process groups. The zero value is not usable; call New.
type Launcher struct {
	opts options
	// scanner tells its runs what is left in their groups. Shared, it lets runs that end
	// or stop together share the passes over /proc, whose cost grows with the host's
	// processes, among them the runs' own.
	scanner *process.Scanner
}

// New returns a Launcher.
func New(opts ...Option) *Launcher {
	o := options{
		orphanGrace:  DefaultOrphanGrace,
		drainTimeout: DefaultDrainTimeout,
		killTimeout:  DefaultKillTimeout,
		clock:        realClock{},
	}
	for _, opt := range opts {
		opt(&o)
	}
	return &Launcher{opts: o, scanner: process.NewScanner(process.WithScanClock(o.clock))}
}

// Launch starts s as the leader of a new process group. ctx bounds only the start.
func (l *Launcher) Launch(ctx context.Context, s launcher.Spec) (launcher.Handle, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("local launcher: not starting the run: %w", err)
	}
	if len(s.Argv) == 0 || s.Argv[0] == "" {
		return nil, errors.New("local launcher: the run has no command (empty argv); give the program to run")
	}
	env := s.Env
	if env == nil {
		env = []string{} // nil would make os/exec pass on the agent's own environment
	}
	if err := checkDir(s.Dir); err != nil {
		return nil, err
	}
	path, err := lookPath(s.Argv[0], env)
	if err != nil {
		return nil, err
	}
	attr, err := process.GroupAttr()
	if err != nil {
		return nil, fmt.Errorf("local launcher: %w", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("local launcher: creating the output pipe: %w", err)
	}
	cmd := &exec.Cmd{
		Path:        path,
		Args:        s.Argv,
		Env:         env,
		Dir:         s.Dir,
		Stdout:      pw, // an *os.File: the child writes to it directly, in order
		Stderr:      pw,
		SysProcAttr: attr,
	}
	err = cmd.Start()
	pw.Close() // the child holds its own copy; ours would keep the pipe from ending
	if err != nil {
		pr.Close()
		return nil, fmt.Errorf("local launcher: starting %q: %w", s.Argv[0], err)
	}

	var out io.Writer = io.Discard
	if s.Output != nil {
		out = s.Output
	}
	red := secrets.NewRedactor(out)
	red.Add(s.Redact...)
	h := newHandle(cmd, l.opts, l.scanner)
	go h.supervise(pr, red)
	return h, nil
}

// checkDir fails early, with a clear message, for a working directory that the child
// could not enter.
func checkDir(dir string) error {
	if dir == "" {
		return nil
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("local launcher: %w: %q does not exist; create it or change the run's working_dir", launcher.ErrWorkDirNotFound, dir)
	case err != nil:
		return fmt.Errorf("local launcher: checking the working directory %q: %w", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("local launcher: %w: %q is not a directory; change the run's working_dir", launcher.ErrWorkDirNotFound, dir)
	}
	return nil
}
