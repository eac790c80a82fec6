package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/store"
)

// FlowRun answers flow_run(where:) by reading the tenant's runs (only those named, when
// the filter names ids at top level) and filtering them in Go.
func (r queryResolver) FlowRun(ctx context.Context, limit, offset *int, orderBy []*model.FlowRunOrderBy, where *model.FlowRunBoolExp) ([]*model.FlowRun, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkFilter("flow_run.where", where); err != nil {
		return nil, err
	}
	filter := runFilter(tenant, where)
	if filter.IDs != nil && len(filter.IDs) == 0 {
		return []*model.FlowRun{}, nil // id: {_in: []} matches nothing
	}
	runs, err := r.Store.ListFlowRuns(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("listing flow runs: %w", err)
	}
	m := newMatcher(r.Store)
	var rows []store.FlowRun
	for _, run := range runs {
		if run.TenantID != tenant {
			continue
		}
		ok, err := m.flowRun(ctx, where, run)
		if err != nil {
			return nil, err
		}
		if ok {
			rows = append(rows, run)
		}
	}
	sortRows(rows, flowRunOrder(orderBy))
	rows, err = page(rows, offset, limit)
	return mapRows(rows, flowRunModel), err
}

// runFilter narrows the store read with the filter's top-level conjuncts.
func runFilter(tenant string, where *model.FlowRunBoolExp) store.RunFilter {
	f := store.RunFilter{TenantID: tenant}
	for _, e := range conjuncts(where, func(e *model.FlowRunBoolExp) []*model.FlowRunBoolExp { return e.And }) {
		if ids := idConstraint(e.ID); ids != nil && f.IDs == nil {
			f.IDs = ids
		}
		if e.FlowID != nil && e.FlowID.Eq != nil && f.FlowID == "" {
			f.FlowID = *e.FlowID.Eq
		}
		if e.State != nil && f.States == nil {
			switch {
			case e.State.Eq != nil:
				f.States = []string{*e.State.Eq}
			case len(e.State.In) > 0:
				f.States = e.State.In
			}
		}
	}
	if f.IDs == nil {
		f.Limit = maxScan
	}
	return f
}

// conjuncts returns e and, recursively, the members of its _and lists.
func conjuncts[E any](e *E, and func(*E) []*E) []*E {
	if e == nil {
		return nil
	}
	out := []*E{e}
	for _, sub := range and(e) {
		out = append(out, conjuncts(sub, and)...)
	}
	return out
}

func flowRunOrder(by []*model.FlowRunOrderBy) []orderTerm[store.FlowRun] {
	type fr = store.FlowRun
	var t []orderTerm[fr]
	for _, o := range by {
		t = addTerm(t, o.Created, func(r fr) any { return r.Created })
		t = addTerm(t, o.EndTime, func(r fr) any { return timeKey(r.EndTime) })
		t = addTerm(t, o.FlowID, func(r fr) any { return r.FlowID })
		t = addTerm(t, o.Heartbeat, func(r fr) any { return timeKey(r.Heartbeat) })
		t = addTerm(t, o.ID, func(r fr) any { return r.ID })
		t = addTerm(t, o.Name, func(r fr) any { return r.Name })
		t = addTerm(t, o.ScheduledStartTime, func(r fr) any { return r.ScheduledStartTime })
		t = addTerm(t, o.StartTime, func(r fr) any { return timeKey(r.StartTime) })
		t = addTerm(t, o.State, func(r fr) any { return r.State.Type })
		t = addTerm(t, o.StateStartTime, func(r fr) any { return timeKey(r.State.StartTime) })
		t = addTerm(t, o.StateTimestamp, func(r fr) any { return timeKey(timeOrNil(r.State.Timestamp)) })
		t = addTerm(t, o.Updated, func(r fr) any { return r.Updated })
		t = addTerm(t, o.Version, func(r fr) any { return r.Version })
	}
	return t
}

func (r queryResolver) FlowRunByPk(ctx context.Context, id string) (*model.FlowRun, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	run, err := r.ownFlowRun(ctx, tenant, id)
	return nullIfNotFound(flowRunModel(run), err)
}

func (r flowRunResolver) Flow(ctx context.Context, run *model.FlowRun) (*model.Flow, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	f, err := r.ownFlow(ctx, tenant, run.FlowID)
	if err != nil {
		return nil, fmt.Errorf("reading flow %s of flow run %s: %w", run.FlowID, run.ID, err)
	}
	return flowModel(f), nil
}

func (r flowRunResolver) TaskRuns(ctx context.Context, run *model.FlowRun, limit, offset *int, orderBy []*model.TaskRunOrderBy, where *model.TaskRunBoolExp) ([]*model.TaskRun, error) {
	if err := checkFilter("task_runs.where", where); err != nil {
		return nil, err
	}
	trs, err := r.Store.TaskRuns(ctx, run.ID)
	if err != nil {
		return nil, fmt.Errorf("listing task runs of flow run %s: %w", run.ID, err)
	}
	return selectTaskRuns(trs, limit, offset, orderBy, where)
}

func (r flowRunResolver) Logs(ctx context.Context, run *model.FlowRun, limit, offset *int, orderBy []*model.LogOrderBy, where *model.LogBoolExp) ([]*model.Log, error) {
	if err := checkFilter("logs.where", where); err != nil {
		return nil, err
	}
	return r.runLogs(ctx, []string{run.ID}, limit, offset, orderBy, where)
}

func (r mutationResolver) SetFlowRunName(ctx context.Context, in model.SetFlowRunNameInput) (*model.SuccessPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, errors.New("set_flow_run_name needs a non-empty name")
	}
	if _, err := r.ownFlowRun(ctx, tenant, in.FlowRunID); err != nil {
		return nil, runError(in.FlowRunID, err)
	}
	if err := r.Store.SetFlowRunName(ctx, in.FlowRunID, in.Name); err != nil {
		return nil, runError(in.FlowRunID, err)
	}
	return succeeded(), nil
}

func (r mutationResolver) UpdateFlowRunHeartbeat(ctx context.Context, in model.UpdateFlowRunHeartbeatInput) (*model.SuccessPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := r.ownFlowRun(ctx, tenant, in.FlowRunID); err != nil {
		return nil, runError(in.FlowRunID, err)
	}
	if err := r.Store.Heartbeat(ctx, in.FlowRunID, r.now()); err != nil {
		return nil, runError(in.FlowRunID, err)
	}
	return succeeded(), nil
}

// runError words a failed read or write of a flow run.
func runError(id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("flow run %s not found", id)
	}
	return fmt.Errorf("flow run %s: %w", id, err)
}

func flowRunModel(r store.FlowRun) *model.FlowRun {
	labels, _ := json.Marshal(sortedLabels(r.Labels)) // a list of strings always marshals
	return &model.FlowRun{
		ID: r.ID, Name: ptr(r.Name), FlowID: r.FlowID, TenantID: stringOrNil(r.TenantID),
		Version: r.Version, Labels: labels, AgentID: stringOrNil(r.AgentID),
		IdempotencyKey: stringOrNil(r.IdempotencyKey),
		Parameters:     r.Parameters, Context: r.Context, RunConfig: r.RunConfig,
		State: stringOrNil(r.State.Type), StateMessage: stringOrNil(r.State.Message),
		SerializedState: r.State.Serialized, StateStartTime: r.State.StartTime,
		StateTimestamp:     timeOrNil(r.State.Timestamp),
		ScheduledStartTime: r.ScheduledStartTime, StartTime: r.StartTime, EndTime: r.EndTime,
		Heartbeat: r.Heartbeat, Created: r.Created, Updated: r.Updated,
	}
}
