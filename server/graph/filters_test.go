package graph

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outposthq/outpost/server/graph/model"
)

func TestUnsupportedFilterOperatorIsAnError(t *testing.T) {
	tests := []struct{ query, want string }{
		{`query { flow_run(where: { name: { _regex: "^etl" } }) { id } }`, "_regex in flow_run.where.name"},
		{`query { flow_run(where: { _or: [{ state: { _eq: "Running" } }, { name: { _similar: "x%" } }] }) { id } }`, "_similar in flow_run.where._or[1].name"},
		{`query { flow_run(where: { task_runs: { state: { _iregex: "run" } } }) { id } }`, "_iregex in flow_run.where.task_runs.state"},
		{`query { flow_run { task_runs(where: { state: { _nregex: "x" } }) { id } } }`, "_nregex in task_runs.where.state"},
		{`query { flow(where: { name: { _niregex: "x" } }) { id } }`, "_niregex in flow.where.name"},
		{`query { task_run(where: { cache_key: { _nsimilar: "x" } }) { id } }`, "_nsimilar in task_run.where.cache_key"},
		{`query { log(where: { flow_run_id: { _eq: "` + exampleRunID + `" }, message: { _regex: "x" } }) { id } }`, "_regex in log.where.message"},
	}
	e := newEnv(t)
	// A run exists for the nested cases; the top-level ones must fail with none matching.
	e.createRun(e.createFlow(nativeFlow), "")
	for _, tt := range tests {
		got := e.fails(tt.query, "", tt.want)
		if !strings.Contains(got.Message, "not supported by this backend") {
			t.Errorf("%s: message %q does not say what is wrong", tt.query, got.Message)
		}
	}
}

