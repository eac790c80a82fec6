package agent_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/secrets"
	"github.com/outposthq/outpost/server"
)

// testKey is the embedded backend's admin key in tests.
const testKey = "outpost-agent-test-admin-key-0123456789"

// deadline bounds every wait of a test; reaching it is a failure, never a pass.
const deadline = 60 * time.Second

// leakCheck fails the test if a goroutine outlives it. Registered first, it runs after
// every other cleanup (agent, backend, proxy).
func leakCheck(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
}

// testBackend is the real embedded backend on 127.0.0.1, on SQLite in a temporary
// directory, with a client for the test's own requests.
type testBackend struct {
	srv     *server.Server
	url     string
	client  *api.Client
	tenant  string
	project string
}

func startBackend(t *testing.T) *testBackend {
	t.Helper()
	home := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	srv, err := server.New(t.Context(), server.Options{
		Host: "127.0.0.1", Port: port, Home: home, Database: filepath.Join(home, "outpost.db"),
		AdminKey: testKey, Logger: zap.NewNop(), Env: func(string) string { return "" },
	})
	if err != nil {
		ln.Close()
		t.Fatalf("start the backend: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("backend: %v", err)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("backend close: %v", err)
		}
	})

	b := &testBackend{srv: srv, url: "http://" + ln.Addr().String()}
	b.client = newClient(t, b.url)
	if b.tenant, err = b.client.DefaultTenantID(t.Context()); err != nil {
		t.Fatal(err)
	}
	if b.project, err = b.client.CreateProject(t.Context(), b.tenant, "agent-tests"); err != nil {
		t.Fatal(err)
	}
	return b
}

// newClient is a backend client without retries: the agent does its own.
func newClient(t *testing.T, url string) *api.Client {
	t.Helper()
	c, err := api.New(api.Options{URL: url, Key: secrets.NewValue(testKey), RetryMax: -1, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// flow registers a native flow (core version outpost-*) with this storage.
func (b *testBackend) flow(t *testing.T, storage map[string]any) string {
	t.Helper()
	id, err := b.client.RegisterFlow(t.Context(), api.FlowRegistration{
		Name: "flow-" + strconv.FormatInt(time.Now().UnixNano(), 36), ProjectID: b.project,
		Storage: storage, CoreVersion: "outpost-0.1.0",
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// scriptStorage is native storage; what a run does comes from its TEST_SCRIPT.
func scriptStorage(secretNames ...string) map[string]any {
	s := map[string]any{"type": "Script", "argv": []string{"true"}}
	if len(secretNames) > 0 {
		s["secrets"] = secretNames
	}
	return s
}

// localRun is a LocalRun run config whose process runs script with sh.
func localRun(script string, env map[string]any) map[string]any {
	all := map[string]any{"TEST_SCRIPT": script}
	for k, v := range env {
		all[k] = v
	}
	return map[string]any{"type": "LocalRun", "env": all}
}

// run creates a flow run that has been due for a minute.
func (b *testBackend) run(t *testing.T, flowID string, runConfig any, labels []string) string {
	t.Helper()
	if labels == nil {
		labels = []string{}
	}
	id, err := b.client.CreateFlowRun(t.Context(), api.CreateFlowRunInput{
		FlowID: flowID, RunConfig: runConfig, Labels: labels,
		ScheduledStartTime: time.Now().Add(-time.Minute),
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// state returns a run's state and its message.
func (b *testBackend) state(t *testing.T, id string) (string, string) {
	t.Helper()
	info, err := b.client.FlowRun(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return info.State, info.StateMessage
}

// setState sets a run's state as its flow-run process would.
func (b *testBackend) setState(t *testing.T, id string, state api.State) {
	t.Helper()
	if err := b.client.SetFlowRunState(t.Context(), id, nil, state); err != nil {
		t.Fatal(err)
	}
}

// faultProxy is a reverse proxy to the backend on 127.0.0.1 for fault injection: while
// it is down it drops every connection, as an unreachable backend would; with noWait it
// answers the long-poll endpoint with 404, and with noSecretAPI secret queries with
// Prefect Server's validation error, as Prefect Server does.
type faultProxy struct {
	url         string
	down        atomic.Bool
	noWait      atomic.Bool
	noSecretAPI atomic.Bool
}

func startProxy(t *testing.T, b *testBackend) *faultProxy {
	t.Helper()
	target, err := url.Parse(b.url)
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = transport
	rp.ErrorLog = log.New(io.Discard, "", 0) // dropped requests are the point
	p := &faultProxy{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case p.down.Load():
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
		case p.noWait.Load() && r.URL.Path == "/api/outpost/runs/wait":
			http.NotFound(w, r)
		case p.noSecretAPI.Load() && r.Method == http.MethodPost:
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if bytes.Contains(body, []byte("secret_value")) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"errors":[{"message":"Cannot query field \"secret_value\" on type \"Query\".","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			rp.ServeHTTP(w, r)
		default:
			rp.ServeHTTP(w, r)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
		<-served
		transport.CloseIdleConnections()
	})
	p.url = "http://" + ln.Addr().String()
	return p
}

// pollOnly is a proxy that hides the backend's long-poll endpoint, so that the agent
// polls only when its timer fires or it is poked.
func pollOnly(t *testing.T, b *testBackend) string {
	t.Helper()
	p := startProxy(t, b)
	p.noWait.Store(true)
	return p.url
}

// gate is a FIFO a run's process and the test talk through: the test holds it open for
// reading and writing, so the process never blocks opening it, and each side blocks
// only until the other has written a line.
type gate struct {
	path string
	f    *os.File
	r    *bufio.Reader
}

func newGate(t *testing.T, dir, name string) *gate {
	t.Helper()
	path := filepath.Join(dir, name+".fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &gate{path: path, f: f, r: bufio.NewReader(f)}
}

// send gives the process a line.
func (g *gate) send(t *testing.T, line string) {
	t.Helper()
	if _, err := g.f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
}

// recv reads a line the process wrote.
func (g *gate) recv(t *testing.T) string {
	t.Helper()
	if err := g.f.SetReadDeadline(time.Now().Add(deadline)); err != nil {
		t.Fatal(err)
	}
	line, err := g.r.ReadString('\n')
	if err != nil {
		t.Fatalf("reading from the run's process: %v", err)
	}
	return line[:len(line)-1]
}
