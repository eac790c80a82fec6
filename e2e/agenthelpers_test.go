package e2e

import (
	"context"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/config"
)

// runDeadline bounds how long a flow run may take to reach the state a test waits for.
// It is a guard against hanging, never a performance assertion.
const runDeadline = 60 * time.Second

// pollEvery is how often a test asks for a state it waits on.
const pollEvery = 25 * time.Millisecond

// daemon is a long-running outpost process (an agent) that a test starts and stops.
type daemon struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	exited         chan error // receives cmd.Wait's result once
	gone           bool       // exited has been received from
	err            error      // cmd.Wait's result, once gone
}

// startDaemon starts outpost with exactly env. Cleanup kills it if the test did not
// stop it.
func startDaemon(t *testing.T, name string, env []string, args ...string) *daemon {
	t.Helper()
	d := &daemon{name: name, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, exited: make(chan error, 1)}
	d.cmd = exec.Command(binary, args...)
	d.cmd.Env = env
	d.cmd.Stdout, d.cmd.Stderr = d.stdout, d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.exited <- d.cmd.Wait() }()
	t.Cleanup(func() {
		if d.gone {
			return
		}
		// The test stopped midway. Two stop signals make an agent cancel its runs at
		// once, so that none outlives it; SIGKILL is the last resort.
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		_ = d.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-d.exited:
		case <-time.After(cleanupGrace):
			_ = d.cmd.Process.Kill()
			<-d.exited
		}
	})
	return d
}

// cleanupGrace is how long a daemon left running by a failed test may take to stop
// before it is killed: an agent stops its runs within its cancel grace (10 s by default)
// and then reports them.
const cleanupGrace = 30 * time.Second

// waitReady polls url until it answers 200, failing the test if the daemon exits first.
func (d *daemon) waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.After(startupDeadline)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-d.exited:
			d.gone, d.err = true, err
			t.Fatalf("%s exited before %s answered: %v\nstderr:\n%s", d.name, url, err, d.stderr)
		case <-deadline:
			t.Fatalf("%s: %s did not answer within %s\nstderr:\n%s", d.name, url, startupDeadline, d.stderr)
		case <-tick.C:
		}
	}
}

// signal sends sig to the daemon.
func (d *daemon) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signalling %s: %v", d.name, err)
	}
}

// wait waits for the daemon to exit and fails the test unless it exited 0.
func (d *daemon) wait(t *testing.T) {
	t.Helper()
	if !d.gone {
		select {
		case err := <-d.exited:
			d.gone, d.err = true, err
		case <-time.After(runDeadline):
			t.Fatalf("%s did not exit within %s\nstderr:\n%s", d.name, runDeadline, d.stderr)
		}
	}
	if d.err != nil {
		t.Fatalf("%s exited with %v, want exit 0\nstderr:\n%s", d.name, d.err, d.stderr)
	}
}

// stop sends SIGTERM and checks that the daemon exits 0.
func (d *daemon) stop(t *testing.T) {
	t.Helper()
	d.signal(t, syscall.SIGTERM)
	d.wait(t)
}

// waitOutput waits until the daemon's log (its stderr) holds text.
func waitOutput(t *testing.T, d *daemon, text string) {
	t.Helper()
	deadline := time.After(runDeadline)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !strings.Contains(d.stderr.String(), text) {
		select {
		case <-deadline:
			t.Fatalf("%s did not log %q within %s\nstderr:\n%s", d.name, text, runDeadline, d.stderr)
		case <-tick.C:
		}
	}
}

// running reports whether the daemon has not exited.
func (d *daemon) running() bool {
	if d.gone {
		return false
	}
	select {
	case err := <-d.exited:
		d.gone, d.err = true, err
		return false
	default:
		return true
	}
}

// agentProc is a running `outpost agent local start`.
type agentProc struct {
	*daemon
	addr string // its agent address, where /api/health answers
}

// startAgent runs a local agent against s. It shares s's HOME, so it finds the admin key
// in auth.toml; extraEnv is added to its environment. It returns once the agent's
// /api/health answers 200, that is once it has registered with the backend.
func startAgent(t *testing.T, s *serverProc, extraEnv []string, args ...string) *agentProc {
	t.Helper()
	a := &agentProc{addr: "http://127.0.0.1:" + freePort(t)}
	env := append(append([]string(nil), s.env...), extraEnv...)
	args = append([]string{"agent", "local", "start", "--api", s.url, "--no-hostname-label", "--agent-address", a.addr}, args...)
	a.daemon = startDaemon(t, "the agent", env, args...)
	a.waitReady(t, a.addr+"/api/health")
	return a
}

