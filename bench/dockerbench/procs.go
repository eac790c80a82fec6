package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Deadlines of the waits: generous, because containers on two shared cores can be slow.
const (
	startDeadline = time.Minute      // a process answers on its address
	stopDeadline  = 2 * time.Minute  // a process exits after SIGTERM
	runDeadline   = time.Minute      // one container starts, or its run finishes
	batchDeadline = 10 * time.Minute // every container of a burst starts, or finishes
)

// proc is the server or the agent.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed once the process has been reaped
	waitErr error         // set before exited is closed
}

// startProc runs bin with exactly env, its output to logPath, in a process group of its
// own so that a Ctrl-C at the terminal reaches only the harness, which stops it in
// order.
func startProc(name, bin string, args, env []string, logPath string) (*proc, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create the log of the %s: %w", name, err)
	}
	defer log.Close() // the child has its own copy
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the %s (%s): %w", name, bin, err)
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// stop sends SIGTERM and waits for the exit, SIGKILL after stopDeadline. Anything but
// a clean exit 0 is an error.
func (p *proc) stop() error {
	select {
	case <-p.exited:
		return p.exitError("had already exited")
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("send SIGTERM to the %s: %w", p.name, err)
	}
	select {
	case <-p.exited:
		return p.exitError("exited after SIGTERM")
	case <-time.After(stopDeadline):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("the %s did not exit within %s of SIGTERM and was killed\n%s", p.name, stopDeadline, p.logTail())
	}
}

func (p *proc) exitError(what string) error {
	if p.waitErr == nil {
		return nil
	}
	return fmt.Errorf("the %s %s with %v\n%s", p.name, what, p.waitErr, p.logTail())
}

// alive fails when the process has exited, with the end of its log.
func (p *proc) alive() error {
	select {
	case <-p.exited:
		return p.exitError("exited early")
	default:
		return nil
	}
}

// logTail is the end of the process's output, for error messages.
func (p *proc) logTail() string {
	const tail = 4 << 10
	f, err := os.Open(p.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > tail {
		_, _ = f.Seek(-tail, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return "--- end of the " + p.name + "'s log (" + p.logPath + ") ---\n" + strings.TrimRight(string(b), "\n")
}

// waitHTTP waits until GET url answers 200, failing early if p exits.
func waitHTTP(ctx context.Context, p *proc, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	return waitFor(ctx, startDeadline, 20*time.Millisecond, "the "+p.name+" to answer "+url, func() (bool, error) {
		if err := p.alive(); err != nil {
			return false, err
		}
		resp, err := client.Get(url)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
}

// waitFor checks cond every interval until it holds, it fails, ctx ends or the deadline
// passes.
func waitFor(ctx context.Context, deadline, interval time.Duration, what string, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("gave up waiting for %s after %s", what, deadline)
			}
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// freePort asks the kernel for a free loopback port. Another process could take it
// before the server binds it; the server then fails to start and says so.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port on 127.0.0.1: %w", err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}
