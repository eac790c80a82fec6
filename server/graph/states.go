package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/store"
)

// maxStatePayload is Prefect Server's limit on one serialized state.
const maxStatePayload = 1_000_000

// errStateTooLarge carries Prefect Server's exact message.
var errStateTooLarge = errors.New("State payload is too large.")

// stateTypes are the state names Prefect 1.x serializes (StateSchema.type_schemas).
var stateTypes = []string{"Cancelled", "Cached", "ClientFailed", "Failed", "Finished",
	"Looped", "Mapped", "Paused", "Pending", "Queued", "Resume", "Retrying", "Running",
	"Cancelling", "Scheduled", "Skipped", "Submitted", "Success", "TimedOut",
	"TriggerFailed", "ValidationFailed"}

// parseState validates a serialized Prefect state and extracts what the store indexes.
func parseState(raw json.RawMessage, now time.Time) (store.State, error) {
	if len(raw) > maxStatePayload {
		return store.State{}, errStateTooLarge
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return store.State{}, errors.New(`state must be a JSON object such as {"type": "Running", "message": "Running flow."}`)
	}
	var typ string
	if err := json.Unmarshal(fields["type"], &typ); err != nil || !slices.Contains(stateTypes, typ) {
		return store.State{}, fmt.Errorf("state \"type\" must be one of %s", strings.Join(stateTypes, ", "))
	}
	st := store.State{Type: typ, Serialized: raw, Timestamp: now}
	if m, ok := fields["message"]; ok && string(m) != "null" {
		if err := json.Unmarshal(m, &st.Message); err != nil {
			return store.State{}, errors.New(`state "message" must be a string or null`)
		}
	}
	if slices.Contains(store.ScheduledStates, typ) {
		start, err := stateStartTime(fields["start_time"])
		if err != nil {
			return store.State{}, err
		}
		// Prefect's scheduled states default their start to now; only Paused may wait
		// indefinitely (a NULL start is never due).
		if start == nil && typ != "Paused" {
			start = &now
		}
		st.StartTime = start
	}
	return st, nil
}

func stateStartTime(raw json.RawMessage) (*time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errors.New(`state "start_time" must be an ISO-8601 string or null`)
	}
	t, err := model.ParseTimestamp(s)
	if err != nil {
		return nil, fmt.Errorf("state \"start_time\": %w", err)
	}
	return &t, nil
}

// newState is a state the backend sets itself; the store serializes it the way Prefect's
// client loads states.
func newState(typ, message string, now time.Time) store.State {
	return store.State{Type: typ, Message: message, Timestamp: now}
}

func isFinished(typ string) bool {
	return typ == "Finished" || slices.Contains(store.FinishedStates, typ)
}

func (r mutationResolver) SetFlowRunStates(ctx context.Context, in model.SetFlowRunStatesInput) (*model.SetFlowRunStatesPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.SetFlowRunStatePayload, 0, len(in.States))
	for _, s := range in.States {
		if err := r.setFlowRunState(ctx, tenant, s); err != nil {
			return nil, err
		}
		out = append(out, &model.SetFlowRunStatePayload{ID: &s.FlowRunID, Status: ptr("SUCCESS")})
	}
	return &model.SetFlowRunStatesPayload{States: out}, nil
}

func (r mutationResolver) setFlowRunState(ctx context.Context, tenant string, in *model.SetFlowRunStateInput) error {
	id := in.FlowRunID
	st, err := parseState(in.State, r.now())
	if errors.Is(err, errStateTooLarge) {
		return err
	}
	if err != nil {
		return fmt.Errorf("State update failed for flow run ID %s: %w", id, err)
	}
	if _, err := r.ownFlowRun(ctx, tenant, id); err != nil {
		return flowRunStateError(id, in.Version, err)
	}
	agentID, err := callingAgent(ctx)
	if err != nil {
		return err
	}
	update := store.StateUpdate{RunID: id, ExpectedVersion: in.Version, State: st, AgentID: agentID}
	if _, err := r.Store.SetFlowRunState(ctx, update); err != nil {
		return flowRunStateError(id, in.Version, err)
	}
	if slices.Contains(store.ScheduledStates, st.Type) {
		r.notify(tenant)
	}
	return nil
}

