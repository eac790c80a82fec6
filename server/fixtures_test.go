package server

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/outposthq/outpost/server/store"
)

// setFlowRunStates is the document of Prefect's Client.set_flow_run_state, verbatim.
const setFlowRunStates = "mutation($input: set_flow_run_states_input!) {\n    set_flow_run_states(input: $input) {\n        states {\n            id\n            status\n            message\n        }\n    }\n}"

// submittedState is the state an agent sends to claim a run.
const submittedState = `{"type": "Submitted", "message": "Submitted for execution", "context": {}, "cached_inputs": {}, "_result": {"type": "NoResultType", "__version__": "1.4.1"}, "__version__": "1.4.1"}`

// claimDoc is the exact HTTP body of an agent claiming run at version, variables as
// the JSON string Prefect's client sends.
func claimDoc(run string, version int) []byte {
	vars := fmt.Sprintf(`{"input": {"states": [{"state": %s, "flow_run_id": %q, "version": %d}]}}`, submittedState, run, version)
	b, _ := json.Marshal(map[string]string{"query": setFlowRunStates, "variables": vars})
	return b
}

// createFlow registers a flow with the store directly: fixtures, not the behaviour tested.
func createFlow(t *testing.T, ts *testServer) store.Flow {
	t.Helper()
	f, err := ts.store.CreateFlow(t.Context(), store.Flow{
		TenantID:    ts.tenant.ID,
		Name:        "hello-flow",
		CoreVersion: "1.4.1",
		Storage:     json.RawMessage(`{"type": "Local", "path": "/flows/hello.py", "__version__": "1.4.1"}`),
		RunConfig:   json.RawMessage(`{"type": "LocalRun", "env": {}, "labels": [], "__version__": "1.4.1"}`),
	})
	if err != nil {
		t.Fatalf("create flow: %v", err)
	}
	return f
}

// createRun makes a Scheduled run, due now, of a new flow and returns its id.
func createRun(t *testing.T, ts *testServer, labels []string) string {
	t.Helper()
	f := createFlow(t, ts)
	r, err := ts.store.CreateFlowRun(t.Context(), store.FlowRun{TenantID: ts.tenant.ID, FlowID: f.ID, Labels: labels})
	if err != nil {
		t.Fatalf("create flow run: %v", err)
	}
	return r.ID
}

// rowCounts counts what a request could write.
type rowCounts struct {
	flows, runs, states, logs, secrets int
	versions                           int // sum of run versions
}

func countRows(t *testing.T, ts *testServer) rowCounts {
	t.Helper()
	ctx := t.Context()
	var c rowCounts
	flows, err := ts.store.ListFlows(ctx, ts.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.flows = len(flows)
	runs, err := ts.store.ListFlowRuns(ctx, store.RunFilter{TenantID: ts.tenant.ID})
	if err != nil {
		t.Fatal(err)
	}
	c.runs = len(runs)
	for _, r := range runs {
		c.versions += r.Version
		states, err := ts.store.FlowRunStates(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		c.states += len(states)
		logs, err := ts.store.Logs(ctx, r.ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		c.logs += len(logs)
	}
	names, err := ts.store.SecretNames(ctx, ts.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.secrets = len(names)
	return c
}
