package store

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"
)

func testCreateFlowRun(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	labelled := must(e.s.CreateFlow(e.ctx, Flow{TenantID: e.tenant.ID, Name: "labelled", Labels: []string{"b", "a"}}))(t)

	r := e.run(t, FlowRun{})
	if r.Version != 1 || r.State.Type != "Scheduled" || r.State.Version != 1 || r.State.Message != "Flow run scheduled." {
		t.Fatalf("new run %+v", r)
	}
	if r.TenantID != e.tenant.ID || r.FlowID != e.flow.ID || len(r.Labels) != 0 || r.Labels == nil {
		t.Fatalf("new run tenant %s flow %s labels %#v", r.TenantID, r.FlowID, r.Labels)
	}
	if !regexp.MustCompile(`^[a-z]+-[a-z]+$`).MatchString(r.Name) {
		t.Fatalf("generated name %q is not adjective-noun", r.Name)
	}
	now := micro(t0)
	if !r.ScheduledStartTime.Equal(now) || r.State.StartTime == nil || !r.State.StartTime.Equal(now) ||
		!r.State.Timestamp.Equal(now) || !r.Created.Equal(now) || r.ScheduledStartTime.Location() != time.UTC {
		t.Fatalf("times: scheduled %v, state start %v, state time %v, created %v; want %v UTC",
			r.ScheduledStartTime, r.State.StartTime, r.State.Timestamp, r.Created, now)
	}
	jsonEqual(t, "serialized state", r.State.Serialized, json.RawMessage(`{"type":"Scheduled","message":"Flow run scheduled.",
		"start_time":"2024-05-01T12:00:00.123456+00:00","context":{},"cached_inputs":{},
		"_result":{"type":"NoResultType","__version__":"1.4.1"},"__version__":"1.4.1"}`))
	jsonEqual(t, "parameters", r.Parameters, json.RawMessage(`{}`))
	jsonEqual(t, "context", r.Context, json.RawMessage(`{}`))
	if r.RunConfig != nil || r.StartTime != nil || r.EndTime != nil || r.Heartbeat != nil || r.AgentID != "" {
		t.Fatalf("new run has run config %s, start %v, end %v, heartbeat %v, agent %q", r.RunConfig, r.StartTime, r.EndTime, r.Heartbeat, r.AgentID)
	}
	hist := must(e.s.FlowRunStates(e.ctx, r.ID))(t)
	if len(hist) != 1 || hist[0].Type != "Scheduled" || hist[0].Version != 1 || !hist[0].StartTime.Equal(now) {
		t.Fatalf("history %+v", hist)
	}

	later := t0.Add(time.Hour)
	given := e.run(t, FlowRun{FlowID: labelled.ID, Name: "nightly", ScheduledStartTime: later, Labels: []string{"z", "y", "z"},
		Parameters: json.RawMessage(`{"n": 3}`), Context: json.RawMessage(`{"k":"v"}`), RunConfig: json.RawMessage(`{"type":"LocalRun"}`)})
	if given.Name != "nightly" || !given.ScheduledStartTime.Equal(micro(later)) || !given.State.StartTime.Equal(micro(later)) {
		t.Fatalf("given name/time: %q %v %v", given.Name, given.ScheduledStartTime, given.State.StartTime)
	}
	if !slices.Equal(given.Labels, []string{"y", "z"}) {
		t.Fatalf("own labels %v, want [y z]", given.Labels)
	}
	jsonEqual(t, "parameters", given.Parameters, json.RawMessage(`{"n":3}`))
	jsonEqual(t, "context", given.Context, json.RawMessage(`{"k":"v"}`))
	jsonEqual(t, "run config", given.RunConfig, json.RawMessage(`{"type":"LocalRun"}`))

	inherited := e.run(t, FlowRun{FlowID: labelled.ID})
	none := e.run(t, FlowRun{FlowID: labelled.ID, Labels: []string{}})
	if !slices.Equal(inherited.Labels, []string{"a", "b"}) || len(none.Labels) != 0 {
		t.Fatalf("labels: inherited %v (want [a b]), explicitly none %v", inherited.Labels, none.Labels)
	}

	_, err := e.s.CreateFlowRun(e.ctx, FlowRun{FlowID: "no-such-flow"})
	wantErr(t, err, ErrNotFound)
	_, err = e.s.CreateFlowRun(e.ctx, FlowRun{FlowID: e.flow.ID, Parameters: json.RawMessage(`{`)})
	wantErr(t, err, ErrInvalid)
	_, err = e.s.GetFlowRun(e.ctx, "no-such-run")
	wantErr(t, err, ErrNotFound)
	_, err = e.s.FlowRunStates(e.ctx, "no-such-run")
	wantErr(t, err, ErrNotFound)
}

