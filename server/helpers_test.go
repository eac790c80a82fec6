package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/internal/testpg"
)

func TestMain(m *testing.M) { testpg.Main(m) }

// engine is one database the backend runs on; every integration test runs on both.
type engine struct {
	name string
	dsn  func(t *testing.T) string
}

var engines = []engine{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "outpost.db") }},
	{"postgres", func(t *testing.T) string { return testpg.Start(t) }},
}

func forEachEngine(t *testing.T, f func(t *testing.T, e engine)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { f(t, e) })
	}
}

// fakeClock is a settable clock shared by the server and its store.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// testServer is a real server on 127.0.0.1 with its own home directory.
type testServer struct {
	*Server
	home   string
	dsn    string
	base   string // http://127.0.0.1:<port> of the listener
	key    string // the admin key, as a client reads it from auth.toml
	client *http.Client
	logs   *observer.ObservedLogs
	tick   chan time.Time
	stop   func() error // stops Serve and returns its result
}

type serverConfig struct {
	dsn   string
	home  string
	env   map[string]string
	clock *fakeClock
	tick  chan time.Time
	port0 bool // leave Options.Port at 0 so Serve learns the port
	port  int  // listen on this port (a restart); 0: any free port
}

func startServer(t *testing.T, cfg serverConfig) *testServer {
	t.Helper()
	if cfg.home == "" {
		cfg.home = t.TempDir()
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.port)))
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.DebugLevel)
	opts := Options{
		Host:     "127.0.0.1",
		Port:     ln.Addr().(*net.TCPAddr).Port,
		Database: cfg.dsn,
		Home:     cfg.home,
		Env:      envOf(cfg.env),
		Logger:   zap.New(core),
	}
	if cfg.port0 {
		opts.Port = 0
	}
	if cfg.clock != nil {
		opts.Now = cfg.clock.Now
	}
	srv, err := New(t.Context(), opts)
	if err != nil {
		ln.Close()
		t.Fatalf("New: %v", err)
	}
	srv.tick = cfg.tick
	if srv.tick == nil {
		srv.tick = make(chan time.Time) // services run once at start, then only when a test ticks
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	transport := &http.Transport{MaxIdleConnsPerHost: 16}
	ts := &testServer{
		Server: srv, home: cfg.home, dsn: cfg.dsn, logs: logs, tick: cfg.tick, base: "http://" + ln.Addr().String(),
		client: &http.Client{Transport: transport, Timeout: time.Minute},
	}
	var once sync.Once
	var serveErr error
	ts.stop = func() error {
		once.Do(func() {
			cancel()
			serveErr = <-done
			transport.CloseIdleConnections()
			if err := srv.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return serveErr
	}
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	// Serve has written auth.toml before it answers the first request.
	if resp, err := ts.client.Get(ts.baseURL() + "/health"); err != nil {
		t.Fatalf("health: %v", err)
	} else {
		resp.Body.Close()
	}
	entry, err := config.ReadAuth(cfg.home, srv.URL())
	if err != nil {
		t.Fatalf("read auth.toml: %v", err)
	}
	ts.key = entry.APIKey
	if k := cfg.env[AdminKeyEnv]; k != "" {
		ts.key = k
	}
	return ts
}

// baseURL is the URL requests go to: the listener's address.
func (ts *testServer) baseURL() string { return ts.base }

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Status int
	Raw    []byte
	Data   map[string]json.RawMessage `json:"data"`
	Errors []gqlError                 `json:"errors"`
}

func (r gqlResponse) errorText() string {
	var b strings.Builder
	for _, e := range r.Errors {
		b.WriteString(e.Message)
		b.WriteString(" ")
		if c, ok := e.Extensions["code"].(string); ok {
			b.WriteString(c)
			b.WriteString(" ")
		}
	}
	return b.String()
}

// postRaw sends body as is to path with the given Authorization key ("" for none).
func (ts *testServer) postRaw(t *testing.T, path, key string, body []byte, header ...string) gqlResponse {
	t.Helper()
	r, err := ts.send(path, key, body, header...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is postRaw for goroutines other than the test's: it returns its error.
func (ts *testServer) send(path, key string, body []byte, header ...string) (gqlResponse, error) {
	req, err := http.NewRequest(http.MethodPost, ts.baseURL()+path, bytes.NewReader(body))
	if err != nil {
		return gqlResponse{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-PREFECT-CORE-VERSION", "1.4.1")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		return gqlResponse{}, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return gqlResponse{}, fmt.Errorf("POST %s: read body: %w", path, err)
	}
	out := gqlResponse{Status: resp.StatusCode, Raw: raw}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fmt.Errorf("POST %s: status %d, body is not JSON: %w: %.300s", path, resp.StatusCode, err, raw)
	}
	return out, nil
}

// gql sends a document the way Prefect's client does: variables JSON-encoded as a string.
func (ts *testServer) gql(t *testing.T, key, query string, vars any) gqlResponse {
	t.Helper()
	v, err := json.Marshal(vars)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"query": query, "variables": string(v)})
	if err != nil {
		t.Fatal(err)
	}
	return ts.postRaw(t, "/", key, body)
}

// mustGQL is gql that fails the test on any error, and decodes data into out.
func (ts *testServer) mustGQL(t *testing.T, query string, vars any, out any) {
	t.Helper()
	r := ts.gql(t, ts.key, query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("status %d, errors: %s\nquery: %s", r.Status, r.errorText(), query)
	}
	if out != nil {
		data, _ := json.Marshal(r.Data)
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("decode data %s: %v", data, err)
		}
	}
}
