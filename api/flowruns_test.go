package api

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const exFlowRunInfo = `{
	"id":"` + exFlowRunID + `","name":"brave-otter","flow_id":"` + exFlowID + `","version":3,
	"state":"Running","state_message":"Running flow.",
	"serialized_state":{"type":"Running","message":"Running flow."},
	"labels":["dev"],"parameters":{"x":1},"context":null,"run_config":null,
	"scheduled_start_time":"2024-05-01T12:00:00+00:00","start_time":"2024-05-01T12:00:05.5+00:00","end_time":null,
	"flow":{"id":"` + exFlowID + `","name":"etl","storage":{"type":"Script","argv":["echo","hi"]},"run_config":null,"core_version":"outpost"}
}`

func TestClientContractFlowRunOperations(t *testing.T) {
	wantInfo := FlowRunInfo{
		ID: exFlowRunID, Name: "brave-otter", FlowID: exFlowID, Version: 3,
		State: "Running", StateMessage: "Running flow.",
		SerializedState:    json.RawMessage(`{"type":"Running","message":"Running flow."}`),
		Labels:             []string{"dev"},
		Parameters:         json.RawMessage(`{"x":1}`),
		Context:            json.RawMessage(`null`),
		RunConfig:          json.RawMessage(`null`),
		ScheduledStartTime: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		StartTime:          time.Date(2024, 5, 1, 12, 0, 5, 500000000, time.UTC),
		Flow: FlowInfo{
			ID: exFlowID, Name: "etl", Storage: json.RawMessage(`{"type":"Script","argv":["echo","hi"]}`),
			RunConfig: json.RawMessage(`null`), CoreVersion: "outpost",
		},
	}
	scheduled := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	runContract(t, []contractCase{
		{
			name: "set flow run state (the reference's exact body)",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetFlowRunState(ctx, exFlowRunID, intPtr(2), Running("Running flow."))
			},
			query:    "mutation($input: set_flow_run_states_input!) {\n    set_flow_run_states(input: $input) {\n        states {\n            id\n            status\n            message\n        }\n    }\n}",
			vars:     `{"input": {"states": [{"state": {"type": "Running", "message": "Running flow.", "context": {}, "cached_inputs": {}, "_result": {"type": "NoResultType", "__version__": "1.4.1"}, "__version__": "1.4.1"}, "flow_run_id": "` + exFlowRunID + `", "version": 2}]}}`,
			response: `{"data":{"set_flow_run_states":{"states":[{"id":"` + exFlowRunID + `","status":"SUCCESS","message":null}]}}}`,
			want:     nil,
		},
		{
			name: "set flow run state without a version sends null",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetFlowRunState(ctx, exFlowRunID, nil, Failed("boom"))
			},
			query:    mutationSetFlowRunStates,
			vars:     `{"input": {"states": [{"state": {"type": "Failed", "message": "boom", "context": {}, "cached_inputs": {}, "_result": {"type": "NoResultType", "__version__": "1.4.1"}, "__version__": "1.4.1"}, "flow_run_id": "` + exFlowRunID + `", "version": null}]}}`,
			response: `{"data":{"set_flow_run_states":{"states":[{"id":"` + exFlowRunID + `","status":"SUCCESS","message":null}]}}}`,
			want:     nil,
		},
		{
			name: "set task run state",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetTaskRunState(ctx, exTaskRunID, intPtr(3), Submitted("Submitted for execution"))
			},
			query:    mutationSetTaskRunStates,
			vars:     `{"input": {"states": [{"state": {"type": "Submitted", "message": "Submitted for execution", "context": {}, "cached_inputs": {}, "_result": {"type": "NoResultType", "__version__": "1.4.1"}, "__version__": "1.4.1"}, "task_run_id": "` + exTaskRunID + `", "version": 3}]}}`,
			response: `{"data":{"set_task_run_states":{"states":[{"id":"` + exTaskRunID + `","status":"SUCCESS","message":null}]}}}`,
			want:     nil,
		},
		{
			name:     "heartbeat",
			call:     func(ctx context.Context, c *Client) (any, error) { return nil, c.FlowRunHeartbeat(ctx, exFlowRunID) },
			query:    mutationFlowRunHeartbeat,
			vars:     `{"input": {"flow_run_id": "` + exFlowRunID + `"}}`,
			response: `{"data":{"update_flow_run_heartbeat":{"success":true}}}`,
			want:     nil,
		},
		{
			name:     "flow run by id",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.FlowRun(ctx, exFlowRunID) },
			query:    queryFlowRun,
			vars:     `{"id": "` + exFlowRunID + `"}`,
			response: `{"data":{"flow_run":[` + exFlowRunInfo + `]}}`,
			want:     wantInfo,
		},
		{
			name:     "list flow runs",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.ListFlowRuns(ctx, 5) },
			query:    queryFlowRuns,
			vars:     `{"limit": 5}`,
			response: `{"data":{"flow_run":[` + exFlowRunInfo + `]}}`,
			want:     []FlowRunInfo{wantInfo},
		},
		{
			name:     "list all flow runs",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.ListFlowRuns(ctx, 0) },
			query:    queryFlowRuns,
			vars:     `{"limit": null}`,
			response: `{"data":{"flow_run":[]}}`,
			want:     []FlowRunInfo{},
		},
		{
			name: "flow run state",
			call: func(ctx context.Context, c *Client) (any, error) {
				v, s, err := c.FlowRunState(ctx, exFlowRunID)
				return []any{v, s}, err
			},
			query:    queryFlowRunState,
			vars:     `{"id": "` + exFlowRunID + `"}`,
			response: `{"data":{"flow_run_by_pk":{"id":"` + exFlowRunID + `","version":4,"state":"Cancelling"}}}`,
			want:     []any{4, "Cancelling"},
		},
		{
			name: "flow run without a state reads as Pending",
			call: func(ctx context.Context, c *Client) (any, error) {
				v, s, err := c.FlowRunState(ctx, exFlowRunID)
				return []any{v, s}, err
			},
			query:    queryFlowRunState,
			vars:     `{"id": "` + exFlowRunID + `"}`,
			response: `{"data":{"flow_run_by_pk":{"id":"` + exFlowRunID + `","version":0,"state":null}}}`,
			want:     []any{0, "Pending"},
		},
		{
			name: "cancelling runs",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CancellingRuns(ctx, []string{exFlowRunID, "other"})
			},
			query:    queryCancellingRuns,
			vars:     `{"ids": ["` + exFlowRunID + `", "other"]}`,
			response: `{"data":{"flow_run":[{"id":"` + exFlowRunID + `","state":"Cancelling"}]}}`,
			want:     map[string]string{exFlowRunID: "Cancelling"},
		},
		{
			name: "create flow run with every field",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateFlowRun(ctx, CreateFlowRunInput{
					FlowID: exFlowID, Parameters: map[string]any{"x": 1}, Context: map[string]any{"k": "v"},
					RunConfig: json.RawMessage(`{"type":"LocalRun"}`), Labels: []string{"b", "a"},
					ScheduledStartTime: scheduled, IdempotencyKey: "key-1", FlowRunName: "nightly",
				})
			},
			query: mutationCreateFlowRun,
			vars: `{"input": {"flow_id": "` + exFlowID + `", "parameters": {"x": 1}, "context": {"k": "v"},
				"run_config": {"type": "LocalRun"}, "labels": ["a", "b"], "scheduled_start_time": "2024-05-01T12:00:00.000000+00:00",
				"idempotency_key": "key-1", "flow_run_name": "nightly"}}`,
			response: `{"data":{"create_flow_run":{"id":"` + exFlowRunID + `"}}}`,
			want:     exFlowRunID,
		},
		{
			name: "create flow run leaves unset fields out",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateFlowRun(ctx, CreateFlowRunInput{VersionGroupID: "etl", Labels: []string{}, IdempotencyKey: "k"})
			},
			query:    mutationCreateFlowRun,
			vars:     `{"input": {"version_group_id": "etl", "labels": [], "idempotency_key": "k"}}`,
			response: `{"data":{"create_flow_run":{"id":"` + exFlowRunID + `"}}}`,
			want:     exFlowRunID,
		},
		{
			name:     "cancel flow run",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.CancelFlowRun(ctx, exFlowRunID) },
			query:    mutationCancelFlowRun,
			vars:     `{"input": {"flow_run_id": "` + exFlowRunID + `"}}`,
			response: `{"data":{"cancel_flow_run":{"state":"Cancelling"}}}`,
			want:     "Cancelling",
		},
		{
			name: "set flow run name",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetFlowRunName(ctx, exFlowRunID, "renamed")
			},
			query:    mutationSetFlowRunName,
			vars:     `{"input": {"flow_run_id": "` + exFlowRunID + `", "name": "renamed"}}`,
			response: `{"data":{"set_flow_run_name":{"success":true}}}`,
			want:     nil,
		},
	})
}

