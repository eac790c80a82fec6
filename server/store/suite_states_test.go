package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func testSetFlowRunState(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	r := e.run(t, FlowRun{})
	start := t0.Add(time.Hour)
	retrying := json.RawMessage(`{"type":"Retrying","message":"again","start_time":"2024-05-01T13:00:00.123456789+00:00","run_count":2,
		"context":{},"cached_inputs":{},"_result":{"type":"NoResultType","__version__":"1.4.1"},"__version__":"1.4.1"}`)
	e.clock.Advance(time.Second)
	v := must(e.s.SetFlowRunState(e.ctx, StateUpdate{RunID: r.ID, ExpectedVersion: ptr(1), State: State{Serialized: retrying}}))(t)
	got := e.get(t, r.ID)
	if v != 2 || got.Version != 2 || got.State.Type != "Retrying" || got.State.Message != "again" ||
		got.State.StartTime == nil || !got.State.StartTime.Equal(micro(start)) || !got.State.Timestamp.Equal(micro(t0.Add(time.Second))) {
		t.Fatalf("after Retrying: version %d, run %+v", v, got.State)
	}
	jsonEqual(t, "stored serialized state", got.State.Serialized, retrying)

	// A stale version changes nothing: not the run, not its history.
	_, err := e.s.SetFlowRunState(e.ctx, StateUpdate{RunID: r.ID, ExpectedVersion: ptr(1), State: State{Type: "Failed", Message: "late"}})
	wantErr(t, err, ErrVersionLock)
	if msg := err.Error(); !strings.HasPrefix(msg, "set flow run state "+r.ID+": version locking error") {
		t.Fatalf("error %q does not name the operation and the cause", msg)
	}
	if after := e.get(t, r.ID); after.Version != 2 || after.State.Type != "Retrying" || after.EndTime != nil {
		t.Fatalf("a refused update changed the run: %+v", after)
	}
	if h := must(e.s.FlowRunStates(e.ctx, r.ID))(t); len(h) != 2 {
		t.Fatalf("a refused update wrote history: %d states", len(h))
	}

	// No version: Prefect's runners send none, and the update applies to whatever is there.
	if v := must(e.s.SetFlowRunState(e.ctx, StateUpdate{RunID: r.ID, State: State{Type: "Pending", Message: "wait"}}))(t); v != 3 {
		t.Fatalf("unversioned update gave version %d, want 3", v)
	}
	got = e.get(t, r.ID)
	jsonEqual(t, "built serialized state", got.State.Serialized, json.RawMessage(`{"type":"Pending","message":"wait","context":{},
		"cached_inputs":{},"_result":{"type":"NoResultType","__version__":"1.4.1"},"__version__":"1.4.1"}`))

	hist := must(e.s.FlowRunStates(e.ctx, r.ID))(t)
	var types []string
	for i, h := range hist {
		types = append(types, h.Type)
		if h.Version != i+1 {
			t.Fatalf("history %d has version %d", i, h.Version)
		}
	}
	if strings.Join(types, ",") != "Scheduled,Retrying,Pending" || hist[1].Message != "again" || !hist[1].StartTime.Equal(micro(start)) {
		t.Fatalf("history %+v", hist)
	}

	bad := []struct {
		name string
		u    StateUpdate
		err  error
	}{
		{"missing run", StateUpdate{RunID: "no-such-run", State: State{Type: "Running"}}, ErrNotFound},
		{"unknown type", StateUpdate{RunID: r.ID, State: State{Type: "Exploded"}}, ErrInvalid},
		{"no type", StateUpdate{RunID: r.ID}, ErrInvalid},
		{"type disagrees with serialized", StateUpdate{RunID: r.ID, State: State{Type: "Running", Serialized: retrying}}, ErrInvalid},
		{"serialized not an object", StateUpdate{RunID: r.ID, State: State{Serialized: json.RawMessage(`[1]`)}}, ErrInvalid},
		{"bad start time", StateUpdate{RunID: r.ID, State: State{Serialized: json.RawMessage(`{"type":"Scheduled","start_time":"noon"}`)}}, ErrInvalid},
		{"too large", StateUpdate{RunID: r.ID, State: State{Type: "Running",
			Serialized: json.RawMessage(`{"type":"Running","message":"` + strings.Repeat("x", maxStateBytes) + `"}`)}}, ErrInvalid},
	}
	for _, tt := range bad {
		_, err := e.s.SetFlowRunState(e.ctx, tt.u)
		if !errorsIs(err, tt.err) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.err)
		}
	}
	if after := e.get(t, r.ID); after.Version != 3 {
		t.Fatalf("refused updates moved the run to version %d", after.Version)
	}
}

