package flowrun

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/outposthq/outpost/internal/process"
)

// drainTimeout bounds the wait for the command's output once its process group is gone.
// Only a process that left the group (setsid) can still hold the pipes open by then.
const drainTimeout = 5 * time.Second

// group is the command running as the leader of its own process group. Its output is
// copied to the writers given to startGroup until every holder of the pipes has gone.
type group struct {
	cmd  *exec.Cmd
	pgid int

	mu     sync.Mutex
	reaped bool // once the leader is reaped its pid, and so the group id, may be reused

	exited chan struct{} // closed once the leader has ended and the group is cleaned up
	state  *os.ProcessState

	output  chan struct{} // closed once both pipes reached EOF or were closed
	readers []*os.File
}

// startGroup starts argv with exactly env, in the current directory, as the leader of a
// new process group. stdout and stderr receive the command's two streams.
func startGroup(argv, env []string, stdout, stderr io.Writer) (*group, error) {
	path, err := lookPath(argv[0], env)
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("create the output pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("create the output pipe: %w", err)
	}
	// The leader of a new group whose id is its pid, so the group can be stopped whole.
	attr, err := process.GroupAttr()
	if err != nil {
		outR.Close()
		outW.Close()
		errR.Close()
		errW.Close()
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	// The write ends are plain files handed to the child, so Wait only reaps it and
	// never waits for output: the copies below end when the last holder of a pipe does.
	cmd := &exec.Cmd{Path: path, Args: argv, Env: env, Stdout: outW, Stderr: errW, SysProcAttr: attr}
	if cmd.Env == nil {
		cmd.Env = []string{} // nil would hand the child this process's environment
	}
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	g := &group{
		cmd: cmd, pgid: cmd.Process.Pid,
		exited: make(chan struct{}), output: make(chan struct{}),
		readers: []*os.File{outR, errR},
	}
	var copies sync.WaitGroup
	for _, c := range []struct {
		w io.Writer
		r *os.File
	}{{stdout, outR}, {stderr, errR}} {
		copies.Go(func() {
			// A read error only means the pipe was closed by drain: the output ends there.
			_, _ = io.Copy(c.w, c.r)
		})
	}
	go func() {
		copies.Wait()
		close(g.output)
	}()
	go g.wait()
	return g, nil
}

// wait waits for the leader to end, kills what it left behind in its group, and reaps it.
// The leader stays a zombie until then, so the group id cannot be reused while the
// leftovers are signalled.
func (g *group) wait() {
	_ = process.WaitExit(g.pgid) // on error, Wait below still reaps the leader
	// Background processes the command started must not outlive the run.
	_ = process.SignalGroup(g.pgid, syscall.SIGKILL)
	waitGone(g.pgid)
	g.mu.Lock()
	g.reaped = true
	g.mu.Unlock()
	_ = g.cmd.Wait() // a non-zero exit is read from ProcessState, not from this error
	g.state = g.cmd.ProcessState
	close(g.exited)
}

// waitGone waits, up to drainTimeout, until no live process is left in group pgid, so
// that a run is over only once its group is. A signal takes effect asynchronously and
// nothing notifies the end of a process that is not our child, hence the polling.
func waitGone(pgid int) {
	deadline := time.Now().Add(drainTimeout)
	for {
		members, err := process.GroupMembers(pgid)
		if err != nil || len(members) == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// signal sends sig to the whole group while its leader has not been reaped.
func (g *group) signal(sig syscall.Signal) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.reaped {
		return nil
	}
	return process.SignalGroup(g.pgid, sig)
}

// stop asks the group to end with SIGTERM and kills it with SIGKILL after grace. It
// returns once the leader has ended; killed reports whether SIGKILL was needed.
func (g *group) stop(grace time.Duration) (killed bool, err error) {
	if err := g.signal(syscall.SIGTERM); err != nil {
		return false, err
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-g.exited:
		return false, nil
	case <-t.C:
	}
	err = g.signal(syscall.SIGKILL)
	<-g.exited
	return true, err
}

// drain waits for the command's output to end, closing the pipes after drainTimeout:
// a process that escaped the group must not hold the run open.
func (g *group) drain() {
	t := time.NewTimer(drainTimeout)
	defer t.Stop()
	select {
	case <-g.output:
		return
	case <-t.C:
	}
	for _, r := range g.readers {
		r.Close()
	}
	<-g.output
}

// exit describes how the leader ended: its exit code, and the signal's name when a
// signal killed it.
func (g *group) exit() (code int, signal string) {
	return process.ExitStatus(g.state)
}

// lookPath finds file as the child's environment would, through the PATH in env rather
// than this process's own.
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		if err := checkExecutable(file); err != nil {
			return "", err
		}
		return file, nil
	}
	var pathVar string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = v // the last one wins, as in the child
		}
	}
	for _, dir := range filepath.SplitList(pathVar) {
		if dir == "" {
			dir = "." // an empty PATH element is the current directory
		}
		p := filepath.Join(dir, file)
		if checkExecutable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("command %q was not found in the PATH of the flow run's environment (%q): install it, or give its full path in the storage's argv", file, pathVar)
}

// checkExecutable checks that path is a regular file with an execute bit set.
func checkExecutable(path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s does not exist on this host", path)
	case err != nil:
		return fmt.Errorf("%s cannot be read: %w", path, err)
	case info.IsDir():
		return fmt.Errorf("%s is a directory, not a program", path)
	case info.Mode()&0o111 == 0:
		return fmt.Errorf("%s is not executable: make it so with chmod +x %s", path, path)
	}
	return nil
}
