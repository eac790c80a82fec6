package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// FlowRunInfo is a flow run as `prefect execute flow-run`, `outpost execute flow-run`
// and `outpost flow-run get` read it.
type FlowRunInfo struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	FlowID             string          `json:"flow_id"`
	Version            int             `json:"version"`
	State              string          `json:"state"`
	StateMessage       string          `json:"state_message"`
	SerializedState    json.RawMessage `json:"serialized_state"`
	Labels             []string        `json:"labels"`
	Parameters         json.RawMessage `json:"parameters"`
	Context            json.RawMessage `json:"context"`
	RunConfig          json.RawMessage `json:"run_config"`
	ScheduledStartTime time.Time       `json:"scheduled_start_time"`
	StartTime          time.Time       `json:"start_time"` // zero until it runs
	EndTime            time.Time       `json:"end_time"`   // zero until it finishes
	Flow               FlowInfo        `json:"flow"`
}

// FlowInfo is the flow of a FlowRunInfo.
type FlowInfo struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Storage     json.RawMessage `json:"storage"`
	RunConfig   json.RawMessage `json:"run_config"`
	CoreVersion string          `json:"core_version"`
}

// stateResult is one element of a set_*_run_states answer.
type stateResult struct {
	States []struct {
		ID      string  `json:"id"`
		Status  string  `json:"status"`
		Message *string `json:"message"`
	} `json:"states"`
}

// SetFlowRunState sets a flow run's state. version is the run version the state was
// read at, for backends that lock (nil means "whatever it is now"). A lost race is an
// error matching ErrVersionLock or ErrAlreadySubmitted.
func (c *Client) SetFlowRunState(ctx context.Context, runID string, version *int, state State) error {
	if runID == "" {
		return errors.New("set_flow_run_states: a flow run id is required")
	}
	type element struct {
		State     State  `json:"state"`
		FlowRunID string `json:"flow_run_id"`
		Version   *int   `json:"version"`
	}
	vars := inputVars(map[string]any{"states": []element{{state, runID, version}}})
	var data struct {
		SetFlowRunStates *stateResult `json:"set_flow_run_states"`
	}
	if err := c.do(ctx, request{op: "set_flow_run_states", query: mutationSetFlowRunStates, vars: vars}, &data); err != nil {
		return err
	}
	if data.SetFlowRunStates == nil || len(data.SetFlowRunStates.States) == 0 {
		return fmt.Errorf("set_flow_run_states: the backend at %s confirmed no state for flow run %s", c.logURL, runID)
	}
	return nil
}

// SetTaskRunState sets a task run's state, as SetFlowRunState does for flow runs.
func (c *Client) SetTaskRunState(ctx context.Context, taskRunID string, version *int, state State) error {
	if taskRunID == "" {
		return errors.New("set_task_run_states: a task run id is required")
	}
	type element struct {
		State     State  `json:"state"`
		TaskRunID string `json:"task_run_id"`
		Version   *int   `json:"version"`
	}
	vars := inputVars(map[string]any{"states": []element{{state, taskRunID, version}}})
	var data struct {
		SetTaskRunStates *stateResult `json:"set_task_run_states"`
	}
	if err := c.do(ctx, request{op: "set_task_run_states", query: mutationSetTaskRunStates, vars: vars}, &data); err != nil {
		return err
	}
	if data.SetTaskRunStates == nil || len(data.SetTaskRunStates.States) == 0 {
		return fmt.Errorf("set_task_run_states: the backend at %s confirmed no state for task run %s", c.logURL, taskRunID)
	}
	return nil
}