func testSubmittedOnce(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	agent := must(e.s.RegisterAgent(e.ctx, Agent{Name: "a", Type: "LocalAgent"}))(t)
	tests := []struct {
		from    []string // states set before the claim
		allowed bool
	}{
		{nil, true},
		{[]string{"Pending"}, true},
		{[]string{"Paused"}, true},
		{[]string{"Submitted"}, false},
		{[]string{"Running"}, false},
		{[]string{"Running", "Cancelling"}, false},
		{[]string{"Success"}, false},
		{[]string{"Failed"}, false},
		{[]string{"Cancelled"}, false},
	}
	for _, tt := range tests {
		r := e.run(t, FlowRun{})
		for _, s := range tt.from {
			e.set(t, r.ID, s)
		}
		before := e.get(t, r.ID)
		_, err := e.s.SetFlowRunState(e.ctx, StateUpdate{RunID: r.ID, ExpectedVersion: ptr(before.Version), AgentID: agent.ID,
			State: State{Type: "Submitted", Message: "Submitted for execution"}})
		after := e.get(t, r.ID)
		if tt.allowed {
			if err != nil || after.State.Type != "Submitted" || after.AgentID != agent.ID || after.Heartbeat == nil {
				t.Errorf("claim from %v: error %v, state %s, agent %q, heartbeat %v", tt.from, err, after.State.Type, after.AgentID, after.Heartbeat)
			}
			continue
		}
		if !errorsIs(err, ErrAlreadySubmitted) || after.Version != before.Version || after.State.Type != before.State.Type {
			t.Errorf("claim from %v: error %v, version %d -> %d; want ErrAlreadySubmitted and no change", tt.from, err, before.Version, after.Version)
		}
	}
	// A claim naming an agent that does not exist still claims, without an agent.
	r := e.run(t, FlowRun{})
	if _, err := e.s.SetFlowRunState(e.ctx, StateUpdate{RunID: r.ID, AgentID: "no-such-agent", State: State{Type: "Submitted"}}); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, r.ID); got.AgentID != "" {
		t.Fatalf("agent id %q set from an unknown agent", got.AgentID)
	}
}

func testRunTimes(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	r := e.run(t, FlowRun{})
	step := func(state string) FlowRun {
		e.clock.Advance(time.Minute)
		e.set(t, r.ID, state)
		return e.get(t, r.ID)
	}
	at := func(minutes int) time.Time { return micro(t0.Add(time.Duration(minutes) * time.Minute)) }
	steps := []struct {
		state            string
		start, end, beat *time.Time
	}{
		{"Submitted", nil, nil, ptr(at(1))},
		{"Running", ptr(at(2)), nil, ptr(at(2))},
		{"Retrying", ptr(at(2)), nil, ptr(at(2))},
		{"Running", ptr(at(2)), nil, ptr(at(4))}, // the first start is kept
		{"Failed", ptr(at(2)), ptr(at(5)), ptr(at(4))},
		{"Running", ptr(at(2)), ptr(at(5)), ptr(at(6))},
		{"Success", ptr(at(2)), ptr(at(7)), ptr(at(6))}, // the last end wins
	}
	same := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	for i, s := range steps {
		got := step(s.state)
		if !same(got.StartTime, s.start) || !same(got.EndTime, s.end) || !same(got.Heartbeat, s.beat) {
			t.Fatalf("step %d (%s): start %v end %v heartbeat %v; want %v %v %v", i, s.state, got.StartTime, got.EndTime, got.Heartbeat, s.start, s.end, s.beat)
		}
		if !got.Updated.Equal(at(i + 1)) {
			t.Fatalf("step %d: updated %v, want %v", i, got.Updated, at(i+1))
		}
	}
}

func testCancelledCascades(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	r := e.run(t, FlowRun{})
	e.set(t, r.ID, "Running")
	pending := must(e.s.GetOrCreateTaskRun(e.ctx, r.ID, "task-a", -1))(t)
	running := must(e.s.GetOrCreateTaskRun(e.ctx, r.ID, "task-b", -1))(t)
	done := must(e.s.GetOrCreateTaskRun(e.ctx, r.ID, "task-c", -1))(t)
	setTask(t, e, running.ID, "Running")
	setTask(t, e, done.ID, "Success")
	other := e.run(t, FlowRun{})
	untouched := must(e.s.GetOrCreateTaskRun(e.ctx, other.ID, "task-a", -1))(t)

	e.set(t, r.ID, "Cancelled")
	want := map[string]struct {
		state   string
		version int
	}{pending.ID: {"Cancelled", 2}, running.ID: {"Cancelled", 3}, done.ID: {"Success", 2}, untouched.ID: {"Pending", 1}}
	for id, w := range want {
		got := must(e.s.GetTaskRun(e.ctx, id))(t)
		if got.State.Type != w.state || got.Version != w.version {
			t.Errorf("task run %s: %s v%d, want %s v%d", got.TaskID, got.State.Type, got.Version, w.state, w.version)
		}
		if w.state == "Cancelled" {
			jsonEqual(t, "cancelled task state", got.State.Serialized, serializeState("Cancelled", "Flow run is cancelled", nil))
		}
	}
	var history int
	if err := e.s.(*sqlStore).db.QueryRow(e.s.(*sqlStore).d.rebind(`SELECT COUNT(*) FROM task_run_state WHERE task_run_id = ? AND state = 'Cancelled'`),
		pending.ID).Scan(&history); err != nil || history != 1 {
		t.Fatalf("cancelled task run history rows: %d, %v", history, err)
	}
}

