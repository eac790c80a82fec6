package store

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
)

func testOpenTwice(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	run := e.run(t, FlowRun{})
	// A second handle on the same database, as a second process or replica would open:
	// the migrations are already recorded, so opening again changes nothing.
	other := openStore(t, e.dsn)
	if got := must(other.GetFlowRun(e.ctx, run.ID))(t); got.ID != run.ID || got.Version != 1 {
		t.Fatalf("second handle reads %+v", got)
	}
	if _, err := other.SetFlowRunState(e.ctx, StateUpdate{RunID: run.ID, State: State{Type: "Submitted"}}); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, run.ID); got.State.Type != "Submitted" {
		t.Fatalf("first handle reads state %s after the second wrote Submitted", got.State.Type)
	}
	third := openStore(t, e.dsn)
	var applied int
	if err := third.(*sqlStore).db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	want := len(must(loadMigrations(third.(*sqlStore).d.migrations))(t))
	if applied != want {
		t.Fatalf("schema_migrations has %d rows after three opens, want %d", applied, want)
	}
	if got := must(third.Tenants(e.ctx))(t); len(got) != 1 {
		t.Fatalf("tenants after reopening: %+v", got)
	}
}

func testTenants(t *testing.T, dsn newDSN) {
	d := dsn(t)
	a, b := openStore(t, d), openStore(t, d)
	// Two processes asking for the default tenant at once agree on one.
	var wg sync.WaitGroup
	got := make([]Tenant, 8)
	errs := make([]error, 8)
	for i := range got {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() { got[i], errs[i] = s.DefaultTenant(t.Context()) })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got[i].ID != got[0].ID {
			t.Fatalf("concurrent DefaultTenant calls returned %s and %s", got[0].ID, got[i].ID)
		}
	}
	if got[0].Slug != "default" || got[0].Name != "default" || got[0].Created.IsZero() {
		t.Fatalf("default tenant %+v", got[0])
	}
	all := must(a.Tenants(t.Context()))(t)
	if len(all) != 1 || all[0] != got[0] {
		t.Fatalf("Tenants() = %+v, want only %+v", all, got[0])
	}
}

func testAgents(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	base := Agent{TenantID: e.tenant.ID, Name: "agent", Type: "LocalAgent", CoreVersion: "1.4.1", Labels: []string{"dev", "host"}}
	first := must(e.s.RegisterAgent(e.ctx, base))(t)
	if first.ID == "" || !slices.Equal(first.Labels, []string{"dev", "host"}) || first.LastQueried != nil {
		t.Fatalf("registered %+v", first)
	}
	variant := func(f func(a *Agent)) Agent { a := base; a.Labels = slices.Clone(base.Labels); f(&a); return a }
	tests := []struct {
		name  string
		agent Agent
		same  bool
	}{
		{"identical", base, true},
		{"labels in another order", variant(func(a *Agent) { a.Labels = []string{"host", "dev", "dev"} }), true},
		{"no tenant means the default tenant", variant(func(a *Agent) { a.TenantID = "" }), true},
		{"other labels", variant(func(a *Agent) { a.Labels = []string{"dev"} }), false},
		{"no labels", variant(func(a *Agent) { a.Labels = nil }), false},
		{"other name", variant(func(a *Agent) { a.Name = "other" }), false},
		{"other type", variant(func(a *Agent) { a.Type = "DockerAgent" }), false},
		{"other core version", variant(func(a *Agent) { a.CoreVersion = "1.4.0" }), false},
	}
	for _, tt := range tests {
		got := must(e.s.RegisterAgent(e.ctx, tt.agent))(t)
		if (got.ID == first.ID) != tt.same {
			t.Errorf("%s: id %s, first id %s, want same=%v", tt.name, got.ID, first.ID, tt.same)
		}
	}
	at := t0.Add(42e6)
	if err := e.s.TouchAgent(e.ctx, first.ID, at); err != nil {
		t.Fatal(err)
	}
	again := must(e.s.RegisterAgent(e.ctx, base))(t)
	if again.LastQueried == nil || !again.LastQueried.Equal(micro(at)) || again.LastQueried.Location().String() != "UTC" {
		t.Fatalf("last queried %v, want %v in UTC", again.LastQueried, micro(at))
	}
	wantErr(t, e.s.TouchAgent(e.ctx, "no-such-agent", at), ErrNotFound)
}

