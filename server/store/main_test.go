package store

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/outposthq/outpost/internal/testpg"
)

func TestMain(m *testing.M) { testpg.Main(m) }

// newDSN returns the location of a fresh, empty database.
type newDSN func(t testing.TB) string

func sqliteDSN(t testing.TB) string { return filepath.Join(t.TempDir(), "state", "outpost.db") }

func TestSQLite(t *testing.T)   { runStoreSuite(t, sqliteDSN) }
func TestPostgres(t *testing.T) { runStoreSuite(t, testpg.Start) }

// runStoreSuite is the one conformance suite both engines must pass.
func runStoreSuite(t *testing.T, dsn newDSN) {
	tests := []struct {
		name string
		run  func(t *testing.T, dsn newDSN)
	}{
		{"OpenTwiceAndMigrateAgain", testOpenTwice},
		{"ConcurrentFirstOpen", testConcurrentFirstOpen},
		{"Tenants", testTenants},
		{"Agents", testAgents},
		{"Flows", testFlows},
		{"Projects", testProjects},
		{"CreateFlowRun", testCreateFlowRun},
		{"IdempotencyKey", testIdempotencyKey},
		{"ListFlowRuns", testListFlowRuns},
		{"SetFlowRunState", testSetFlowRunState},
		{"SubmittedOnce", testSubmittedOnce},
		{"RunTimes", testRunTimes},
		{"CancelledCascades", testCancelledCascades},
		{"TaskRuns", testTaskRuns},
		{"ReadyRunsLabels", testReadyRunsLabels},
		{"ReadyRunsDue", testReadyRunsDue},
		{"ReadyRunsTaskRetry", testReadyRunsTaskRetry},
		{"NameAndHeartbeat", testNameAndHeartbeat},
		{"StaleRuns", testStaleRuns},
		{"Logs", testLogs},
		{"Secrets", testSecrets},
		{"APIKeys", testAPIKeys},
		{"ClaimRace", testClaimRace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, dsn) })
	}
}

// testClock is a settable clock for WithClock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

// t0 has nanoseconds, to check that the store keeps microseconds.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one test's store with a tenant and a flow.
type env struct {
	ctx    context.Context
	dsn    string
	s      Store
	clock  *testClock
	tenant Tenant
	flow   Flow
}

func newEnv(t *testing.T, dsn newDSN) *env {
	t.Helper()
	e := &env{ctx: context.Background(), dsn: dsn(t), clock: &testClock{t: t0}}
	e.s = openStore(t, e.dsn, WithClock(e.clock.Now))
	e.tenant = must(e.s.DefaultTenant(e.ctx))(t)
	e.flow = must(e.s.CreateFlow(e.ctx, Flow{TenantID: e.tenant.ID, Name: "etl", Storage: json.RawMessage(`{"type":"Local"}`)}))(t)
	return e
}

func openStore(t testing.TB, dsn string, opts ...Option) Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// must returns v, failing the test on err: must(f())(t).
func must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// run creates a flow run of the env's flow.
func (e *env) run(t *testing.T, r FlowRun) FlowRun {
	t.Helper()
	if r.FlowID == "" {
		r.FlowID = e.flow.ID
	}
	return must(e.s.CreateFlowRun(e.ctx, r))(t)
}

// set applies a state without a version check and returns the new version.
func (e *env) set(t *testing.T, runID, state string) int {
	t.Helper()
	return must(e.s.SetFlowRunState(e.ctx, StateUpdate{RunID: runID, State: State{Type: state}}))(t)
}

func (e *env) get(t *testing.T, id string) FlowRun {
	t.Helper()
	return must(e.s.GetFlowRun(e.ctx, id))(t)
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}

func jsonEqual(t *testing.T, what string, got, want json.RawMessage) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %q is not JSON: %v", what, got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: want %q is not JSON: %v", what, want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}

func ids(runs []FlowRun) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// micro is t as the store keeps it.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }
