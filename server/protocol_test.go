package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// An agent's and a flow run's conversation, with the exact documents and bodies
// Prefect 1.x sends (reference: prefect-server-api.md §3).
func TestPrefectAgentConversation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ts := startServer(t, serverConfig{dsn: e.dsn(t)})
		run := createRun(t, ts, []string{"dev"})
		agentHeader := []string{}

		post := func(t *testing.T, body string) gqlResponse {
			t.Helper()
			r := ts.postRaw(t, "/", ts.key, []byte(body), agentHeader...)
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("status %d, errors %s\nbody: %s", r.Status, r.errorText(), body)
			}
			return r
		}
		encode := func(query string, vars any) string {
			b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
			return string(b)
		}

		// §3.1 default tenant.
		r := post(t, `{"query": "query {\n    tenant {\n        id\n    }\n}", "variables": "null"}`)
		var tenants []struct{ ID string }
		json.Unmarshal(r.Data["tenant"], &tenants)
		if len(tenants) == 0 || tenants[0].ID != ts.tenant.ID {
			t.Fatalf("tenant = %s, want the default tenant %s", r.Data["tenant"], ts.tenant.ID)
		}

		// §3.2 register_agent, with variables as a string, an object, and again (idempotent).
		register := "mutation($input: register_agent_input!) {\n    register_agent(input: $input) {\n        id\n    }\n}"
		regVars := fmt.Sprintf(`{"input": {"type": "LocalAgent", "name": "agent", "labels": ["dev", "my-host"], "tenant_id": %q, "agent_config_id": null}}`, ts.tenant.ID)
		var ids []string
		for _, vars := range []any{regVars, json.RawMessage(regVars)} {
			r = post(t, encode(register, vars))
			var out struct{ ID string }
			json.Unmarshal(r.Data["register_agent"], &out)
			ids = append(ids, out.ID)
		}
		if ids[0] == "" || ids[0] != ids[1] {
			t.Fatalf("register_agent ids = %q, want one id twice", ids)
		}
		agentHeader = []string{"X-PREFECT-AGENT-ID", ids[0]}

		// §3.3 connectivity check.
		post(t, `{"query": "query { hello }", "variables": "null"}`)

		// §3.5 get_runs_in_queue, the exact body with this tenant and a `before` 10 s ahead.
		before := time.Now().UTC().Add(10 * time.Second).Format("2006-01-02T15:04:05.000000+00:00")
		queue := `{"query": "mutation($input: get_runs_in_queue_input!) {\n    get_runs_in_queue(input: $input) {\n        flow_run_ids\n    }\n}", "variables": "{\"input\": {\"before\": \"` +
			before + `\", \"labels\": [\"dev\", \"my-host\"], \"tenant_id\": \"` + ts.tenant.ID + `\"}}"}`
		r = post(t, queue)
		var queued struct {
			FlowRunIDs []string `json:"flow_run_ids"`
		}
		json.Unmarshal(r.Data["get_runs_in_queue"], &queued)
		if !slices.Equal(queued.FlowRunIDs, []string{run}) {
			t.Fatalf("get_runs_in_queue = %q, want [%s]", queued.FlowRunIDs, run)
		}

		// §3.6 flow run metadata, literal arguments, variables "null".
		now3 := time.Now().UTC().Add(-3 * time.Second).Format("2006-01-02T15:04:05.000000+00:00")
		meta := "query {\n    flow_run(where: { id: { _in: [\"" + run + "\"] }, _or: [{ state: { _eq: \"Scheduled\" } }, { state: { _eq: \"Running\" }, task_runs: { state_start_time: { _lte: \"" + now3 + "\" } } }] }) {\n        id\n        version\n        state\n        serialized_state\n        parameters\n        scheduled_start_time\n        run_config\n        name\n        flow {\n            id\n            name\n            environment\n            storage\n            version\n            core_version\n        }\n        task_runs(where: { state_start_time: { _lte: \"" + now3 + "\" } }) {\n            id\n            version\n            task_id\n            serialized_state\n        }\n    }\n}"
		r = post(t, encode(meta, "null"))
		var runs []struct {
			ID              string
			Version         int
			State           string
			SerializedState map[string]any `json:"serialized_state"`
			Flow            struct{ Storage map[string]any }
		}
		json.Unmarshal(r.Data["flow_run"], &runs)
		if len(runs) != 1 || runs[0].ID != run || runs[0].State != "Scheduled" || runs[0].SerializedState["type"] != "Scheduled" ||
			runs[0].Flow.Storage["type"] != "Local" {
			t.Fatalf("flow_run metadata = %s", r.Data["flow_run"])
		}

		// §3.7 the claim: Submitted with the version read.
		r = post(t, string(claimDoc(run, runs[0].Version)))
		if !strings.Contains(string(r.Data["set_flow_run_states"]), `"status":"SUCCESS"`) {
			t.Fatalf("set_flow_run_states = %s", r.Data["set_flow_run_states"])
		}
		got, err := ts.store.GetFlowRun(t.Context(), run)
		if err != nil {
			t.Fatal(err)
		}
		if got.State.Type != "Submitted" || got.AgentID != ids[0] {
			t.Fatalf("after the claim: state %s, agent %q; want Submitted by %s", got.State.Type, got.AgentID, ids[0])
		}
		// Claimed runs leave the queue.
		r = post(t, queue)
		if !strings.Contains(string(r.Data["get_runs_in_queue"]), `"flow_run_ids":[]`) {
			t.Fatalf("queue after the claim = %s", r.Data["get_runs_in_queue"])
		}

		// §3.11 the flow runner reads the run, sets Running with that version, heartbeats,
		// logs (one object, not a list), and finishes with version null.
		info := "query {\n    flow_run_by_pk(id: \"" + run + "\") {\n        id\n        name\n        flow_id\n        parameters\n        context\n        version\n        scheduled_start_time\n        serialized_state\n        task_runs(where: { map_index: { _eq: -1 } }) {\n            id\n            task {\n                id\n                slug\n            }\n            version\n            serialized_state\n        }\n        flow {\n            project {\n                name\n                id\n            }\n        }\n    }\n}"
		r = post(t, encode(info, "null"))
		var byPK struct{ Version int }
		json.Unmarshal(r.Data["flow_run_by_pk"], &byPK)
		running := fmt.Sprintf(`{"input": {"states": [{"state": {"type": "Running", "message": "Running flow.", "context": {}, "cached_inputs": {}, "_result": {"type": "NoResultType", "__version__": "1.4.1"}, "__version__": "1.4.1"}, "flow_run_id": %q, "version": %d}]}}`, run, byPK.Version)
		post(t, encode(setFlowRunStates, running))
		post(t, encode("mutation {\n    update_flow_run_heartbeat(input: { flow_run_id: \""+run+"\" }) {\n        success\n    }\n}", "null"))
		logs := "mutation($input: write_run_logs_input!) {\n    write_run_logs(input: $input) {\n        success\n    }\n}"
		post(t, encode(logs, fmt.Sprintf(`{"input": {"logs": {"flow_run_id": %q, "task_run_id": null, "timestamp": %q, "name": "prefect.CloudFlowRunner", "level": "INFO", "message": "hello"}}}`, run, before)))
		success := fmt.Sprintf(`{"input": {"states": [{"state": {"type": "Success", "message": "All reference tasks succeeded.", "context": {}, "cached_inputs": {}, "_result": {"type": "NoResultType", "__version__": "1.4.1"}, "__version__": "1.4.1"}, "flow_run_id": %q, "version": null}]}}`, run)
		post(t, encode(setFlowRunStates, success))

		got, err = ts.store.GetFlowRun(t.Context(), run)
		if err != nil {
			t.Fatal(err)
		}
		if got.State.Type != "Success" {
			t.Fatalf("final state %s, want Success", got.State.Type)
		}
		stored, err := ts.store.Logs(t.Context(), run, "", 0)
		if err != nil || len(stored) != 1 || stored[0].Message != "hello" {
			t.Fatalf("logs = %+v, %v", stored, err)
		}
	})
}
