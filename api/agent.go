package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// retryStartTimeBuffer is how far back the metadata query looks for task runs due for a
// retry (Prefect's retry_start_time_buffer).
const retryStartTimeBuffer = 3 * time.Second

// Hello checks that the backend answers GraphQL; an agent calls it once at start-up.
func (c *Client) Hello(ctx context.Context) (string, error) {
	var data struct {
		Hello *string `json:"hello"`
	}
	if err := c.do(ctx, request{op: "hello", query: queryHello}, &data); err != nil {
		return "", err
	}
	if data.Hello == nil {
		return "", fmt.Errorf("hello: the backend at %s answered without a greeting: is it a Prefect backend?", c.logURL)
	}
	return *data.Hello, nil
}

// DefaultTenantID returns the first tenant of a Prefect Server or embedded backend.
func (c *Client) DefaultTenantID(ctx context.Context) (string, error) {
	var data struct {
		Tenant []struct {
			ID string `json:"id"`
		} `json:"tenant"`
	}
	if err := c.do(ctx, request{op: "tenant", query: queryTenant}, &data); err != nil {
		return "", err
	}
	if len(data.Tenant) == 0 || data.Tenant[0].ID == "" {
		return "", fmt.Errorf("the backend at %s has no tenants: create one with `prefect server create-tenant` or set cloud.tenant_id: %w",
			c.logURL, ErrNotFound)
	}
	return data.Tenant[0].ID, nil
}

// AgentRegistration describes an agent to register_agent.
type AgentRegistration struct {
	Type          string   // LocalAgent, DockerAgent, ...
	Name          string   // cloud.agent.name, "agent" by default
	Labels        []string // sent sorted and without duplicates
	TenantID      string   // "" lets Server pick its first tenant
	AgentConfigID string   // optional
}

// RegisterAgent registers an agent and returns its id. Server answers with the same id
// for the same type, name, labels, tenant and core version.
func (c *Client) RegisterAgent(ctx context.Context, reg AgentRegistration) (string, error) {
	if reg.Type == "" {
		return "", errors.New("register_agent: the agent type is required (LocalAgent, DockerAgent, ...)")
	}
	input := struct {
		Type          string   `json:"type"`
		Name          *string  `json:"name"`
		Labels        []string `json:"labels"`
		TenantID      *string  `json:"tenant_id"`
		AgentConfigID *string  `json:"agent_config_id"`
	}{reg.Type, optional(reg.Name), normalizeLabels(reg.Labels), optional(reg.TenantID), optional(reg.AgentConfigID)}
	var data struct {
		RegisterAgent *struct {
			ID string `json:"id"`
		} `json:"register_agent"`
	}
	r := request{op: "register_agent", query: mutationRegisterAgent, vars: inputVars(input)}
	if err := c.do(ctx, r, &data); err != nil {
		return "", err
	}
	if data.RegisterAgent == nil || data.RegisterAgent.ID == "" {
		return "", fmt.Errorf("register_agent: the backend at %s returned no agent id", c.logURL)
	}
	return data.RegisterAgent.ID, nil
}

// RunsInQueue returns the ids of the flow runs due before `before` that an agent with
// these labels may take. The backend locks nothing: the same ids come back until their
// state changes.
func (c *Client) RunsInQueue(ctx context.Context, tenantID string, before time.Time, labels []string) ([]string, error) {
	if tenantID == "" {
		return nil, errors.New("get_runs_in_queue: a tenant id is required: look it up with DefaultTenantID or set cloud.tenant_id")
	}
	input := struct {
		Before   string   `json:"before"`
		Labels   []string `json:"labels"` // Server sorts it, and crashes on null
		TenantID string   `json:"tenant_id"`
	}{FormatTime(before), normalizeLabels(labels), tenantID}
	var data struct {
		GetRunsInQueue *struct {
			FlowRunIDs []string `json:"flow_run_ids"`
		} `json:"get_runs_in_queue"`
	}
	r := request{op: "get_runs_in_queue", query: mutationGetRunsInQueue, vars: inputVars(input)}
	if err := c.do(ctx, r, &data); err != nil {
		return nil, err
	}
	if data.GetRunsInQueue == nil {
		return nil, fmt.Errorf("get_runs_in_queue: the backend at %s returned no payload", c.logURL)
	}
	return data.GetRunsInQueue.FlowRunIDs, nil
}

// FlowRunMeta is what an agent reads about a run before claiming it.
type FlowRunMeta struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	Version            int             `json:"version"`
	State              string          `json:"state"`
	SerializedState    json.RawMessage `json:"serialized_state"`
	Parameters         json.RawMessage `json:"parameters"`
	ScheduledStartTime time.Time       `json:"scheduled_start_time"`
	RunConfig          json.RawMessage `json:"run_config"` // null for runs without one
	Labels             []string        `json:"labels"`
	Flow               FlowMeta        `json:"flow"`
	TaskRuns           []TaskRunMeta   `json:"task_runs"`
}

// FlowMeta is the flow of a FlowRunMeta.
type FlowMeta struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Environment json.RawMessage `json:"environment"`
	Storage     json.RawMessage `json:"storage"`
	Version     int             `json:"version"`
	CoreVersion string          `json:"core_version"`
}

// TaskRunMeta is a task run due for a retry inside a Running flow run.
type TaskRunMeta struct {
	ID              string          `json:"id"`
	Version         int             `json:"version"`
	TaskID          string          `json:"task_id"`
	SerializedState json.RawMessage `json:"serialized_state"`
}

// StartTime is when the run's state says it may start (serialized_state.start_time).
// ok is false when the state has no start time; Prefect then starts the run at once.
func (m FlowRunMeta) StartTime() (t time.Time, ok bool) {
	var s State
	if len(m.SerializedState) == 0 || json.Unmarshal(m.SerializedState, &s) != nil || s.StartTime.IsZero() {
		return time.Time{}, false
	}
	return s.StartTime, true
}

// FlowRunMetadata reads the runs among ids that are still Scheduled, or Running with a
// task run due for a retry (as of now minus Prefect's 3 s buffer). Runs that another
// agent claimed meanwhile are simply absent.
func (c *Client) FlowRunMetadata(ctx context.Context, ids []string, now time.Time) ([]FlowRunMeta, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	vars := map[string]any{"ids": ids, "before": FormatTime(now.Add(-retryStartTimeBuffer))}
	var data struct {
		FlowRun []FlowRunMeta `json:"flow_run"`
	}
	if err := c.do(ctx, request{op: "flow_run_metadata", query: queryFlowRunMetadata, vars: vars}, &data); err != nil {
		return nil, err
	}
	return data.FlowRun, nil
}

// inputVars wraps an operation's input as {"input": ...}.
func inputVars(input any) map[string]any { return map[string]any{"input": input} }

// optional maps "" to JSON null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// normalizeLabels sorts and dedupes labels and never returns nil: the backend wants a list.
func normalizeLabels(labels []string) []string {
	out := slices.Clone(labels)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
