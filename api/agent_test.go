package api

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestClientContractAgentOperations(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 10, 123456000, time.UTC)
	runContract(t, []contractCase{
		{
			name:     "hello",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.Hello(ctx) },
			query:    "query { hello }",
			vars:     "null",
			response: `{"data":{"hello":"👋"}}`,
			want:     "👋",
		},
		{
			name:     "default tenant is the first",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.DefaultTenantID(ctx) },
			query:    queryTenant,
			vars:     "null",
			response: `{"data":{"tenant":[{"id":"` + exTenantID + `"},{"id":"other"}]}}`,
			want:     exTenantID,
		},
		{
			name: "register agent sorts and dedupes labels",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RegisterAgent(ctx, AgentRegistration{Type: "LocalAgent", Name: "agent", Labels: []string{"my-host", "dev", "dev"}, TenantID: exTenantID})
			},
			query:    mutationRegisterAgent,
			vars:     `{"input": {"type": "LocalAgent", "name": "agent", "labels": ["dev", "my-host"], "tenant_id": "` + exTenantID + `", "agent_config_id": null}}`,
			response: `{"data":{"register_agent":{"id":"` + exAgentID + `"}}}`,
			want:     exAgentID,
		},
		{
			name: "register agent without labels sends an empty list",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RegisterAgent(ctx, AgentRegistration{Type: "DockerAgent", AgentConfigID: "cfg"})
			},
			query:    mutationRegisterAgent,
			vars:     `{"input": {"type": "DockerAgent", "name": null, "labels": [], "tenant_id": null, "agent_config_id": "cfg"}}`,
			response: `{"data":{"register_agent":{"id":"` + exAgentID + `"}}}`,
			want:     exAgentID,
		},
		{
			name: "runs in queue",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RunsInQueue(ctx, exTenantID, now.Add(10*time.Second), []string{"my-host", "dev"})
			},
			query:    mutationGetRunsInQueue,
			vars:     `{"input": {"before": "2024-05-01T12:00:20.123456+00:00", "labels": ["dev", "my-host"], "tenant_id": "` + exTenantID + `"}}`,
			response: `{"data":{"get_runs_in_queue":{"flow_run_ids":["` + exFlowRunID + `"]}}}`,
			want:     []string{exFlowRunID},
		},
		{
			name: "runs in queue without labels sends an empty list, never null",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RunsInQueue(ctx, exTenantID, now, nil)
			},
			query:    mutationGetRunsInQueue,
			vars:     `{"input": {"before": "2024-05-01T12:00:10.123456+00:00", "labels": [], "tenant_id": "` + exTenantID + `"}}`,
			response: `{"data":{"get_runs_in_queue":{"flow_run_ids":[]}}}`,
			want:     []string{},
		},
	})
}

