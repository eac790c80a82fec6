package graph

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// metadataRun is one flow_run of the agent's metadata query (§3.6). JSON values decode
// into maps, so a value returned as a string fails the test.
type metadataRun struct {
	ID                 string
	Version            int
	State              string
	SerializedState    map[string]any `json:"serialized_state"`
	Parameters         map[string]any
	ScheduledStartTime string         `json:"scheduled_start_time"`
	RunConfig          map[string]any `json:"run_config"`
	Name               string
	Flow               struct {
		ID          string
		Name        string
		Environment any
		Storage     map[string]any
		Version     int
		CoreVersion string `json:"core_version"`
	}
	TaskRuns []struct {
		ID              string
		Version         int
		TaskID          string         `json:"task_id"`
		SerializedState map[string]any `json:"serialized_state"`
	} `json:"task_runs"`
}

func TestFlowRunMetadataQuery(t *testing.T) {
	e := newEnv(t)
	flowID := e.createFlow(nativeFlow)
	at := `"scheduled_start_time": "2024-05-01T12:00:00+00:00"`
	scheduled := e.createRun(flowID, at)
	retrying := e.createRun(flowID, at)
	running := e.createRun(flowID, at)
	submitted := e.createRun(flowID, at)
	notAsked := e.createRun(flowID, at)
	e.setFlowRunState(retrying, state("Running"))
	e.setFlowRunState(running, state("Running"))
	e.setFlowRunState(submitted, state("Submitted"))

	// A task retry due before the document's time, and one due after it.
	dueTask := e.taskRun(retrying, exampleTaskID, -1)
	e.setTaskRunState(dueTask, state("Retrying", `"start_time": "2024-05-01T12:00:05+00:00"`, `"run_count": 2`))
	laterTask := e.taskRun(retrying, exampleTaskID, 0)
	e.setTaskRunState(laterTask, state("Retrying", `"start_time": "2024-05-01T12:05:00+00:00"`, `"run_count": 2`))

	ids := `["` + strings.Join([]string{scheduled, retrying, running, submitted}, `", "`) + `"]`
	doc := withIDs(docFlowRunMetadata, `["`+exampleRunID+`"]`, ids)
	var out struct {
		FlowRun []metadataRun `json:"flow_run"`
	}
	e.ok(doc, "", &out)

	got := map[string]metadataRun{}
	for _, r := range out.FlowRun {
		got[r.ID] = r
	}
	if len(got) != 2 || got[scheduled].ID == "" || got[retrying].ID == "" {
		t.Fatalf("runs = %v, want %s (Scheduled) and %s (Running with a due task run); not %s, %s, %s",
			keys(got), scheduled, retrying, running, submitted, notAsked)
	}

	s := got[scheduled]
	if s.Version != 1 || s.State != "Scheduled" || s.SerializedState["type"] != "Scheduled" {
		t.Errorf("scheduled run: version %d, state %s, serialized %v", s.Version, s.State, s.SerializedState)
	}
	if s.ScheduledStartTime != "2024-05-01T12:00:00.000000+00:00" {
		t.Errorf("scheduled_start_time = %q, want ISO-8601 with offset", s.ScheduledStartTime)
	}
	if s.Parameters == nil || s.RunConfig["type"] != "LocalRun" || s.Name == "" {
		t.Errorf("parameters %v, run_config %v, name %q", s.Parameters, s.RunConfig, s.Name)
	}
	if s.Flow.ID != flowID || s.Flow.Name != "etl" || s.Flow.Storage["type"] != "Script" ||
		s.Flow.Version != 1 || s.Flow.CoreVersion != "0.1.0" || s.Flow.Environment != nil {
		t.Errorf("flow = %+v", s.Flow)
	}
	if len(s.TaskRuns) != 0 {
		t.Errorf("scheduled run has task runs %+v", s.TaskRuns)
	}

	r := got[retrying]
	if len(r.TaskRuns) != 1 || r.TaskRuns[0].ID != dueTask || r.TaskRuns[0].TaskID != exampleTaskID ||
		r.TaskRuns[0].SerializedState["type"] != "Retrying" || r.TaskRuns[0].Version != 2 {
		t.Errorf("task_runs = %+v, want only the due task run %s at version 2", r.TaskRuns, dueTask)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestExecuteFlowRunLookup(t *testing.T) {
	e := newEnv(t)
	runID := e.createRun(e.createFlow(nativeFlow), "")
	e.setFlowRunState(runID, state("Submitted"))
	var out struct {
		FlowRun []struct {
			Flow struct {
				Name      string
				Storage   map[string]any
				RunConfig map[string]any `json:"run_config"`
			}
			Version int
		} `json:"flow_run"`
	}
	e.ok(withIDs(docExecuteFlowRun, exampleRunID, runID), "", &out)
	if len(out.FlowRun) != 1 {
		t.Fatalf("flow_run = %+v", out.FlowRun)
	}
	f := out.FlowRun[0]
	if f.Flow.Name != "etl" || f.Flow.Storage["argv"] == nil || f.Flow.RunConfig["type"] != "LocalRun" || f.Version != 2 {
		t.Errorf("got %+v", f)
	}

	e.ok(docExecuteFlowRun, "", &out)
	if len(out.FlowRun) != 0 {
		t.Errorf("unknown run listed: %+v", out.FlowRun)
	}
}

const prefectFlow = `{"name": "prefect-flow", "storage": {"type": "Local", "path": "/flows/prefect-flow.prefect"}, "__version__": "1.4.1",
	"parameters": [{"name": "x", "default": 1, "required": false}, {"name": "y", "default": null, "required": true}],
	"tasks": [{"slug": "extract-1", "name": "extract"}, {"slug": "load-1", "name": "load"}]}`

func TestGetFlowRunInfoHeartbeatAndSettings(t *testing.T) {
	e := newEnv(t)
	flowID := e.createFlow(prefectFlow)
	runID := e.createRun(flowID, `"parameters": {"y": "why"}, "context": {"k": "v"}, "flow_run_name": "nightly", "idempotency_key": "a1"`)

	var info struct {
		Run struct {
			ID, Name           string
			FlowID             string `json:"flow_id"`
			Parameters         map[string]any
			Context            map[string]any
			Version            int
			ScheduledStartTime string         `json:"scheduled_start_time"`
			SerializedState    map[string]any `json:"serialized_state"`
			TaskRuns           []struct {
				ID   string
				Task struct {
					ID   string
					Slug string
				}
				Version         int
				SerializedState map[string]any `json:"serialized_state"`
			} `json:"task_runs"`
			Flow struct {
				Project struct{ Name, ID string }
			}
		} `json:"flow_run_by_pk"`
	}
	e.ok(withIDs(docGetFlowRunInfo, exampleRunID, runID), "", &info)
	r := info.Run
	wantParams := map[string]any{"x": 1.0, "y": "why"}
	if r.ID != runID || r.Name != "nightly" || r.FlowID != flowID || r.Version != 1 ||
		!cmp.Equal(r.Parameters, wantParams) || r.Context["k"] != "v" || r.SerializedState["type"] != "Scheduled" {
		t.Errorf("flow_run_by_pk = %+v", r)
	}
	if r.ScheduledStartTime != "2024-05-01T12:00:10.123456+00:00" {
		t.Errorf("scheduled_start_time = %q, want the creation time", r.ScheduledStartTime)
	}
	var slugs []string
	for _, tr := range r.TaskRuns {
		slugs = append(slugs, tr.Task.Slug)
		if tr.Task.ID == "" || tr.Version != 1 || tr.SerializedState["type"] != "Pending" {
			t.Errorf("task run %+v", tr)
		}
	}
	slices.Sort(slugs)
	if !slices.Equal(slugs, []string{"extract-1", "load-1"}) {
		t.Errorf("task slugs = %v, want one pre-created task run per task of the flow", slugs)
	}
	if r.Flow.Project.Name != testProjectName || r.Flow.Project.ID != testProjectID {
		t.Errorf("project = %+v", r.Flow.Project)
	}

	e.advance(30 * time.Second)
	var beat struct {
		Beat struct{ Success bool } `json:"update_flow_run_heartbeat"`
	}
	e.ok(withIDs(docHeartbeat, exampleRunID, runID), "", &beat)
	if hb := e.run(runID).Heartbeat; !beat.Beat.Success || hb == nil || !hb.Equal(e.clock()) {
		t.Errorf("heartbeat: success %v, stored %v, want %v", beat.Beat.Success, hb, e.clock())
	}
	e.fails(docHeartbeat, "", "not found")

	var settings struct {
		Run struct {
			Flow struct{ Settings map[string]any }
		} `json:"flow_run_by_pk"`
	}
	e.ok(withIDs(docFlowSettings, exampleRunID, runID), "", &settings)
	if settings.Run.Flow.Settings == nil || len(settings.Run.Flow.Settings) != 0 {
		t.Errorf("flow settings = %v, want {}", settings.Run.Flow.Settings)
	}

	var missing struct {
		Run *struct{ SerializedState any } `json:"flow_run_by_pk"`
	}
	e.ok(docFlowRunState, "", &missing)
	if missing.Run != nil {
		t.Errorf("unknown run: flow_run_by_pk = %+v, want null", missing.Run)
	}
}

func TestCreateFlowRunLabelsAndRunConfig(t *testing.T) {
	tests := []struct {
		name       string
		flow       string
		input      string
		wantLabels []string
		wantConfig string
	}{
		{"input labels win, sorted", nativeFlow, `"labels": ["b", "a", "b"], "run_config": {"type": "LocalRun", "labels": ["rc"]}`, []string{"a", "b"}, `{"type":"LocalRun","labels":["rc"]}`},
		{"input run config's labels", nativeFlow, `"run_config": {"type": "DockerRun", "labels": ["rc"]}`, []string{"rc"}, `{"type":"DockerRun","labels":["rc"]}`},
		{"explicit empty labels", nativeFlow, `"labels": []`, []string{}, `{"type":"LocalRun","labels":["dev"]}`},
		{"flow's run config", nativeFlow, ``, []string{"dev"}, `{"type":"LocalRun","labels":["dev"]}`},
		{"flow's environment", `{"name": "old", "storage": {"type": "Local"}, "environment": {"type": "LocalEnvironment", "labels": ["env"]}}`, ``, []string{"env"}, `null`},
		{"nothing", `{"name": "bare", "storage": {"type": "Local"}}`, ``, []string{}, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			runID := e.createRun(e.createFlow(tt.flow), tt.input)
			var out struct {
				Run struct {
					Labels    []string
					RunConfig json.RawMessage `json:"run_config"`
				} `json:"flow_run_by_pk"`
			}
			e.ok(`query { flow_run_by_pk(id: "`+runID+`") { labels run_config } }`, "", &out)
			if !slices.Equal(out.Run.Labels, tt.wantLabels) || out.Run.Labels == nil {
				t.Errorf("labels = %#v, want %#v", out.Run.Labels, tt.wantLabels)
			}
			if !jsonEqual(t, string(out.Run.RunConfig), tt.wantConfig) {
				t.Errorf("run_config = %s, want %s", out.Run.RunConfig, tt.wantConfig)
			}
			if e.notifications() != 1 {
				t.Errorf("notifications = %d, want 1 for the new run", e.notifications())
			}
		})
	}
}

func TestCreateFlowRunChoosesTheFlow(t *testing.T) {
	e := newEnv(t)
	e.createFlow(nativeFlow)
	newest := e.createFlow(nativeFlow)

	var out struct {
		CreateFlowRun struct{ ID string } `json:"create_flow_run"`
	}
	e.ok(docCreateFlowRun, `{"input": {"version_group_id": "etl", "idempotency_key": "k1"}}`, &out)
	first := out.CreateFlowRun.ID
	if got := e.run(first).FlowID; got != newest {
		t.Errorf("version_group_id ran flow %s, want the newest version %s", got, newest)
	}
	e.ok(docCreateFlowRun, `{"input": {"version_group_id": "etl", "idempotency_key": "k1"}}`, &out)
	if out.CreateFlowRun.ID != first {
		t.Errorf("same idempotency key gave run %s, want %s", out.CreateFlowRun.ID, first)
	}

	for _, tt := range []struct{ input, want string }{
		{`{"idempotency_key": "x"}`, "needs a flow_id or a version_group_id"},
		{`{"flow_id": "` + exampleRunID + `"}`, "flow " + exampleRunID + " not found"},
		{`{"version_group_id": "nope"}`, `no flow named "nope"`},
		{`{"version_group_id": "etl", "parameters": [1]}`, "parameters must be a JSON object"},
	} {
		e.fails(docCreateFlowRun, `{"input": `+tt.input+`}`, tt.want)
	}

	prefect := e.createFlow(prefectFlow)
	e.fails(docCreateFlowRun, `{"input": {"flow_id": "`+prefect+`"}}`, `requires parameter "y"`)
}

func TestCreateFlowValidation(t *testing.T) {
	tests := []struct{ serialized, want string }{
		{`"etl"`, "serialized_flow must be an object"},
		{`{"storage": {"type": "Local"}}`, `has no "name"`},
		{`{"name": "etl"}`, `has no "storage" with a "type"`},
		{`{"name": "etl", "storage": {"path": "x"}}`, `has no "storage" with a "type"`},
		{`{"name": "etl", "storage": {"type": "Local"}, "run_config": ["LocalRun"]}`, `"run_config" of flow "etl" must be an object`},
		{`{"name": "etl", "storage": {"type": "Local"}, "tasks": [{"name": "t"}]}`, `has no "slug"`},
	}
	e := newEnv(t)
	for _, tt := range tests {
		e.fails(`mutation($input: create_flow_input!) { create_flow(input: $input) { id } }`,
			`{"input": {"serialized_flow": `+tt.serialized+`, "project_id": "`+testProjectID+`"}}`, tt.want)
	}
}

func TestFlowQueries(t *testing.T) {
	e := newEnv(t)
	e.createFlow(nativeFlow)
	newest := e.createFlow(nativeFlow)
	e.createFlow(`{"name": "other", "storage": {"type": "Local"}}`)

	var out struct {
		Flow []struct {
			ID       string
			Version  int
			Settings map[string]any
		}
	}
	e.ok(`query { flow(where: { name: { _eq: "etl" } }, order_by: { version: desc }, limit: 1) { id version settings } }`, "", &out)
	if len(out.Flow) != 1 || out.Flow[0].ID != newest || out.Flow[0].Version != 2 {
		t.Errorf("flow = %+v, want version 2 of etl", out.Flow)
	}
	var byPK struct {
		Flow *struct{ Name string } `json:"flow_by_pk"`
	}
	e.ok(`query { flow_by_pk(id: "`+newest+`") { name } }`, "", &byPK)
	if byPK.Flow == nil || byPK.Flow.Name != "etl" {
		t.Errorf("flow_by_pk = %+v", byPK.Flow)
	}
}

func TestSetNames(t *testing.T) {
	e := newEnv(t)
	runID := e.createRun(e.createFlow(nativeFlow), "")
	taskRunID := e.taskRun(runID, exampleTaskID, -1)

	e.ok(docSetFlowRunName, `{"input": {"flow_run_id": "`+runID+`", "name": "renamed"}}`, nil)
	if got := e.run(runID).Name; got != "renamed" {
		t.Errorf("name = %q", got)
	}
	e.ok(docSetTaskRunName, `{"input": {"task_run_id": "`+taskRunID+`", "name": "load-2024"}}`, nil)

	e.fails(docSetFlowRunName, `{"input": {"flow_run_id": "`+runID+`", "name": ""}}`, "non-empty name")
	e.fails(docSetTaskRunName, `{"input": {"task_run_id": "`+taskRunID+`", "name": ""}}`, "non-empty name")
	e.fails(docSetFlowRunName, `{"input": {"flow_run_id": "`+exampleRunID+`", "name": "x"}}`, "not found")
	e.fails(docSetTaskRunName, `{"input": {"task_run_id": "`+exampleTaskRunID+`", "name": "x"}}`, "not found")
}