func testFlows(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	runConfig := json.RawMessage(`{"type":"UniversalRun","labels":["gpu","dev"]}`)
	v2 := must(e.s.CreateFlow(e.ctx, Flow{TenantID: e.tenant.ID, Name: "etl", CoreVersion: "1.4.1", RunConfig: runConfig,
		Storage: json.RawMessage(`{"type":"GitHub","repo":"o/r","path":"f.py"}`), Parameters: json.RawMessage(`[]`)}))(t)
	if v2.Version != 2 || v2.ID == e.flow.ID || e.flow.Version != 1 {
		t.Fatalf("versions: first %d, second %d", e.flow.Version, v2.Version)
	}
	if !slices.Equal(v2.Labels, []string{"dev", "gpu"}) {
		t.Fatalf("labels from run config: %v, want [dev gpu]", v2.Labels)
	}
	jsonEqual(t, "storage", v2.Storage, json.RawMessage(`{"type":"GitHub","repo":"o/r","path":"f.py"}`))
	jsonEqual(t, "run_config", v2.RunConfig, runConfig)
	jsonEqual(t, "settings", v2.Settings, json.RawMessage(`{}`))
	if v2.Environment != nil {
		t.Fatalf("environment %s, want none", v2.Environment)
	}
	env := must(e.s.CreateFlow(e.ctx, Flow{TenantID: e.tenant.ID, Name: "legacy", Environment: json.RawMessage(`{"labels":["old"]}`)}))(t)
	own := must(e.s.CreateFlow(e.ctx, Flow{TenantID: e.tenant.ID, Name: "own", Labels: []string{}, RunConfig: runConfig}))(t)
	if !slices.Equal(env.Labels, []string{"old"}) || len(own.Labels) != 0 {
		t.Fatalf("labels: from environment %v, given empty %v", env.Labels, own.Labels)
	}
	if got := must(e.s.FlowByName(e.ctx, e.tenant.ID, "etl"))(t); got.ID != v2.ID {
		t.Fatalf("FlowByName returned version %d, want the newest", got.Version)
	}
	if got := must(e.s.GetFlow(e.ctx, e.flow.ID))(t); got.Name != "etl" || got.Version != 1 || !got.Created.Equal(micro(t0)) {
		t.Fatalf("GetFlow = %+v", got)
	}
	var names []string
	for _, f := range must(e.s.ListFlows(e.ctx, e.tenant.ID))(t) {
		names = append(names, f.Name+":"+string(rune('0'+f.Version)))
	}
	if want := []string{"etl:1", "etl:2", "legacy:1", "own:1"}; !slices.Equal(names, want) {
		t.Fatalf("ListFlows = %v, want %v", names, want)
	}
	bad := []struct {
		name string
		flow Flow
		err  error
	}{
		{"no name", Flow{TenantID: e.tenant.ID}, ErrInvalid},
		{"no tenant", Flow{Name: "x"}, ErrInvalid},
		{"unknown tenant", Flow{Name: "x", TenantID: "no-such-tenant"}, ErrNotFound},
		{"bad JSON", Flow{Name: "x", TenantID: e.tenant.ID, Storage: json.RawMessage(`{"type":`)}, ErrInvalid},
	}
	for _, tt := range bad {
		_, err := e.s.CreateFlow(e.ctx, tt.flow)
		if !errorsIs(err, tt.err) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.err)
		}
	}
	_, err := e.s.GetFlow(e.ctx, "no-such-flow")
	wantErr(t, err, ErrNotFound)
	_, err = e.s.FlowByName(e.ctx, e.tenant.ID, "no-such-flow")
	wantErr(t, err, ErrNotFound)
}