func TestHeartbeatSendsHeartbeatHeader(t *testing.T) {
	b := newBackend(t, reply(`{"data":{"update_flow_run_heartbeat":{"success":true}}}`))
	if err := newTestClient(t, b.URL).FlowRunHeartbeat(context.Background(), exFlowRunID); err != nil {
		t.Fatal(err)
	}
	if got := b.requests()[0].Header.Get("X-PREFECT-HEARTBEAT-ID"); got != exFlowRunID {
		t.Errorf("X-PREFECT-HEARTBEAT-ID = %q", got)
	}
}

func TestCreateFlowRunGeneratesIdempotencyKeys(t *testing.T) {
	b := newBackend(t, reply(`{"data":{"create_flow_run":{"id":"`+exFlowRunID+`"}}}`))
	c := newTestClient(t, b.URL)
	for range 2 {
		if _, err := c.CreateFlowRun(context.Background(), CreateFlowRunInput{FlowID: exFlowID}); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	for _, req := range b.requests() {
		var vars struct {
			Input map[string]any `json:"input"`
		}
		if err := json.Unmarshal([]byte(req.Variables), &vars); err != nil {
			t.Fatal(err)
		}
		key, _ := vars.Input["idempotency_key"].(string)
		if b, err := hex.DecodeString(key); err != nil || len(b) != 16 {
			t.Errorf("idempotency key %q is not 32 hex digits", key)
		}
		keys = append(keys, key)
	}
	if keys[0] == keys[1] {
		t.Errorf("two runs got the same idempotency key %q", keys[0])
	}
}

func TestFlowRunOperationErrors(t *testing.T) {
	tests := []struct {
		name     string
		response string
		call     func(context.Context, *Client) error
		want     error
		text     string
	}{
		{"unknown flow run", `{"data":{"flow_run":[]}}`,
			func(ctx context.Context, c *Client) error { _, err := c.FlowRun(ctx, exFlowRunID); return err },
			ErrNotFound, exFlowRunID},
		{"unknown flow run state", `{"data":{"flow_run_by_pk":null}}`,
			func(ctx context.Context, c *Client) error { _, _, err := c.FlowRunState(ctx, exFlowRunID); return err },
			ErrNotFound, exFlowRunID},
		{"heartbeat not acknowledged", `{"data":{"update_flow_run_heartbeat":{"success":false}}}`,
			func(ctx context.Context, c *Client) error { return c.FlowRunHeartbeat(ctx, exFlowRunID) },
			nil, "did not report success"},
		{"state not confirmed", `{"data":{"set_flow_run_states":null}}`,
			func(ctx context.Context, c *Client) error {
				return c.SetFlowRunState(ctx, exFlowRunID, nil, Success("ok"))
			},
			nil, "confirmed no state"},
		{"state without a type", `{}`,
			func(ctx context.Context, c *Client) error { return c.SetFlowRunState(ctx, exFlowRunID, nil, State{}) },
			nil, "needs a type"},
		{"empty name", `{}`,
			func(ctx context.Context, c *Client) error { return c.SetFlowRunName(ctx, exFlowRunID, "") },
			nil, "non-empty name"},
		{"create without a flow", `{}`,
			func(ctx context.Context, c *Client) error {
				_, err := c.CreateFlowRun(ctx, CreateFlowRunInput{})
				return err
			},
			nil, "flow id or its version group id"},
		{"cancel unknown run", `{"data":{"cancel_flow_run":null}}`,
			func(ctx context.Context, c *Client) error { _, err := c.CancelFlowRun(ctx, exFlowRunID); return err },
			ErrNotFound, exFlowRunID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t, reply(tc.response))
			err := tc.call(context.Background(), newTestClient(t, b.URL))
			if err == nil {
				t.Fatal("want an error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v is not %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not say %q", err, tc.text)
			}
		})
	}
}
