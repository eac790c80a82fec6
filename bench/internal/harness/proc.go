// Package harness holds what the bench commands share: running the server and the
// agent, reading the agent's metrics, the workspace, stamps, statistics and the
// machine's description.
package harness

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

// Proc is a server or agent a harness started.
type Proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed once the process has been reaped
	waitErr error         // set before exited is closed
}

// StartProc runs bin with exactly env, its output to logPath, in a process group of its
// own so that a Ctrl-C at the terminal reaches only the harness, which then stops it in
// order.
func StartProc(name, bin string, args, env []string, logPath string) (*Proc, error) {
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
	p := &Proc{name: name, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Stop sends SIGTERM and waits for the exit, SIGKILL after deadline. It reports how
// long the exit took, and an error for anything but a clean exit 0.
func (p *Proc) Stop(deadline time.Duration) (time.Duration, error) {
	start := time.Now()
	select {
	case <-p.exited:
		return 0, p.exitError("had already exited")
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, fmt.Errorf("send SIGTERM to the %s: %w", p.name, err)
	}
	select {
	case <-p.exited:
		return time.Since(start), p.exitError("exited after SIGTERM")
	case <-time.After(deadline):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return time.Since(start), fmt.Errorf("the %s did not exit within %s of SIGTERM and was killed\n%s", p.name, deadline, p.LogTail())
	}
}

// ExitCode is the exit code once the process has been reaped, -1 before or when a
// signal ended it.
func (p *Proc) ExitCode() int {
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	default:
		return -1
	}
}

func (p *Proc) exitError(what string) error {
	if p.waitErr == nil {
		return nil
	}
	return fmt.Errorf("the %s %s with %v\n%s", p.name, what, p.waitErr, p.LogTail())
}

// Alive fails when the process has exited, with the end of its log.
func (p *Proc) Alive() error {
	select {
	case <-p.exited:
		return p.exitError("exited early")
	default:
		return nil
	}
}

// LogTail is the end of the process's output, for error messages.
func (p *Proc) LogTail() string {
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

// WaitHTTP waits until GET url answers 200, failing early if p exits.
func WaitHTTP(ctx context.Context, p *Proc, url string, deadline time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	return WaitFor(ctx, deadline, 20*time.Millisecond, "the "+p.name+" to answer "+url, func() (bool, error) {
		if err := p.Alive(); err != nil {
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

// WaitFor checks cond every interval until it holds, it fails, ctx ends or the deadline
// passes.
func WaitFor(ctx context.Context, deadline, interval time.Duration, what string, cond func() (bool, error)) error {
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

// FreePort asks the kernel for a free loopback port. Another process could take it
// before the server binds it; the server then fails to start and says so.
func FreePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port on 127.0.0.1: %w", err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}