func testIdempotencyKey(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	other := must(e.s.CreateFlow(e.ctx, Flow{TenantID: e.tenant.ID, Name: "other"}))(t)
	first := e.run(t, FlowRun{IdempotencyKey: "k1", Name: "first"})
	e.set(t, first.ID, "Submitted")
	again := e.run(t, FlowRun{IdempotencyKey: "k1", Name: "second"})
	if again.ID != first.ID || again.Name != "first" || again.State.Type != "Submitted" {
		t.Fatalf("same key returned %s %q %s, want the existing run %s unchanged", again.ID, again.Name, again.State.Type, first.ID)
	}
	if h := must(e.s.FlowRunStates(e.ctx, first.ID))(t); len(h) != 2 {
		t.Fatalf("reusing the key wrote history: %d states", len(h))
	}
	if r := e.run(t, FlowRun{IdempotencyKey: "k1", FlowID: other.ID}); r.ID == first.ID {
		t.Fatal("the same key on another flow returned the first flow's run")
	}
	if r := e.run(t, FlowRun{IdempotencyKey: "k2"}); r.ID == first.ID {
		t.Fatal("another key returned the same run")
	}
	a, b := e.run(t, FlowRun{}), e.run(t, FlowRun{})
	if a.ID == b.ID {
		t.Fatal("runs without a key share an id")
	}
}

func testListFlowRuns(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	other := must(e.s.CreateFlow(e.ctx, Flow{TenantID: e.tenant.ID, Name: "other"}))(t)
	var all []string
	for i := range 4 {
		r := FlowRun{}
		if i == 3 {
			r.FlowID = other.ID
		}
		all = append(all, e.run(t, r).ID)
		e.clock.Advance(time.Second)
	}
	e.set(t, all[1], "Running")
	newestFirst := slices.Clone(all)
	slices.Reverse(newestFirst)
	tests := []struct {
		name   string
		filter RunFilter
		want   []string
	}{
		{"all", RunFilter{}, newestFirst},
		{"tenant", RunFilter{TenantID: e.tenant.ID}, newestFirst},
		{"other tenant", RunFilter{TenantID: "nobody"}, []string{}},
		{"ids", RunFilter{IDs: []string{all[2], all[0]}}, []string{all[2], all[0]}},
		{"no ids", RunFilter{IDs: []string{}}, []string{}},
		{"flow", RunFilter{FlowID: other.ID}, []string{all[3]}},
		{"states", RunFilter{States: []string{"Running", "Success"}}, []string{all[1]}},
		{"limit", RunFilter{Limit: 2}, newestFirst[:2]},
	}
	for _, tt := range tests {
		got := ids(must(e.s.ListFlowRuns(e.ctx, tt.filter))(t))
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func testNameAndHeartbeat(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	r := e.run(t, FlowRun{})
	if err := e.s.SetFlowRunName(e.ctx, r.ID, "renamed"); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Minute)
	if err := e.s.Heartbeat(e.ctx, r.ID, at); err != nil {
		t.Fatal(err)
	}
	got := e.get(t, r.ID)
	if got.Name != "renamed" || got.Heartbeat == nil || !got.Heartbeat.Equal(micro(at)) {
		t.Fatalf("name %q heartbeat %v", got.Name, got.Heartbeat)
	}
	wantErr(t, e.s.SetFlowRunName(e.ctx, r.ID, " "), ErrInvalid)
	wantErr(t, e.s.SetFlowRunName(e.ctx, "no-such-run", "x"), ErrNotFound)
	wantErr(t, e.s.Heartbeat(e.ctx, "no-such-run", at), ErrNotFound)
}

func testStaleRuns(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	oldRunning := e.run(t, FlowRun{Name: "old-running"})
	e.set(t, oldRunning.ID, "Running") // heartbeat t0
	oldSubmitted := e.run(t, FlowRun{Name: "old-submitted"})
	e.set(t, oldSubmitted.ID, "Submitted")
	noBeat := e.run(t, FlowRun{Name: "scheduled-no-heartbeat"}) // state timestamp t0, no heartbeat
	e.clock.Advance(20 * time.Minute)
	fresh := e.run(t, FlowRun{Name: "fresh"})
	e.set(t, fresh.ID, "Running") // heartbeat t0+20m
	revived := e.run(t, FlowRun{Name: "revived"})
	e.set(t, revived.ID, "Running")
	if err := e.s.Heartbeat(e.ctx, oldSubmitted.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	cutoff := t0.Add(10 * time.Minute)
	tests := []struct {
		states []string
		want   []string
	}{
		{[]string{"Running", "Submitted"}, []string{oldRunning.ID}},
		{[]string{"Scheduled"}, []string{noBeat.ID}},
		{[]string{"Success"}, []string{}},
		{nil, []string{}},
	}
	for _, tt := range tests {
		got := ids(must(e.s.StaleRuns(e.ctx, tt.states, cutoff))(t))
		if !slices.Equal(got, tt.want) {
			t.Errorf("StaleRuns(%v) = %v, want %v", tt.states, got, tt.want)
		}
	}
}