// startServerAt runs `outpost server start` at url with env: a server restarted on the
// port and home (so the database) of one that was stopped.
func startServerAt(t *testing.T, url string, env []string) *serverProc {
	t.Helper()
	port := url[strings.LastIndexByte(url, ':')+1:]
	s := &serverProc{url: url, env: env, stderr: &lockedBuffer{}, exited: make(chan error, 1)}
	s.cmd = exec.Command(binary, "server", "start", "--host", "127.0.0.1", "--port", port)
	s.cmd.Env = env
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if !s.gone {
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
	s.waitHealthy(t)
	return s
}

// adminKey is the admin key the server wrote to its home's auth.toml.
func (s *serverProc) adminKey(t *testing.T) string {
	t.Helper()
	auth, err := config.ReadAuth(filepath.Join(s.home(), ".prefect"), s.url)
	if err != nil || auth.APIKey == "" {
		t.Fatalf("no admin key in auth.toml for %s: %v", s.url, err)
	}
	return auth.APIKey
}

// waitRun polls the run until done accepts it, and returns it. what names the awaited
// condition in the failure message.
func waitRun(t *testing.T, s *serverProc, id, what string, done func(api.FlowRunInfo) bool) api.FlowRunInfo {
	t.Helper()
	c := s.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var last api.FlowRunInfo
	for {
		run, err := c.FlowRun(ctx, id)
		if err == nil {
			last = run
			if done(run) {
				return run
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("flow run %s did not become %s within %s: last state %q (%q), last error %v",
				id, what, runDeadline, last.State, last.StateMessage, err)
		case <-tick.C:
		}
	}
}

// waitFinished waits until the run is in a finished state and returns it.
func waitFinished(t *testing.T, s *serverProc, id string) api.FlowRunInfo {
	t.Helper()
	return waitRun(t, s, id, "finished", func(r api.FlowRunInfo) bool { return api.IsFinished(r.State) })
}

// waitState waits until the run is in state.
func waitState(t *testing.T, s *serverProc, id, state string) api.FlowRunInfo {
	t.Helper()
	return waitRun(t, s, id, state, func(r api.FlowRunInfo) bool { return r.State == state })
}

// logMessages returns the messages of `flow-run logs` lines written by logger (for
// instance "outpost.flow", the command's output), in order.
func logMessages(logs, logger string) []string {
	var out []string
	for line := range strings.Lines(logs) {
		// TIMESTAMP LEVEL NAME: MESSAGE
		fields := strings.SplitN(strings.TrimSuffix(line, "\n"), " ", 4)
		if len(fields) == 4 && fields[2] == logger+":" {
			out = append(out, fields[3])
		}
	}
	return out
}

// marker is a number no other process on the host has in its command line, to find the
// processes of one flow run in /proc: a script sleeps for that many seconds.
func marker() string {
	return strconv.Itoa(7_000_000 + rand.IntN(1_000_000))
}

// markedProcs returns "PID: CMDLINE" for each live process whose command line holds
// mark. Zombies are left out: they are dead, only not reaped yet.
func markedProcs(t *testing.T, mark string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(raw) == 0 {
			continue // gone meanwhile, or a zombie or kernel thread
		}
		cmdline := strings.TrimSpace(strings.ReplaceAll(string(raw), "\x00", " "))
		if strings.Contains(cmdline, mark) {
			found = append(found, e.Name()+": "+cmdline)
		}
	}
	return found
}

// killMarked SIGKILLs whatever a failed test left behind, so that no test leaks processes.
func killMarked(t *testing.T, mark string) {
	t.Helper()
	t.Cleanup(func() {
		for _, p := range markedProcs(t, mark) {
			if pid, err := strconv.Atoi(p[:strings.IndexByte(p, ':')]); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
}

// waitMarked waits until the processes holding mark satisfy ok, and returns them;
// what says what is awaited.
func waitMarked(t *testing.T, mark, what string, ok func([]string) bool) []string {
	t.Helper()
	deadline := time.After(runDeadline)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		procs := markedProcs(t, mark)
		if ok(procs) {
			return procs
		}
		select {
		case <-deadline:
			t.Fatalf("%s: not within %s; processes holding %s:\n%s", what, runDeadline, mark, strings.Join(procs, "\n"))
		case <-tick.C:
		}
	}
}
