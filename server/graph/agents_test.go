package graph

import (
	"slices"
	"testing"
	"time"

	"github.com/outposthq/outpost/server/auth"
)

func TestHelloAndTenant(t *testing.T) {
	e := newEnv(t)
	var hello struct{ Hello string }
	e.ok(docHello, "", &hello)
	if hello.Hello != "👋" {
		t.Errorf("hello = %q", hello.Hello)
	}

	var tenants struct {
		Tenant []struct{ ID string }
	}
	e.ok(docTenant, "", &tenants)
	if len(tenants.Tenant) != 1 || tenants.Tenant[0].ID != e.tenant.ID {
		t.Errorf("tenant = %+v, want only %s", tenants.Tenant, e.tenant.ID)
	}
}

func TestEveryFieldButHelloNeedsAnIdentity(t *testing.T) {
	e := newEnv(t)
	anonymous := as(auth.Request{})
	res := e.do(docHello, "", anonymous)
	if res.HTTPErr != nil || len(res.Errors) > 0 {
		t.Fatalf("hello without identity: %v %+v", res.HTTPErr, res.Errors)
	}
	for _, doc := range []string{docTenant, docSecretNames, withIDs(docFlowRunState, exampleRunID, exampleRunID)} {
		got := e.fails(doc, "", "UNAUTHENTICATED", anonymous)
		if got.Extensions["code"] != "UNAUTHENTICATED" {
			t.Errorf("%s: extensions = %v", doc, got.Extensions)
		}
	}
}

func TestRegisterAgent(t *testing.T) {
	e := newEnv(t)
	input := `{"input": {"type": "LocalAgent", "name": "agent", "labels": ["my-host", "dev"], "tenant_id": "` + e.tenant.ID + `", "agent_config_id": null}}`
	var first, again struct {
		RegisterAgent struct{ ID string } `json:"register_agent"`
	}
	e.ok(docRegisterAgent, input, &first)
	e.ok(docRegisterAgent, input, &again)
	if first.RegisterAgent.ID == "" || first.RegisterAgent.ID != again.RegisterAgent.ID {
		t.Errorf("ids %q and %q: want one non-empty id for the same agent", first.RegisterAgent.ID, again.RegisterAgent.ID)
	}

	other := `{"input": {"type": "LocalAgent", "labels": [], "tenant_id": "` + exampleTenantID + `"}}`
	e.fails(docRegisterAgent, other, "is not the tenant of this API key")
}