// flowRunStateError maps store errors to the messages Prefect's agent and client act on.
func flowRunStateError(id string, version *int, err error) error {
	switch {
	case errors.Is(err, store.ErrVersionLock):
		return versionLockError("flow", id, version)
	case errors.Is(err, store.ErrAlreadySubmitted):
		return errors.New("State update failed: this run has already been submitted.")
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("State update failed for flow run ID %s", id)
	}
	return fmt.Errorf("State update failed for flow run ID %s: %w", id, err)
}

func (r mutationResolver) SetTaskRunStates(ctx context.Context, in model.SetTaskRunStatesInput) (*model.SetTaskRunStatesPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.SetTaskRunStatePayload, 0, len(in.States))
	for _, s := range in.States {
		if err := r.setTaskRunState(ctx, tenant, s); err != nil {
			return nil, err
		}
		out = append(out, &model.SetTaskRunStatePayload{ID: &s.TaskRunID, Status: ptr("SUCCESS")})
	}
	return &model.SetTaskRunStatesPayload{States: out}, nil
}

func (r mutationResolver) setTaskRunState(ctx context.Context, tenant string, in *model.SetTaskRunStateInput) error {
	id := in.TaskRunID
	st, err := parseState(in.State, r.now())
	if errors.Is(err, errStateTooLarge) {
		return err
	}
	if err != nil {
		return fmt.Errorf("State update failed for task run ID %s: %w", id, err)
	}
	tr, err := r.ownTaskRun(ctx, tenant, id)
	if err != nil {
		return taskRunStateError(id, in.Version, err)
	}
	agentID, err := callingAgent(ctx)
	if err != nil {
		return err
	}
	update := store.StateUpdate{RunID: id, ExpectedVersion: in.Version, State: st, AgentID: agentID}
	if _, err := r.Store.SetTaskRunState(ctx, update); errors.Is(err, store.ErrFlowRunNotRunning) {
		return fmt.Errorf("State update failed for task run ID %s: provided a running state but associated flow run %s is not in a running state.", id, tr.FlowRunID)
	} else if err != nil {
		return taskRunStateError(id, in.Version, err)
	}
	// A task run due again makes its Running flow run ready for an agent.
	if slices.Contains(store.ScheduledStates, st.Type) {
		r.notify(tenant)
	}
	return nil
}

func taskRunStateError(id string, version *int, err error) error {
	switch {
	case errors.Is(err, store.ErrVersionLock):
		return versionLockError("task", id, version)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("State update failed for task run ID %s", id)
	}
	return fmt.Errorf("State update failed for task run ID %s: %w", id, err)
}

// CancelFlowRun sets Cancelling on a run an agent has claimed or a process is executing
// (Submitted, Running), so that whoever holds it stops it and sets Cancelled; any other
// unfinished run is Cancelled at once, and a finished run keeps its state. Prefect Server
// cancelled Submitted runs at once, leaving a process the agent was starting unwatched.
func (r mutationResolver) CancelFlowRun(ctx context.Context, in model.CancelFlowRunInput) (*model.CancelFlowRunPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	const attempts = 3 // a run changing state meanwhile is re-read, then decided again
	for range attempts {
		run, err := r.ownFlowRun(ctx, tenant, in.FlowRunID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("flow run %s not found", in.FlowRunID)
		}
		if err != nil {
			return nil, fmt.Errorf("reading flow run %s: %w", in.FlowRunID, err)
		}
		current := run.State.Type
		if isFinished(current) {
			return &model.CancelFlowRunPayload{State: &current}, nil
		}
		st := newState("Cancelled", "Flow run is cancelled", r.now())
		if current == "Submitted" || current == "Running" || current == "Cancelling" {
			st = newState("Cancelling", "Flow run is cancelling", r.now())
		}
		_, err = r.Store.SetFlowRunState(ctx, store.StateUpdate{RunID: run.ID, ExpectedVersion: ptr(run.Version), State: st})
		if errors.Is(err, store.ErrVersionLock) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cancelling flow run %s: %w", run.ID, err)
		}
		return &model.CancelFlowRunPayload{State: &st.Type}, nil
	}
	return nil, fmt.Errorf("cancelling flow run %s: its state kept changing; try again", in.FlowRunID)
}
