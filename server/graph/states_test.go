package graph

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestSetFlowRunStatesAsTheAgentAndRunnerDo(t *testing.T) {
	e := newEnv(t)
	runID := e.createRun(e.createFlow(nativeFlow), "")
	agentID := e.registerAgent()

	// The agent claims with the version it read (§3.6), then the runner sets Running
	// with the next one, as in the reference's exact request body.
	submitted := `{"input": {"states": [{"state": ` + state("Submitted", `"state": `+state("Scheduled")) + `, "flow_run_id": "` + runID + `", "version": 1}]}}`
	var out struct {
		Set struct {
			States []struct {
				ID      string
				Status  string
				Message *string
			}
		} `json:"set_flow_run_states"`
	}
	e.ok(docSetFlowRunStates, submitted, &out, asAgent(e, agentID))
	if len(out.Set.States) != 1 || out.Set.States[0].ID != runID || out.Set.States[0].Status != "SUCCESS" || out.Set.States[0].Message != nil {
		t.Fatalf("set_flow_run_states = %+v", out.Set.States)
	}
	if r := e.run(runID); r.State.Type != "Submitted" || r.Version != 2 || r.AgentID != agentID {
		t.Errorf("after Submitted: state %s, version %d, agent %q", r.State.Type, r.Version, r.AgentID)
	}

	body := `{"input": {"states": [{"state": {"type": "Running", "message": "Running flow.", "context": {}, "cached_inputs": {}, "_result": {"type": "NoResultType", "__version__": "1.4.1"}, "__version__": "1.4.1"}, "flow_run_id": "0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11", "version": 2}]}}`
	e.ok(docSetFlowRunStates, withIDs(body, exampleRunID, runID), &out)
	if r := e.run(runID); r.State.Type != "Running" || r.State.Message != "Running flow." || r.Version != 3 || r.StartTime == nil {
		t.Errorf("after Running: %+v", r.State)
	}
}