// FlowRunHeartbeat tells the backend the run's process is alive, so that Lazarus and
// the ZombieKiller leave it alone.
func (c *Client) FlowRunHeartbeat(ctx context.Context, runID string) error {
	if runID == "" {
		return errors.New("update_flow_run_heartbeat: a flow run id is required")
	}
	r := request{
		op:      "update_flow_run_heartbeat",
		query:   mutationFlowRunHeartbeat,
		vars:    inputVars(map[string]string{"flow_run_id": runID}),
		headers: map[string]string{"X-PREFECT-HEARTBEAT-ID": runID},
	}
	return c.doSuccess(ctx, r, "update_flow_run_heartbeat")
}

// FlowRun reads one flow run; an unknown id is an error matching ErrNotFound.
func (c *Client) FlowRun(ctx context.Context, id string) (FlowRunInfo, error) {
	if id == "" {
		return FlowRunInfo{}, errors.New("flow_run: a flow run id is required")
	}
	var data struct {
		FlowRun []FlowRunInfo `json:"flow_run"`
	}
	if err := c.do(ctx, request{op: "flow_run", query: queryFlowRun, vars: map[string]any{"id": id}}, &data); err != nil {
		return FlowRunInfo{}, err
	}
	if len(data.FlowRun) == 0 {
		return FlowRunInfo{}, fmt.Errorf("flow run %s: %w at %s", id, ErrNotFound, c.logURL)
	}
	return data.FlowRun[0], nil
}

// ListFlowRuns returns the most recently scheduled flow runs first; limit <= 0 means all.
func (c *Client) ListFlowRuns(ctx context.Context, limit int) ([]FlowRunInfo, error) {
	vars := map[string]any{"limit": nil}
	if limit > 0 {
		vars["limit"] = limit
	}
	var data struct {
		FlowRun []FlowRunInfo `json:"flow_run"`
	}
	if err := c.do(ctx, request{op: "flow_runs", query: queryFlowRuns, vars: vars}, &data); err != nil {
		return nil, err
	}
	return data.FlowRun, nil
}

// FlowRunState reads a run's version and state name, for the cancellation watcher and
// for recovering from a version-lock error.
func (c *Client) FlowRunState(ctx context.Context, id string) (version int, state string, err error) {
	if id == "" {
		return 0, "", errors.New("flow_run_by_pk: a flow run id is required")
	}
	var data struct {
		FlowRunByPK *struct {
			Version int     `json:"version"`
			State   *string `json:"state"`
		} `json:"flow_run_by_pk"`
	}
	if err := c.do(ctx, request{op: "flow_run_state", query: queryFlowRunState, vars: map[string]any{"id": id}}, &data); err != nil {
		return 0, "", err
	}
	if data.FlowRunByPK == nil {
		return 0, "", fmt.Errorf("flow run %s: %w at %s", id, ErrNotFound, c.logURL)
	}
	if data.FlowRunByPK.State == nil {
		return data.FlowRunByPK.Version, "Pending", nil // no state yet reads as Pending
	}
	return data.FlowRunByPK.Version, *data.FlowRunByPK.State, nil
}

