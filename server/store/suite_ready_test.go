package store

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

func testReadyRunsLabels(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	tests := []struct {
		run, agent []string
		offered    bool
	}{
		{nil, nil, true},
		{nil, []string{"a"}, false}, // an unlabelled run goes only to an unlabelled agent
		{[]string{"a"}, nil, false},
		{[]string{"a"}, []string{"a"}, true},
		{[]string{"a"}, []string{"a", "b"}, true}, // extra agent labels are fine
		{[]string{"a", "b"}, []string{"a"}, false},
		{[]string{"a", "b"}, []string{"c", "b", "a"}, true},
		{[]string{"b"}, []string{"a"}, false},
	}
	runs := make([]FlowRun, len(tests))
	for i, tt := range tests {
		runs[i] = e.run(t, FlowRun{Labels: append([]string{}, tt.run...)})
	}
	for i, tt := range tests {
		got := ids(must(e.s.ReadyRuns(e.ctx, e.tenant.ID, t0, tt.agent, 0))(t))
		if slices.Contains(got, runs[i].ID) != tt.offered {
			t.Errorf("run labels %v, agent labels %v: offered=%v, want %v", tt.run, tt.agent, !tt.offered, tt.offered)
		}
	}
	// Runs no agent of these labels can take never hide a due run it can.
	e.clock.Advance(time.Minute)
	mine := e.run(t, FlowRun{Labels: []string{"mine"}})
	got := ids(must(e.s.ReadyRuns(e.ctx, e.tenant.ID, e.clock.Now(), []string{"mine"}, 1))(t))
	if !slices.Equal(got, []string{mine.ID}) {
		t.Fatalf("with limit 1 behind %d earlier runs of other labels: %v, want [%s]", len(tests), got, mine.ID)
	}
}

func testReadyRunsDue(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	// Created out of order, so that the order can only come from the start times.
	byStart := map[int]FlowRun{}
	for _, m := range []int{3, -2, 0, 1, -5} {
		byStart[m] = e.run(t, FlowRun{ScheduledStartTime: at(m)})
	}
	submitted := e.run(t, FlowRun{ScheduledStartTime: at(-9)})
	e.set(t, submitted.ID, "Submitted")
	done := e.run(t, FlowRun{ScheduledStartTime: at(-9)})
	e.set(t, done.ID, "Success")
	paused := e.run(t, FlowRun{ScheduledStartTime: at(-9)})
	e.set(t, paused.ID, "Paused") // paused indefinitely: no start time, never due
	resumed := e.run(t, FlowRun{ScheduledStartTime: at(-9)})
	must(e.s.SetFlowRunState(e.ctx, StateUpdate{RunID: resumed.ID, State: State{Type: "Resume", StartTime: ptr(at(-1))}}))(t)

	// A due run of another tenant is not offered.
	s := e.s.(*sqlStore)
	otherTenant := uuid.NewString()
	if _, err := s.exec(e.ctx, s.db, `INSERT INTO tenant (id, name, slug, created) VALUES (?, 'other', 'other', ?)`, otherTenant, ts(t0)); err != nil {
		t.Fatal(err)
	}
	otherFlow := must(e.s.CreateFlow(e.ctx, Flow{TenantID: otherTenant, Name: "theirs"}))(t)
	e.run(t, FlowRun{FlowID: otherFlow.ID, ScheduledStartTime: at(-9)})

	tests := []struct {
		before time.Time
		limit  int
		want   []string
	}{
		{at(0), 0, []string{byStart[-5].ID, byStart[-2].ID, resumed.ID, byStart[0].ID}},
		{at(1), 0, []string{byStart[-5].ID, byStart[-2].ID, resumed.ID, byStart[0].ID, byStart[1].ID}}, // due at exactly `before`
		{at(1), 2, []string{byStart[-5].ID, byStart[-2].ID}},
		{at(-6), 0, []string{}},
		{at(10), 0, []string{byStart[-5].ID, byStart[-2].ID, resumed.ID, byStart[0].ID, byStart[1].ID, byStart[3].ID}},
	}
	for _, tt := range tests {
		got := ids(must(e.s.ReadyRuns(e.ctx, e.tenant.ID, tt.before, nil, tt.limit))(t))
		if !slices.Equal(got, tt.want) {
			t.Errorf("ReadyRuns(before %v, limit %d) = %v, want %v", tt.before.Sub(t0), tt.limit, got, tt.want)
		}
	}
	_, err := e.s.ReadyRuns(e.ctx, e.tenant.ID, t0, nil, -1)
	wantErr(t, err, ErrInvalid)
}

func testReadyRunsTaskRetry(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	retry := func(startMinute int) FlowRun {
		r := e.run(t, FlowRun{ScheduledStartTime: at(-30)})
		e.set(t, r.ID, "Running")
		tr := must(e.s.GetOrCreateTaskRun(e.ctx, r.ID, "task", -1))(t)
		must(e.s.SetTaskRunState(e.ctx, StateUpdate{RunID: tr.ID, State: State{Type: "Retrying", StartTime: ptr(at(startMinute))}}))(t)
		return r
	}
	dueRetry := retry(-3)
	laterRetry := retry(5)
	running := e.run(t, FlowRun{ScheduledStartTime: at(-30)})
	e.set(t, running.ID, "Running")
	runningTask := must(e.s.GetOrCreateTaskRun(e.ctx, running.ID, "task", -1))(t)
	setTask(t, e, runningTask.ID, "Running")
	scheduled := e.run(t, FlowRun{ScheduledStartTime: at(-1)})
	early := e.run(t, FlowRun{ScheduledStartTime: at(-4)})

	tests := []struct {
		before time.Time
		limit  int
		want   []string
	}{
		// Ordered by due time across both kinds: the retry is due at -3.
		{at(0), 0, []string{early.ID, dueRetry.ID, scheduled.ID}},
		{at(0), 2, []string{early.ID, dueRetry.ID}},
		{at(5), 0, []string{early.ID, dueRetry.ID, scheduled.ID, laterRetry.ID}},
	}
	for _, tt := range tests {
		got := ids(must(e.s.ReadyRuns(e.ctx, e.tenant.ID, tt.before, nil, tt.limit))(t))
		if !slices.Equal(got, tt.want) {
			t.Errorf("ReadyRuns(before %v, limit %d) = %v, want %v", tt.before.Sub(t0), tt.limit, got, tt.want)
		}
	}
}