func TestGetRunsInQueueLabelRule(t *testing.T) {
	tests := []struct {
		name        string
		runLabels   string // JSON list, or "" for a run with no labels
		agentLabels string // JSON list, or "" to leave the key out
		taken       bool
	}{
		{"unlabelled run, unlabelled agent", `[]`, `[]`, true},
		{"unlabelled run, labels left out", `[]`, ``, true},
		{"unlabelled run, labelled agent", `[]`, `["dev"]`, false},
		{"labelled run, unlabelled agent", `["dev"]`, `[]`, false},
		{"same labels", `["dev"]`, `["dev"]`, true},
		{"agent has extra labels", `["dev"]`, `["dev", "my-host"]`, true},
		{"run has a label the agent lacks", `["dev", "gpu"]`, `["dev", "my-host"]`, false},
		{"disjoint labels", `["prod"]`, `["dev"]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			flowID := e.createFlow(nativeFlow)
			runID := e.createRun(flowID, `"labels": `+tt.runLabels+`, "scheduled_start_time": "2024-05-01T12:00:00+00:00"`)
			input := `{"before": "2024-05-01T12:00:20.123456+00:00", "tenant_id": "` + e.tenant.ID + `"`
			if tt.agentLabels != "" {
				input += `, "labels": ` + tt.agentLabels
			}
			var out struct {
				GetRunsInQueue struct {
					FlowRunIDs []string `json:"flow_run_ids"`
				} `json:"get_runs_in_queue"`
			}
			e.ok(docGetRunsInQueue, `{"input": `+input+`}}`, &out)
			if got := slices.Contains(out.GetRunsInQueue.FlowRunIDs, runID); got != tt.taken {
				t.Errorf("run offered = %v, want %v (ids %v)", got, tt.taken, out.GetRunsInQueue.FlowRunIDs)
			}
		})
	}
}

func TestGetRunsInQueueDueTimeAndLimit(t *testing.T) {
	e := newEnv(t)
	flowID := e.createFlow(nativeFlow)
	due := make([]string, 0, 30)
	for i := range 30 {
		start := t0.Add(-time.Duration(30-i) * time.Minute).Format(time.RFC3339)
		due = append(due, e.createRun(flowID, `"labels": ["dev"], "scheduled_start_time": "`+start+`"`))
	}
	later := e.createRun(flowID, `"labels": ["dev"], "scheduled_start_time": "2024-05-01T12:00:30+00:00"`)

	agent := auth.Request{Identity: &auth.Identity{TenantID: e.tenant.ID}, AgentID: "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6"}
	var out struct {
		GetRunsInQueue struct {
			FlowRunIDs []string `json:"flow_run_ids"`
		} `json:"get_runs_in_queue"`
	}
	// The agent id is not registered here: polling must still work.
	e.ok(docGetRunsInQueue, `{"input": {"before": "2024-05-01T12:00:20.123456+00:00", "labels": ["dev"], "tenant_id": "`+e.tenant.ID+`"}}`, &out, as(agent))
	ids := out.GetRunsInQueue.FlowRunIDs
	if len(ids) != queueLimit {
		t.Fatalf("got %d ids, want at most %d", len(ids), queueLimit)
	}
	if !slices.Equal(ids, due[:queueLimit]) {
		t.Errorf("ids are not the earliest due runs in start order:\n got %v\nwant %v", ids, due[:queueLimit])
	}
	if slices.Contains(ids, later) {
		t.Errorf("run due after `before` was offered")
	}
}

func TestGetRunsInQueueRefusesAnotherTenant(t *testing.T) {
	e := newEnv(t)
	e.fails(docGetRunsInQueue, `{"input": {"labels": [], "tenant_id": "`+exampleTenantID+`"}}`, exampleTenantID)
}

func TestOtherTenantsRunsAreInvisible(t *testing.T) {
	e := newEnv(t)
	runID := e.createRun(e.createFlow(nativeFlow), "")
	stranger := as(auth.Request{Identity: &auth.Identity{TenantID: exampleTenantID}})

	var byPK struct {
		FlowRunByPK *struct{ ID string } `json:"flow_run_by_pk"`
	}
	e.ok(withIDs(docFlowRunState, exampleRunID, runID), "", &byPK, stranger)
	if byPK.FlowRunByPK != nil {
		t.Errorf("another tenant read run %s", runID)
	}
	var list struct {
		FlowRun []struct{ ID string } `json:"flow_run"`
	}
	e.ok(withIDs(docExecuteFlowRun, exampleRunID, runID), "", &list, stranger)
	if len(list.FlowRun) != 0 {
		t.Errorf("another tenant listed %v", list.FlowRun)
	}
	e.fails(docSetFlowRunStates, `{"input": {"states": [{"state": `+state("Failed")+`, "flow_run_id": "`+runID+`", "version": null}]}}`,
		"State update failed for flow run ID "+runID, stranger)
	if got := e.run(runID).State.Type; got != "Scheduled" {
		t.Errorf("state = %s after another tenant's update", got)
	}
	e.fails(docCancelFlowRun, `{"input": {"flow_run_id": "`+runID+`"}}`, "not found", stranger)
}

func TestAgentIDHeaderMustBeAUUID(t *testing.T) {
	e := newEnv(t)
	runID := e.createRun(e.createFlow(nativeFlow), "")
	bad := asAgent(e, "agent-1")
	e.fails(docGetRunsInQueue, `{"input": {"labels": [], "tenant_id": "`+e.tenant.ID+`"}}`, "X-PREFECT-AGENT-ID", bad)
	e.fails(docSetFlowRunStates, `{"input": {"states": [{"state": `+state("Submitted")+`, "flow_run_id": "`+runID+`", "version": 1}]}}`, "X-PREFECT-AGENT-ID", bad)
}