func TestSetFlowRunStatesErrors(t *testing.T) {
	huge := state("Failed", `"detail": "`+strings.Repeat("x", maxStatePayload)+`"`)
	tests := []struct {
		name     string
		before   []string // states set first, without versions
		runID    string   // "" for the created run
		version  string
		state    string
		want     string
		wantCode string
	}{
		{name: "submitted twice", before: []string{state("Submitted")}, version: "null", state: state("Submitted"),
			want: "State update failed: this run has already been submitted."},
		{name: "submitted once running", before: []string{state("Running")}, version: "2", state: state("Submitted"),
			want: "State update failed: this run has already been submitted."},
		{name: "stale version", version: "5", state: state("Submitted"),
			want: "State update failed for flow run ID", wantCode: "VERSION_LOCKING_ERROR"},
		{name: "unknown run", runID: exampleRunID, version: "null", state: state("Running"),
			want: "State update failed for flow run ID " + exampleRunID},
		{name: "too large", version: "null", state: huge, want: "State payload is too large."},
		{name: "unknown type", version: "null", state: state("Exploded"), want: `state "type" must be one of`},
		{name: "not an object", version: "null", state: `"Running"`, want: "state must be a JSON object"},
		{name: "bad start time", version: "null", state: state("Scheduled", `"start_time": "tomorrow"`), want: `invalid timestamp "tomorrow"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			created := e.createRun(e.createFlow(nativeFlow), "")
			for _, s := range tt.before {
				e.setFlowRunState(created, s)
			}
			before := e.run(created)
			runID := created
			if tt.runID != "" {
				runID = tt.runID
			}
			vars := `{"input": {"states": [{"state": ` + tt.state + `, "flow_run_id": "` + runID + `", "version": ` + tt.version + `}]}}`
			res := e.do(docSetFlowRunStates, vars)
			if res.HTTPErr != nil || len(res.Errors) != 1 {
				t.Fatalf("want one resolver error, got %v %+v", res.HTTPErr, res.Errors)
			}
			got := res.Errors[0]
			if !strings.Contains(got.Message, tt.want) {
				t.Errorf("message %q, want it to contain %q", got.Message, tt.want)
			}
			if code, _ := got.Extensions["code"].(string); code != tt.wantCode {
				t.Errorf("extensions.code = %q, want %q", code, tt.wantCode)
			}
			if len(got.Path) != 1 || got.Path[0] != "set_flow_run_states" || string(res.Data) != `{"set_flow_run_states":null}` {
				t.Errorf("path %v, data %s", got.Path, res.Data)
			}
			if after := e.run(created); after.Version != before.Version || after.State.Type != before.State.Type {
				t.Errorf("run changed from %s v%d to %s v%d", before.State.Type, before.Version, after.State.Type, after.Version)
			}
		})
	}
}

func TestReschedulingNotifies(t *testing.T) {
	e := newEnv(t)
	runID := e.createRun(e.createFlow(nativeFlow), "")
	e.setFlowRunState(runID, state("Running"))
	n := e.notifications()
	e.setFlowRunState(runID, state("Scheduled", `"start_time": "2024-05-01T12:30:00+00:00"`))
	if e.notifications() != n+1 {
		t.Errorf("notifications = %d, want %d", e.notifications(), n+1)
	}
	r := e.run(runID)
	if r.State.StartTime == nil || r.State.StartTime.Format("15:04") != "12:30" {
		t.Errorf("state start time = %v, want 12:30 from the state", r.State.StartTime)
	}
}

func TestSetTaskRunStates(t *testing.T) {
	e := newEnv(t)
	runID := e.createRun(e.createFlow(nativeFlow), "")
	taskRunID := e.taskRun(runID, exampleTaskID, -1)
	vars := func(version string, st string) string {
		return `{"input": {"states": [{"state": ` + st + `, "task_run_id": "` + taskRunID + `", "version": ` + version + `}]}}`
	}

	e.fails(docSetTaskRunStates, vars("1", state("Running")),
		"State update failed for task run ID "+taskRunID+": provided a running state but associated flow run "+runID+" is not in a running state.")

	e.setFlowRunState(runID, state("Running"))
	var out struct {
		Set struct {
			States []struct{ ID, Status string }
		} `json:"set_task_run_states"`
	}
	e.ok(docSetTaskRunStates, vars("1", state("Running")), &out)
	if len(out.Set.States) != 1 || out.Set.States[0].ID != taskRunID || out.Set.States[0].Status != "SUCCESS" {
		t.Errorf("set_task_run_states = %+v", out.Set.States)
	}

	lock := e.fails(docSetTaskRunStates, vars("1", state("Success")), "State update failed for task run ID")
	if lock.Extensions["code"] != "VERSION_LOCKING_ERROR" {
		t.Errorf("stale task version: extensions = %v", lock.Extensions)
	}
	// Prefect's task runner re-reads the state after a version lock (§3.15).
	var info struct {
		Info struct {
			SerializedState map[string]any `json:"serialized_state"`
		} `json:"get_task_run_info"`
	}
	e.ok(withIDs(docGetTaskRunInfo, exampleTaskRunID, taskRunID), "", &info)
	if info.Info.SerializedState["type"] != "Running" {
		t.Errorf("get_task_run_info = %v", info.Info.SerializedState)
	}
	e.fails(docSetTaskRunStates, withIDs(vars("null", state("Success")), taskRunID, exampleTaskRunID), "State update failed for task run ID "+exampleTaskRunID)
}

func TestGetOrCreateTaskRunInfo(t *testing.T) {
	e := newEnv(t)
	runID := e.createRun(e.createFlow(nativeFlow), "")
	doc := withIDs(docGetOrCreateTaskRunInfo, exampleRunID, runID)
	var first, again struct {
		Info struct {
			ID              string
			Version         int
			SerializedState map[string]any `json:"serialized_state"`
		} `json:"get_or_create_task_run_info"`
	}
	e.ok(doc, "", &first)
	e.ok(doc, "", &again)
	if first.Info.ID == "" || first.Info.ID != again.Info.ID || first.Info.SerializedState["type"] != "Pending" {
		t.Errorf("first %+v, again %+v: want one Pending task run", first.Info, again.Info)
	}
	// The version returned is the one set_task_run_states must send.
	e.setFlowRunState(runID, state("Running"))
	v := strconv.Itoa(first.Info.Version)
	e.ok(docSetTaskRunStates, `{"input": {"states": [{"state": `+state("Running")+`, "task_run_id": "`+first.Info.ID+`", "version": `+v+`}]}}`, nil)

	e.fails(docGetOrCreateTaskRunInfo, "", "flow run "+exampleRunID+" not found")
}

func TestCancelFlowRun(t *testing.T) {
	tests := []struct {
		before []string
		want   string
	}{
		{nil, "Cancelled"},
		{[]string{state("Submitted")}, "Cancelling"},
		{[]string{state("Running")}, "Cancelling"},
		{[]string{state("Running"), state("Cancelling")}, "Cancelling"},
		{[]string{state("Paused")}, "Cancelled"},
		{[]string{state("Running"), state("Success")}, "Success"},
		{[]string{state("Failed")}, "Failed"},
	}
	for _, tt := range tests {
		name := "Scheduled"
		if len(tt.before) > 0 {
			var s struct{ Type string }
			_ = json.Unmarshal([]byte(tt.before[len(tt.before)-1]), &s)
			name = s.Type
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			runID := e.createRun(e.createFlow(nativeFlow), "")
			taskRunID := e.taskRun(runID, exampleTaskID, -1)
			for _, s := range tt.before {
				e.setFlowRunState(runID, s)
			}
			var out struct {
				Cancel struct{ State string } `json:"cancel_flow_run"`
			}
			e.ok(docCancelFlowRun, `{"input": {"flow_run_id": "`+runID+`"}}`, &out)
			if out.Cancel.State != tt.want {
				t.Errorf("cancel_flow_run state = %q, want %q", out.Cancel.State, tt.want)
			}
			if got := e.run(runID).State.Type; got != tt.want {
				t.Errorf("stored state = %q, want %q", got, tt.want)
			}
			tr, err := e.store.GetTaskRun(e.ctx, taskRunID)
			if err != nil {
				t.Fatal(err)
			}
			if wantTask := map[bool]string{true: "Cancelled", false: "Pending"}[tt.want == "Cancelled"]; tr.State.Type != wantTask {
				t.Errorf("task run state = %q, want %q", tr.State.Type, wantTask)
			}
		})
	}
}

func (e *env) registerAgent() string {
	e.t.Helper()
	var out struct {
		RegisterAgent struct{ ID string } `json:"register_agent"`
	}
	e.ok(docRegisterAgent, `{"input": {"type": "LocalAgent", "name": "agent", "labels": [], "tenant_id": null, "agent_config_id": null}}`, &out)
	return out.RegisterAgent.ID
}
