package api

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestClientContractLogOperations(t *testing.T) {
	ts := time.Date(2024, 5, 1, 12, 0, 1, 250000000, time.UTC)
	runContract(t, []contractCase{
		{
			name: "agent log without timestamp or task run",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.WriteRunLogs(ctx, []LogEntry{{FlowRunID: exFlowRunID, Name: "agent", Message: "Submitted for execution: PID: 4242"}})
			},
			query:    mutationWriteRunLogs,
			vars:     `{"input": {"logs": [{"flow_run_id": "` + exFlowRunID + `", "name": "agent", "message": "Submitted for execution: PID: 4242", "level": "INFO"}]}}`,
			response: `{"data":{"write_run_logs":{"success":true}}}`,
		},
		{
			name: "flow-run logs with timestamp, task run and level names",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.WriteRunLogs(ctx, []LogEntry{
					{FlowRunID: exFlowRunID, TaskRunID: exTaskRunID, Timestamp: ts, Name: "prefect.TaskRunner", Level: "warn", Message: "slow"},
					{FlowRunID: exFlowRunID, Timestamp: ts, Name: "prefect.FlowRunner", Level: "ERROR", Message: "failed"},
				})
			},
			query: mutationWriteRunLogs,
			vars: `{"input": {"logs": [
				{"flow_run_id": "` + exFlowRunID + `", "task_run_id": "` + exTaskRunID + `", "timestamp": "2024-05-01T12:00:01.250000+00:00", "name": "prefect.TaskRunner", "level": "WARNING", "message": "slow"},
				{"flow_run_id": "` + exFlowRunID + `", "timestamp": "2024-05-01T12:00:01.250000+00:00", "name": "prefect.FlowRunner", "level": "ERROR", "message": "failed"}]}}`,
			response: `{"data":{"write_run_logs":{"success":true}}}`,
		},
		{
			name: "logs of a run after a time",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.FlowRunLogs(ctx, exFlowRunID, ts)
			},
			query: queryFlowRunLogs,
			vars:  `{"flow_run_id": "` + exFlowRunID + `", "after": "2024-05-01T12:00:01.250000+00:00"}`,
			response: `{"data":{"log":[
				{"flow_run_id":"` + exFlowRunID + `","task_run_id":null,"timestamp":"2024-05-01T12:00:02.000001+00:00","level":"INFO","name":"prefect.FlowRunner","message":"hello"},
				{"flow_run_id":"` + exFlowRunID + `","task_run_id":"` + exTaskRunID + `","timestamp":"2024-05-01T12:00:03+00:00","level":"ERROR","name":"prefect.TaskRunner","message":"bye"}]}}`,
			want: []LogEntry{
				{FlowRunID: exFlowRunID, Timestamp: time.Date(2024, 5, 1, 12, 0, 2, 1000, time.UTC), Level: "INFO", Name: "prefect.FlowRunner", Message: "hello"},
				{FlowRunID: exFlowRunID, TaskRunID: exTaskRunID, Timestamp: time.Date(2024, 5, 1, 12, 0, 3, 0, time.UTC), Level: "ERROR", Name: "prefect.TaskRunner", Message: "bye"},
			},
		},
		{
			name:     "all logs of a run",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.FlowRunLogs(ctx, exFlowRunID, time.Time{}) },
			query:    queryFlowRunLogs,
			vars:     `{"flow_run_id": "` + exFlowRunID + `", "after": "1970-01-01T00:00:00.000000+00:00"}`,
			response: `{"data":{"log":[]}}`,
			want:     []LogEntry{},
		},
	})
}

func TestWriteRunLogsRefusals(t *testing.T) {
	tests := []struct {
		name     string
		entries  []LogEntry
		response string
		requests int
		text     string
	}{
		{"success false", []LogEntry{{FlowRunID: exFlowRunID, Message: "m"}}, `{"data":{"write_run_logs":{"success":false}}}`, 1, "did not report success"},
		{"unknown level sends nothing", []LogEntry{{FlowRunID: exFlowRunID}, {FlowRunID: exFlowRunID, Level: "TRACE"}}, `{}`, 0, `log entry 1: log level "TRACE"`},
		{"missing run id sends nothing", []LogEntry{{Message: "m"}}, `{}`, 0, "no flow run id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t, reply(tc.response))
			err := newTestClient(t, b.URL).WriteRunLogs(context.Background(), tc.entries)
			if err == nil || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %v does not say %q", err, tc.text)
			}
			if n := len(b.requests()); n != tc.requests {
				t.Errorf("sent %d requests, want %d", n, tc.requests)
			}
		})
	}
}

func TestWriteRunLogsWithNothingSendsNothing(t *testing.T) {
	b := newBackend(t, reply(`{}`))
	if err := newTestClient(t, b.URL).WriteRunLogs(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n := len(b.requests()); n != 0 {
		t.Errorf("sent %d requests", n)
	}
}
