package e2e

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/internal/testpg"
	"github.com/outposthq/outpost/secrets"
)

// startupDeadline bounds how long a server may take to answer /health, and a command
// to finish once it should.
const startupDeadline = 60 * time.Second

// serverProc is a running `outpost server start`.
type serverProc struct {
	url    string
	env    []string // the server's environment: a fresh HOME, shared by its clients
	cmd    *exec.Cmd
	stderr *lockedBuffer
	exited chan error // receives cmd.Wait's result once
	gone   bool       // exited has been received from
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer runs `outpost server start` on a free loopback port under a fresh HOME,
// and returns once /health answers.
func startServer(t *testing.T, args ...string) *serverProc {
	t.Helper()
	port := freePort(t)
	s := &serverProc{
		url:    "http://127.0.0.1:" + port,
		env:    home(t, ""),
		stderr: &lockedBuffer{},
		exited: make(chan error, 1),
	}
	s.cmd = exec.Command(binary, append([]string{"server", "start", "--host", "127.0.0.1", "--port", port}, args...)...)
	s.cmd.Env = s.env
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

func (s *serverProc) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.After(startupDeadline)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(s.url + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-s.exited:
			s.gone = true
			t.Fatalf("the server exited before answering /health: %v\nstderr:\n%s", err, s.stderr)
		case <-deadline:
			t.Fatalf("the server did not answer /health within %s\nstderr:\n%s", startupDeadline, s.stderr)
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM and checks that the server exits 0.
func (s *serverProc) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		s.gone = true
		if err != nil {
			t.Fatalf("server start exited with %v after SIGTERM, want exit 0\nstderr:\n%s", err, s.stderr)
		}
	case <-time.After(startupDeadline):
		t.Fatalf("the server did not stop within %s of SIGTERM", startupDeadline)
	}
}

// client is an API client with the admin key the server wrote to auth.toml, for
// preparing and checking what the commands under test cannot.
func (s *serverProc) client(t *testing.T) *api.Client {
	t.Helper()
	auth, err := config.ReadAuth(filepath.Join(s.home(), ".prefect"), s.url)
	if err != nil || auth.APIKey == "" {
		t.Fatalf("no admin key in auth.toml for %s: %v", s.url, err)
	}
	c, err := api.New(api.Options{URL: s.url, Key: secrets.NewValue(auth.APIKey), TenantID: auth.TenantID, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *serverProc) home() string {
	for _, kv := range s.env {
		if h, ok := strings.CutPrefix(kv, "HOME="); ok {
			return h
		}
	}
	return ""
}

// outpost runs a client command against the server, failing the test unless it exits 0;
// it returns stdout without its trailing newline.
func (s *serverProc) outpost(t *testing.T, args ...string) string {
	t.Helper()
	r := run(t, s.env, append(args, "--api", s.url)...)
	if r.code != 0 {
		t.Fatalf("outpost %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return strings.TrimSuffix(r.stdout, "\n")
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

func TestServerStartSQLite(t *testing.T) {
	s := startServer(t, "--log-format", "json")
	dbFile := filepath.Join(s.home(), ".prefect", "outpost.db")
	if _, err := os.Stat(dbFile); err != nil {
		t.Errorf("no SQLite database under the home directory: %v", err)
	}
	// /health can answer before the start-up line has been copied from the pipe.
	for _, want := range []string{`"listening_on":"` + s.url, dbFile} {
		deadline := time.Now().Add(startupDeadline)
		for !strings.Contains(s.stderr.String(), want) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond) // polling a condition, with a deadline
		}
		if !strings.Contains(s.stderr.String(), want) {
			t.Errorf("the start-up log does not mention %q:\n%s", want, s.stderr)
		}
	}
	id := s.outpost(t, "flow", "register", "--name", "hello", "--script", "echo hi")
	if got := s.outpost(t, "flow-run", "create", "--flow", id); got == "" {
		t.Fatal("flow-run create printed no id")
	}
	s.stop(t)
}

func TestServerStartPostgres(t *testing.T) {
	dsn := testpg.Start(t)
	s := startServer(t, "--database", dsn)
	if _, err := os.Stat(filepath.Join(s.home(), ".prefect", "outpost.db")); !os.IsNotExist(err) {
		t.Errorf("a SQLite file was created although --database names PostgreSQL (stat: %v)", err)
	}
	s.outpost(t, "flow", "register", "--name", "pg", "--script", "true", "-l", "pg")
	runID := s.outpost(t, "flow-run", "create", "--flow", "pg")
	if got := s.outpost(t, "flow-run", "cancel", runID); got != "Cancelled" {
		t.Errorf("cancel printed %q, want Cancelled", got)
	}
	s.stop(t)

	// The data outlives the process: a second server on the same database sees the run.
	again := startServer(t, "--database", dsn, "--admin-key", "pg-admin-key-0123456789abcdef")
	r := run(t, again.env, "flow-run", "get", runID, "--json", "--api", again.url, "--key", "pg-admin-key-0123456789abcdef")
	if r.code != 0 || !strings.Contains(r.stdout, `"state": "Cancelled"`) {
		t.Errorf("get on a restarted server: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	again.stop(t)
}

func TestServerStartPortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), startupDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "server", "start", "--port", strconv.Itoa(busy.Addr().(*net.TCPAddr).Port))
	cmd.Env = home(t, "")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("server start on a busy port: %v, want exit 1\n%s", err, out)
	}
	if !strings.Contains(string(out), addr) || !strings.Contains(string(out), "already in use") {
		t.Errorf("the error does not name %s as in use:\n%s", addr, out)
	}
}