func TestClientContractFlowRunMetadata(t *testing.T) {
	const response = `{"data":{"flow_run":[{
		"id":"` + exFlowRunID + `","version":1,"state":"Scheduled",
		"serialized_state":{"type":"Scheduled","message":"Flow run scheduled.","start_time":"2024-05-01T12:00:00+00:00","context":{},"cached_inputs":{},"_result":{"type":"NoResultType","__version__":"1.4.1"},"__version__":"1.4.1"},
		"parameters":{"x":1},"scheduled_start_time":"2024-05-01T12:00:00+00:00",
		"run_config":{"type":"LocalRun","env":{"A":"1"},"labels":["dev"]},"name":"brave-otter","labels":["dev"],
		"flow":{"id":"` + exFlowID + `","name":"etl","environment":null,"storage":{"type":"Local","path":"/flows/etl.py"},"version":3,"core_version":"1.4.1"},
		"task_runs":[{"id":"` + exTaskRunID + `","version":2,"task_id":"` + exTaskID + `","serialized_state":{"type":"Retrying"}}]
	}]}}`
	now := time.Date(2024, 5, 1, 12, 0, 10, 123456000, time.UTC)
	b := newBackend(t, reply(response))
	got, err := newTestClient(t, b.URL).FlowRunMetadata(context.Background(), []string{exFlowRunID}, now)
	if err != nil {
		t.Fatalf("FlowRunMetadata: %v", err)
	}
	req := b.requests()[0]
	if req.Query != queryFlowRunMetadata {
		t.Errorf("sent document %q", req.Query)
	}
	// Task runs due for a retry are looked for 3 s back, as Prefect's agent does.
	assertJSONEqual(t, "variables", req.Variables, `{"ids":["`+exFlowRunID+`"],"before":"2024-05-01T12:00:07.123456+00:00"}`)

	if len(got) != 1 {
		t.Fatalf("want 1 run, got %d", len(got))
	}
	run := got[0]
	if run.ID != exFlowRunID || run.Version != 1 || run.State != "Scheduled" || run.Name != "brave-otter" {
		t.Errorf("run = %+v", run)
	}
	if run.Flow.CoreVersion != "1.4.1" || run.Flow.ID != exFlowID || run.Flow.Version != 3 {
		t.Errorf("flow = %+v", run.Flow)
	}
	assertJSONEqual(t, "storage", string(run.Flow.Storage), `{"type":"Local","path":"/flows/etl.py"}`)
	assertJSONEqual(t, "run_config", string(run.RunConfig), `{"type":"LocalRun","env":{"A":"1"},"labels":["dev"]}`)
	if len(run.TaskRuns) != 1 || run.TaskRuns[0].TaskID != exTaskID || run.TaskRuns[0].Version != 2 {
		t.Errorf("task runs = %+v", run.TaskRuns)
	}
	if !run.ScheduledStartTime.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("scheduled_start_time = %v", run.ScheduledStartTime)
	}
	start, ok := run.StartTime()
	if !ok || !start.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("StartTime() = %v, %v", start, ok)
	}
}

func TestFlowRunMetadataWithoutIDsSendsNothing(t *testing.T) {
	b := newBackend(t, reply(`{"data":{"flow_run":[]}}`))
	got, err := newTestClient(t, b.URL).FlowRunMetadata(context.Background(), nil, time.Now())
	if err != nil || got != nil {
		t.Fatalf("got %v, %v", got, err)
	}
	if n := len(b.requests()); n != 0 {
		t.Errorf("sent %d requests for no ids", n)
	}
}

func TestFlowRunMetaStartTimeAbsent(t *testing.T) {
	for _, state := range []string{``, `null`, `{"type":"Running"}`, `{"type":"Scheduled","start_time":null}`} {
		m := FlowRunMeta{SerializedState: json.RawMessage(state)}
		if ts, ok := m.StartTime(); ok {
			t.Errorf("state %q: StartTime() = %v, want none", state, ts)
		}
	}
}

func TestAgentOperationErrors(t *testing.T) {
	tests := []struct {
		name     string
		response string
		call     func(context.Context, *Client) error
		want     error  // errors.Is target, or nil
		text     string // the error must contain it
	}{
		{
			name:     "no tenants",
			response: `{"data":{"tenant":[]}}`,
			call:     func(ctx context.Context, c *Client) error { _, err := c.DefaultTenantID(ctx); return err },
			want:     ErrNotFound,
			text:     "create-tenant",
		},
		{
			name:     "register agent without an id",
			response: `{"data":{"register_agent":{"id":null}}}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.RegisterAgent(ctx, AgentRegistration{Type: "LocalAgent"})
				return err
			},
			text: "no agent id",
		},
		{
			name:     "hello without a greeting",
			response: `{"data":{"hello":null}}`,
			call:     func(ctx context.Context, c *Client) error { _, err := c.Hello(ctx); return err },
			text:     "without a greeting",
		},
		{
			name:     "runs in queue needs a tenant",
			response: `{}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.RunsInQueue(ctx, "", time.Now(), nil)
				return err
			},
			text: "tenant id is required",
		},
		{
			name:     "register agent needs a type",
			response: `{}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.RegisterAgent(ctx, AgentRegistration{})
				return err
			},
			text: "agent type is required",
		},
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
