package agent_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/outposthq/outpost/agent"
	"github.com/outposthq/outpost/launcher/local"
	"github.com/outposthq/outpost/runconfig"
	"github.com/outposthq/outpost/secrets"
)

// fakeOutpost stands in for `outpost execute flow-run`, which the agent runs for native
// flows: it runs the run's TEST_SCRIPT, so each test decides what its runs do.
const fakeOutpost = "#!/bin/sh\nexec /bin/sh -c \"$TEST_SCRIPT\"\n"

// testAgent is a real agent with the real local launcher, a fake clock and a log the
// test can wait on.
type testAgent struct {
	*agent.Agent
	t       *testing.T
	clk     *fakeClock
	events  *signal
	logs    *observer.ObservedLogs
	metrics *prometheus.Registry
	stdout  *syncBuffer
	out     string // the runs' $OUT: where their scripts write
	addr    string // http://host:port of the agent's endpoint
	http    *http.Client
	cancel  context.CancelFunc
	done    chan error
}

type agentOption func(*agent.Config, *agent.Deps)

// startAgent starts an agent talking to apiURL (the backend or a proxy in front of it)
// and waits until it is registered and serving.
func startAgent(t *testing.T, b *testBackend, apiURL string, opts ...agentOption) *testAgent {
	t.Helper()
	return startAgentWith(t, b, apiURL, newFakeClock(newSignal()), t.TempDir(), opts...)
}

// startAgentWith lets several agents share one clock (and its events) and one $OUT
// directory.
func startAgentWith(t *testing.T, b *testBackend, apiURL string, clk *fakeClock, out string, opts ...agentOption) *testAgent {
	t.Helper()
	bin := t.TempDir()
	exe := filepath.Join(bin, "outpost")
	if err := os.WriteFile(exe, []byte(fakeOutpost), 0o755); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.DebugLevel)
	ta := &testAgent{
		t: t, clk: clk, events: clk.events, logs: logs, metrics: prometheus.NewRegistry(),
		stdout: &syncBuffer{}, out: out, done: make(chan error, 1),
		http: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: deadline},
	}
	cfg := agent.Config{
		Name:         "test-agent",
		Labels:       []string{},
		EnvFlags:     []runconfig.EnvVar{{Name: "OUT", Value: out}},
		AgentAddress: "http://127.0.0.1:0",
		DrainGrace:   time.Minute,
		CancelGrace:  5 * time.Second,
		APIURL:       b.url,
		APIKey:       secrets.NewValue(testKey),
	}
	deps := agent.Deps{
		Backend:    newClient(t, apiURL),
		Launcher:   local.New(),
		Logger:     zap.New(core, zap.Hooks(func(zapcore.Entry) error { clk.events.fire(); return nil })),
		Clock:      ta.clk,
		Rand:       func() float64 { return 0.5 }, // no jitter: intervals as in the table
		Stdout:     ta.stdout,
		Env:        []string{"PATH=" + os.Getenv("PATH")},
		Cwd:        t.TempDir(),
		Executable: exe,
		Metrics:    ta.metrics,
	}
	for _, opt := range opts {
		opt(&cfg, &deps)
	}
	a, err := agent.New(cfg, deps)
	if err != nil {
		t.Fatalf("agent.New: %v", err)
	}
	ta.Agent = a
	ctx, cancel := context.WithCancel(context.Background())
	ta.cancel = cancel
	go func() {
		ta.done <- a.Run(ctx)
		clk.events.fire() // until may be waiting for Run to return
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-ta.done:
		case <-time.After(deadline):
			t.Error("the agent did not return after its context was cancelled")
		}
		ta.http.CloseIdleConnections()
		if t.Failed() {
			for _, e := range logs.All() {
				t.Logf("agent log: %s %s %v", e.Level, e.Message, e.ContextMap())
			}
		}
	})
	if cfg.AgentAddress != "" {
		e := ta.waitLog("Agent API server listening on")
		ta.addr = e.ContextMap()["address"].(string)
	}
	return ta
}

// until waits for cond, checking again whenever the agent logs or sets a timer. With
// step > 0 it moves the fake clock by step before each wait, to drive timers.
func (ta *testAgent) until(what string, cond func() bool, step time.Duration) {
	ta.t.Helper()
	timeout := time.After(deadline)
	for {
		ch := ta.events.wait()
		if cond() {
			return
		}
		if step > 0 {
			ta.clk.Advance(step)
		}
		select {
		case <-ch:
		case <-timeout:
			ta.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitLog waits for a log line containing text and returns the first.
func (ta *testAgent) waitLog(text string) observer.LoggedEntry {
	ta.t.Helper()
	var found observer.LoggedEntry
	ta.until("log "+text, func() bool {
		for _, e := range ta.logs.All() {
			if strings.Contains(e.Message, text) {
				found = e
				return true
			}
		}
		return false
	}, 0)
	return found
}

// waitLogs waits for n log lines containing text.
func (ta *testAgent) waitLogs(text string, n int) {
	ta.t.Helper()
	ta.until("log "+text, func() bool { return ta.countLogs(text) >= n }, 0)
}

func (ta *testAgent) countLogs(text string) int {
	n := 0
	for _, e := range ta.logs.All() {
		if strings.Contains(e.Message, text) {
			n++
		}
	}
	return n
}

// allLogs is every log line with its fields, to search for what must not be there.
func (ta *testAgent) allLogs() string {
	var b strings.Builder
	for _, e := range ta.logs.All() {
		b.WriteString(e.Message)
		for _, f := range e.Context {
			b.WriteString(" " + f.Key + "=" + f.String)
			if f.Interface != nil {
				if err, ok := f.Interface.(error); ok {
					b.WriteString(err.Error())
				}
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// get requests path on the agent's endpoint and returns the status and body.
func (ta *testAgent) get(method, path string) (int, string) {
	ta.t.Helper()
	req, err := http.NewRequest(method, ta.addr+path, nil)
	if err != nil {
		ta.t.Fatal(err)
	}
	resp, err := ta.http.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		ta.t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// poke wakes the agent through its endpoint.
func (ta *testAgent) poke() {
	ta.t.Helper()
	if status, _ := ta.get(http.MethodGet, "/api/poke"); status != http.StatusOK {
		ta.t.Fatalf("poke answered %d", status)
	}
}

// metric returns a counter's or gauge's value.
func (ta *testAgent) metric(name string) float64 {
	ta.t.Helper()
	families, err := ta.metrics.Gather()
	if err != nil {
		ta.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		m := f.GetMetric()[0]
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue()
		case dto.MetricType_HISTOGRAM:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	ta.t.Fatalf("no metric %s", name)
	return 0
}

// stop stops the agent gracefully and returns Run's result.
func (ta *testAgent) stop() error {
	ta.t.Helper()
	ta.Stop()
	return ta.wait()
}

// wait returns Run's result once it has returned.
func (ta *testAgent) wait() error {
	ta.t.Helper()
	select {
	case err := <-ta.done:
		ta.done <- err // keep it for the cleanup
		return err
	case <-time.After(deadline):
		ta.t.Fatal("the agent did not return")
		return nil
	}
}

// returned reports whether Run has returned, without waiting.
func (ta *testAgent) returned() bool {
	select {
	case err := <-ta.done:
		ta.done <- err
		return true
	default:
		return false
	}
}

// lines reads a file the runs' scripts append to, one entry a line.
func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Fields(string(b))
	slices.Sort(out)
	return out
}

// syncBuffer is the agent's stdout in tests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