func setTask(t *testing.T, e *env, id, state string) int {
	t.Helper()
	return must(e.s.SetTaskRunState(e.ctx, StateUpdate{RunID: id, State: State{Type: state}}))(t)
}

func testTaskRuns(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	r := e.run(t, FlowRun{})
	tr := must(e.s.GetOrCreateTaskRun(e.ctx, r.ID, "task-a", -1))(t)
	if tr.Version != 1 || tr.State.Type != "Pending" || tr.State.Message != "Task run created" || tr.TenantID != e.tenant.ID || tr.MapIndex != -1 {
		t.Fatalf("new task run %+v", tr)
	}
	if again := must(e.s.GetOrCreateTaskRun(e.ctx, r.ID, "task-a", -1))(t); again.ID != tr.ID {
		t.Fatal("GetOrCreateTaskRun created a second task run for the same key")
	}
	mapped := must(e.s.GetOrCreateTaskRun(e.ctx, r.ID, "task-a", 0))(t)
	if mapped.ID == tr.ID {
		t.Fatal("another map index returned the same task run")
	}
	list := must(e.s.TaskRuns(e.ctx, r.ID))(t)
	if len(list) != 2 || list[0].ID != tr.ID || list[1].ID != mapped.ID {
		t.Fatalf("TaskRuns = %+v", list)
	}
	// Running is refused while the flow run is not Running.
	_, err := e.s.SetTaskRunState(e.ctx, StateUpdate{RunID: tr.ID, State: State{Type: "Running"}})
	wantErr(t, err, ErrFlowRunNotRunning)
	if !strings.Contains(err.Error(), "provided a running state but associated flow run "+r.ID) {
		t.Fatalf("error %q does not explain the refusal", err)
	}
	e.set(t, r.ID, "Running")
	cached := json.RawMessage(`{"type":"Pending","message":"p","cached_inputs":{"x":{"type":"PrefectResult","location":"1"}}}`)
	if v := must(e.s.SetTaskRunState(e.ctx, StateUpdate{RunID: tr.ID, ExpectedVersion: ptr(1), State: State{Serialized: cached}}))(t); v != 2 {
		t.Fatalf("version %d, want 2", v)
	}
	e.clock.Advance(time.Second)
	if v := must(e.s.SetTaskRunState(e.ctx, StateUpdate{RunID: tr.ID, ExpectedVersion: ptr(2), State: State{Type: "Running"}}))(t); v != 3 {
		t.Fatalf("version %d, want 3", v)
	}
	got := must(e.s.GetTaskRun(e.ctx, tr.ID))(t)
	if got.State.Type != "Running" || got.Heartbeat == nil || !got.Heartbeat.Equal(micro(t0.Add(time.Second))) {
		t.Fatalf("running task run %+v", got)
	}
	var w struct {
		CachedInputs map[string]any `json:"cached_inputs"`
	}
	if err := json.Unmarshal(got.State.Serialized, &w); err != nil || w.CachedInputs["x"] == nil {
		t.Fatalf("cached inputs were not kept: %s", got.State.Serialized)
	}
	_, err = e.s.SetTaskRunState(e.ctx, StateUpdate{RunID: tr.ID, ExpectedVersion: ptr(2), State: State{Type: "Success"}})
	wantErr(t, err, ErrVersionLock)
	if got := must(e.s.GetTaskRun(e.ctx, tr.ID))(t); got.Version != 3 || got.State.Type != "Running" {
		t.Fatalf("a refused task update changed it: %+v", got)
	}
	_, err = e.s.SetTaskRunState(e.ctx, StateUpdate{RunID: "no-such-task-run", State: State{Type: "Success"}})
	wantErr(t, err, ErrNotFound)
	_, err = e.s.GetOrCreateTaskRun(e.ctx, "no-such-run", "task-a", -1)
	wantErr(t, err, ErrNotFound)
	_, err = e.s.GetTaskRun(e.ctx, "no-such-task-run")
	wantErr(t, err, ErrNotFound)
	_, err = e.s.TaskRuns(e.ctx, "no-such-run")
	wantErr(t, err, ErrNotFound)
}