func TestFlowRunFilters(t *testing.T) {
	e := newEnv(t)
	flowID := e.createFlow(nativeFlow)
	otherFlow := e.createFlow(`{"name": "other", "storage": {"type": "Local"}}`)
	a := e.createRun(flowID, `"flow_run_name": "alpha-nightly", "scheduled_start_time": "2024-05-01T11:00:00+00:00"`)
	b := e.createRun(flowID, `"flow_run_name": "beta-nightly", "scheduled_start_time": "2024-05-01T12:00:00+00:00"`)
	c := e.createRun(otherFlow, `"flow_run_name": "Gamma", "scheduled_start_time": "2024-05-01T13:00:00+00:00"`)
	agentID := e.registerAgent()
	e.ok(docSetFlowRunStates, `{"input": {"states": [{"state": `+state("Submitted")+`, "flow_run_id": "`+b+`", "version": 1}]}}`, nil, asAgent(e, agentID))
	e.setFlowRunState(c, state("Running"))
	e.setFlowRunState(c, state("Success"))

	tests := []struct {
		name, where, order string
		want               []string
	}{
		{"state _eq", `{ state: { _eq: "Scheduled" } }`, ``, []string{a}},
		{"state _in", `{ state: { _in: ["Submitted", "Success"] } }`, `{ name: asc }`, []string{c, b}},
		{"state _neq and _nin", `{ state: { _neq: "Success", _nin: ["Submitted"] } }`, ``, []string{a}},
		{"id _in empty", `{ id: { _in: [] } }`, ``, nil},
		{"id _eq", `{ id: { _eq: "` + strings.ToUpper(b) + `" } }`, ``, []string{b}},
		{"flow_id _eq", `{ flow_id: { _eq: "` + flowID + `" } }`, `{ scheduled_start_time: desc }`, []string{b, a}},
		{"_or", `{ _or: [{ name: { _eq: "Gamma" } }, { state: { _eq: "Scheduled" } }] }`, `{ scheduled_start_time: asc }`, []string{a, c}},
		{"_and", `{ _and: [{ flow_id: { _eq: "` + flowID + `" } }, { scheduled_start_time: { _gte: "2024-05-01T11:30:00+00:00" } }] }`, ``, []string{b}},
		{"_not", `{ _not: { flow_id: { _eq: "` + flowID + `" } } }`, ``, []string{c}},
		{"empty _or", `{ _or: [] }`, ``, nil},
		{"_like", `{ name: { _like: "%-nightly" } }`, `{ name: desc }`, []string{b, a}},
		{"_ilike", `{ name: { _ilike: "gAm_a" } }`, ``, []string{c}},
		{"_nlike", `{ name: { _nlike: "%nightly" } }`, ``, []string{c}},
		{"agent_id _is_null", `{ agent_id: { _is_null: true } }`, `{ name: asc }`, []string{c, a}},
		{"agent_id set", `{ agent_id: { _eq: "` + agentID + `" } }`, ``, []string{b}},
		{"null never compares", `{ end_time: { _lt: "2100-01-01T00:00:00+00:00" } }`, ``, []string{c}},
		{"version _gte", `{ version: { _gte: 2 } }`, `{ version: desc }`, []string{c, b}},
		{"nulls last ascending", `{ }`, `{ end_time: asc, name: asc }`, []string{c, a, b}},
		{"nulls first descending", `{ }`, `{ end_time: desc, name: asc }`, []string{a, b, c}},
		{"state_start_time _lte", `{ state_start_time: { _lte: "2024-05-01T11:00:00+00:00" } }`, ``, []string{a}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := "where: " + tt.where
			if tt.order != "" {
				args += ", order_by: " + tt.order
			}
			var out struct {
				FlowRun []struct{ ID string } `json:"flow_run"`
			}
			e.ok(`query { flow_run(`+args+`) { id } }`, "", &out)
			var got []string
			for _, r := range out.FlowRun {
				got = append(got, r.ID)
			}
			if tt.order == "" {
				slices.Sort(got)
				slices.Sort(tt.want)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	var paged struct {
		FlowRun []struct{ Name string } `json:"flow_run"`
	}
	e.ok(`query { flow_run(order_by: [{ flow_id: asc }, { name: desc }], offset: 1, limit: 1) { name } }`, "", &paged)
	var all struct {
		FlowRun []struct{ Name string } `json:"flow_run"`
	}
	e.ok(`query { flow_run(order_by: [{ flow_id: asc }, { name: desc }]) { name } }`, "", &all)
	if len(paged.FlowRun) != 1 || len(all.FlowRun) != 3 || paged.FlowRun[0] != all.FlowRun[1] {
		t.Errorf("offset 1 limit 1 = %v of %v", paged.FlowRun, all.FlowRun)
	}
	e.fails(`query { flow_run(limit: -1) { id } }`, "", "limit must not be negative")
}

func TestLike(t *testing.T) {
	tests := []struct {
		s, pattern string
		want       bool
	}{
		{"etl-nightly", "etl%", true},
		{"etl-nightly", "%nightly", true},
		{"etl-nightly", "%-%", true},
		{"etl", "e_l", true},
		{"etl", "e_", false},
		{"", "%", true},
		{"", "_", false},
		{"100%", `100\%`, true},
		{"1000", `100\%`, false},
		{"a_b", `a\_b`, true},
		{"axb", `a\_b`, false},
		{"héllo", "h_llo", true},
		{"abc", "abc", true},
		{"abc", "ab", false},
	}
	for _, tt := range tests {
		if got := like(tt.s, tt.pattern); got != tt.want {
			t.Errorf("like(%q, %q) = %v, want %v", tt.s, tt.pattern, got, tt.want)
		}
	}
}

func TestComparisonWithNull(t *testing.T) {
	yes, no := true, false
	x := "x"
	tests := []struct {
		name string
		c    *model.StringComparisonExp
		v    *string
		want bool
	}{
		{"no filter on null", nil, nil, true},
		{"_is_null true on null", &model.StringComparisonExp{IsNull: &yes}, nil, true},
		{"_is_null false on null", &model.StringComparisonExp{IsNull: &no}, nil, false},
		{"_is_null true on value", &model.StringComparisonExp{IsNull: &yes}, &x, false},
		{"_neq on null", &model.StringComparisonExp{Neq: &x}, nil, false},
		{"_nin on null", &model.StringComparisonExp{Nin: []string{"y"}}, nil, false},
		{"_nlike on null", &model.StringComparisonExp{Nlike: &x}, nil, false},
		{"_in on value", &model.StringComparisonExp{In: []string{"y", "x"}}, &x, true},
		{"empty _in", &model.StringComparisonExp{In: []string{}}, &x, false},
	}
	for _, tt := range tests {
		if got := matchString(tt.c, tt.v); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCheckFilterAcceptsValuesOfAnyZone(t *testing.T) {
	at := time.Date(2024, 5, 1, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	where := &model.FlowRunBoolExp{
		Created:  &model.TimestamptzComparisonExp{Gte: &at, In: []*time.Time{&at}},
		TaskRuns: &model.TaskRunBoolExp{StateStartTime: &model.TimestamptzComparisonExp{Lte: &at}},
	}
	if err := checkFilter("flow_run.where", where); err != nil {
		t.Errorf("checkFilter: %v", err)
	}
}