// CancellingRuns returns, for those of ids whose state is Cancelling or Cancelled, that
// state by run id. The backend pushes nothing, so an agent asks.
func (c *Client) CancellingRuns(ctx context.Context, ids []string) (map[string]string, error) {
	found := map[string]string{}
	if len(ids) == 0 {
		return found, nil
	}
	var data struct {
		FlowRun []struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"flow_run"`
	}
	if err := c.do(ctx, request{op: "cancelling_runs", query: queryCancellingRuns, vars: map[string]any{"ids": ids}}, &data); err != nil {
		return nil, err
	}
	for _, run := range data.FlowRun {
		found[run.ID] = run.State
	}
	return found, nil
}

// CreateFlowRunInput describes a new flow run. FlowID or VersionGroupID is required.
type CreateFlowRunInput struct {
	FlowID             string
	VersionGroupID     string
	Parameters         map[string]any
	Context            map[string]any
	RunConfig          any      // a run config in its wire form; nil uses the flow's
	Labels             []string // nil lets the backend choose; empty means no labels
	ScheduledStartTime time.Time
	IdempotencyKey     string // "" gets a random key, as Prefect's client does
	FlowRunName        string
}

// CreateFlowRun schedules a flow run and returns its id. A repeated idempotency key
// returns the existing run's id.
func (c *Client) CreateFlowRun(ctx context.Context, in CreateFlowRunInput) (string, error) {
	if in.FlowID == "" && in.VersionGroupID == "" {
		return "", errors.New("create_flow_run: give the flow id or its version group id")
	}
	input := map[string]any{}
	setIf(input, "flow_id", in.FlowID, in.FlowID != "")
	setIf(input, "version_group_id", in.VersionGroupID, in.VersionGroupID != "")
	setIf(input, "parameters", in.Parameters, in.Parameters != nil)
	setIf(input, "context", in.Context, in.Context != nil)
	setIf(input, "run_config", in.RunConfig, in.RunConfig != nil)
	setIf(input, "labels", normalizeLabels(in.Labels), in.Labels != nil)
	setIf(input, "scheduled_start_time", FormatTime(in.ScheduledStartTime), !in.ScheduledStartTime.IsZero())
	setIf(input, "flow_run_name", in.FlowRunName, in.FlowRunName != "")
	input["idempotency_key"] = in.IdempotencyKey
	if in.IdempotencyKey == "" {
		input["idempotency_key"] = randomKey()
	}
	var data struct {
		CreateFlowRun *struct {
			ID string `json:"id"`
		} `json:"create_flow_run"`
	}
	if err := c.do(ctx, request{op: "create_flow_run", query: mutationCreateFlowRun, vars: inputVars(input)}, &data); err != nil {
		return "", err
	}
	if data.CreateFlowRun == nil || data.CreateFlowRun.ID == "" {
		return "", fmt.Errorf("create_flow_run: the backend at %s returned no flow run id", c.logURL)
	}
	return data.CreateFlowRun.ID, nil
}

// CancelFlowRun asks for a run to be cancelled and returns the resulting state:
// Cancelling for a running run, Cancelled for one that had not started, or the current
// state of a finished run.
func (c *Client) CancelFlowRun(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", errors.New("cancel_flow_run: a flow run id is required")
	}
	var data struct {
		CancelFlowRun *struct {
			State string `json:"state"`
		} `json:"cancel_flow_run"`
	}
	vars := inputVars(map[string]string{"flow_run_id": id})
	if err := c.do(ctx, request{op: "cancel_flow_run", query: mutationCancelFlowRun, vars: vars}, &data); err != nil {
		return "", err
	}
	if data.CancelFlowRun == nil {
		return "", fmt.Errorf("cancel_flow_run: flow run %s: %w at %s", id, ErrNotFound, c.logURL)
	}
	return data.CancelFlowRun.State, nil
}

// SetFlowRunName renames a flow run.
func (c *Client) SetFlowRunName(ctx context.Context, id, name string) error {
	if id == "" || name == "" {
		return errors.New("set_flow_run_name: a flow run id and a non-empty name are required")
	}
	vars := inputVars(map[string]string{"flow_run_id": id, "name": name})
	return c.doSuccess(ctx, request{op: "set_flow_run_name", query: mutationSetFlowRunName, vars: vars}, "set_flow_run_name")
}

// doSuccess runs a mutation whose answer is {field: {success}} and fails unless success
// is true.
func (c *Client) doSuccess(ctx context.Context, r request, field string) error {
	var data map[string]*struct {
		Success bool `json:"success"`
	}
	if err := c.do(ctx, r, &data); err != nil {
		return err
	}
	if p := data[field]; p == nil || !p.Success {
		return fmt.Errorf("%s: the backend at %s did not report success", r.op, c.logURL)
	}
	return nil
}

func setIf(m map[string]any, key string, value any, ok bool) {
	if ok {
		m[key] = value
	}
}

// randomKey is a fresh idempotency key in the form Prefect uses (uuid4().hex).
func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b)
}
