package flowrun

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/runconfig"
	"github.com/outposthq/outpost/secrets"
	"github.com/outposthq/outpost/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// adminKey is the embedded backend's API key in tests.
const adminKey = "outpost-test-admin-key-0123456789"

// waitLimit bounds every wait in these tests; reaching it is a failure, not a timing.
const waitLimit = 30 * time.Second

// backend is the real embedded backend (SQLite) on 127.0.0.1, seen through a recorder
// that notes the operations a flow run sends and can make log writes fail.
type backend struct {
	url       string
	client    *api.Client
	projectID string // the project flows are registered in

	heartbeats chan string // the run id of each heartbeat received

	mu         sync.Mutex
	failLogs   int // write_run_logs requests still to refuse
	logsFailed int // write_run_logs requests refused so far
	states     []sentState
}

// sentState is one set_flow_run_states element as a flow run sent it.
type sentState struct {
	RunID   string
	Type    string
	Version *int
}

func startBackend(t *testing.T) *backend {
	t.Helper()
	dir := t.TempDir()
	srv, err := server.New(context.Background(), server.Options{
		Database: filepath.Join(dir, "outpost.db"),
		Home:     dir,
		AdminKey: adminKey,
		Env:      func(string) string { return "" },
		Logger:   zap.NewNop(),
	})
	if err != nil {
		t.Fatalf("start the embedded backend: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close the embedded backend: %v", err)
		}
	})
	b := &backend{heartbeats: make(chan string, 1000)}
	hs := httptest.NewServer(b.record(srv.Handler()))
	t.Cleanup(hs.Close)
	b.url = hs.URL
	b.client, err = api.New(api.Options{URL: hs.URL, Key: secrets.NewValue(adminKey), RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := b.client.DefaultTenantID(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if b.projectID, err = b.client.CreateProject(t.Context(), tenant, "flowrun-tests"); err != nil {
		t.Fatal(err)
	}
	return b
}

// record notes what a flow run sends before the backend answers it.
func (b *backend) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			Query     string `json:"query"`
			Variables string `json:"variables"`
		}
		_ = json.Unmarshal(body, &req)
		switch {
		case strings.Contains(req.Query, "update_flow_run_heartbeat"):
			b.heartbeats <- r.Header.Get("X-PREFECT-HEARTBEAT-ID")
		case strings.Contains(req.Query, "write_run_logs"):
			b.mu.Lock()
			fail := b.failLogs > 0
			if fail {
				b.failLogs--
				b.logsFailed++
			}
			b.mu.Unlock()
			if fail {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"errors":[{"message":"database is locked","path":["write_run_logs"]}],"data":{"write_run_logs":null}}`)
				return
			}
		case strings.Contains(req.Query, "set_flow_run_states"):
			var vars struct {
				Input struct {
					States []struct {
						FlowRunID string                `json:"flow_run_id"`
						Version   *int                  `json:"version"`
						State     struct{ Type string } `json:"state"`
					} `json:"states"`
				} `json:"input"`
			}
			_ = json.Unmarshal([]byte(req.Variables), &vars)
			b.mu.Lock()
			for _, s := range vars.Input.States {
				b.states = append(b.states, sentState{RunID: s.FlowRunID, Type: s.State.Type, Version: s.Version})
			}
			b.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// newRun registers a native flow with this storage, creates a run of it and claims it
// as an agent does (Submitted), and returns the run's id.
func (b *backend) newRun(t *testing.T, storage any) string {
	t.Helper()
	ctx := t.Context()
	flowID, err := b.client.RegisterFlow(ctx, api.FlowRegistration{
		Name: t.Name(), ProjectID: b.projectID, Storage: storage,
		CoreVersion: runconfig.NativeCoreVersionPrefix + "0.1.0",
	})
	if err != nil {
		t.Fatalf("register flow: %v", err)
	}
	runID, err := b.client.CreateFlowRun(ctx, api.CreateFlowRunInput{FlowID: flowID})
	if err != nil {
		t.Fatalf("create flow run: %v", err)
	}
	info, err := b.client.FlowRun(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.client.SetFlowRunState(ctx, runID, &info.Version, api.Submitted("Submitted for execution")); err != nil {
		t.Fatalf("claim the run: %v", err)
	}
	return runID
}

// final returns the run's state and message as the backend stores them.
func (b *backend) final(t *testing.T, runID string) (state, message string) {
	t.Helper()
	info, err := b.client.FlowRun(t.Context(), runID)
	if err != nil {
		t.Fatal(err)
	}
	return info.State, info.StateMessage
}

// logs returns the run's logs as the backend stores them.
func (b *backend) logs(t *testing.T, runID string) []api.LogEntry {
	t.Helper()
	logs, err := b.client.FlowRunLogs(t.Context(), runID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return logs
}

// sent returns the states the run was sent, in order.
func (b *backend) sent(runID string) []sentState {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []sentState
	for _, s := range b.states {
		if s.RunID == runID {
			out = append(out, s)
		}
	}
	return out
}

// flowEnv is the environment an agent gives a flow-run process (spec §9), plus extra.
func flowEnv(t *testing.T, b *backend, runID string, extra ...string) []string {
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"PREFECT__BACKEND=server",
		"PREFECT__CLOUD__API=" + b.url,
		"PREFECT__CLOUD__API_KEY=" + adminKey,
		"PREFECT__CONTEXT__FLOW_RUN_ID=" + runID,
		"PREFECT__CLOUD__USE_LOCAL_SECRETS=false",
	}, extra...)
}

// newRunner builds a Runner over the backend with env, its config loaded from env as
// the command does, and ticks the test controls.
func newRunner(t *testing.T, b *backend, env []string) (*Runner, *ticks, *syncBuffer) {
	t.Helper()
	home := secrets.EnvList(env)
	h, _ := home("HOME")
	cfg, err := config.Load(config.LoadOptions{Env: env, Home: h})
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	tk := &ticks{}
	out := newSyncBuffer()
	return &Runner{
		Client: b.client, Config: cfg, Env: env, Stdout: out,
		Logger: zaptest.NewLogger(t), Tick: tk.Tick,
	}, tk, out
}

// start runs the Runner in the background; the channel gives Run's result.
func start(ctx context.Context, r *Runner, runID string) <-chan error {
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, runID) }()
	return done
}

func wait(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(waitLimit):
		t.Fatalf("Run did not return within %s", waitLimit)
		return nil
	}
}

// ticks hands out one channel per interval, ticked by the test.
type ticks struct {
	mu    sync.Mutex
	chans map[time.Duration]chan time.Time
}

func (k *ticks) ch(d time.Duration) chan time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.chans == nil {
		k.chans = map[time.Duration]chan time.Time{}
	}
	if k.chans[d] == nil {
		k.chans[d] = make(chan time.Time)
	}
	return k.chans[d]
}

func (k *ticks) Tick(d time.Duration) (<-chan time.Time, func()) { return k.ch(d), func() {} }

// fire ticks interval d once; it returns when a loop has taken the tick.
func (k *ticks) fire(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case k.ch(d) <- time.Now():
	case <-time.After(waitLimit):
		t.Fatalf("nothing took a tick of the %s interval", d)
	}
}

// keepTicking ticks interval d until stop is closed.
func (k *ticks) keepTicking(d time.Duration, stop <-chan struct{}) {
	for {
		select {
		case k.ch(d) <- time.Now():
		case <-stop:
			return
		}
	}
}

// syncBuffer is a Stdout that tests can wait on.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.buf.Write(p)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor waits until the output holds sub.
func (s *syncBuffer) waitFor(t *testing.T, sub string) {
	t.Helper()
	deadline := time.After(waitLimit)
	for !strings.Contains(s.String(), sub) {
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("output never showed %q; it is:\n%s", sub, s.String())
		}
	}
}

// messages lists the log messages written by logger name.
func messages(logs []api.LogEntry, name string) []string {
	var out []string
	for _, l := range logs {
		if l.Name == name {
			out = append(out, l.Level+" "+l.Message)
		}
	}
	return out
}

// script is Script storage running a shell script.
func script(sh string) map[string]any {
	return map[string]any{"type": "Script", "argv": []string{"sh", "-c", sh}}
}
