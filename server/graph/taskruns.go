package graph

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"

	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/store"
)

// TaskRun answers task_run(where:). The store lists task runs per flow run, so the
// filter's top-level id or flow_run_id picks what is read; without either, the task runs
// of the tenant's latest flow runs (up to maxScan) are searched, as Prefect's cache
// lookup (state Cached, cache_key or task_id) needs.
func (r queryResolver) TaskRun(ctx context.Context, limit, offset *int, orderBy []*model.TaskRunOrderBy, where *model.TaskRunBoolExp) ([]*model.TaskRun, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkFilter("task_run.where", where); err != nil {
		return nil, err
	}
	trs, err := r.candidateTaskRuns(ctx, tenant, where)
	if err != nil {
		return nil, err
	}
	return selectTaskRuns(trs, limit, offset, orderBy, where)
}

func (r queryResolver) candidateTaskRuns(ctx context.Context, tenant string, where *model.TaskRunBoolExp) ([]store.TaskRun, error) {
	var ids, runIDs []string
	for _, e := range conjuncts(where, func(e *model.TaskRunBoolExp) []*model.TaskRunBoolExp { return e.And }) {
		if c := idConstraint(e.ID); c != nil && ids == nil {
			ids = c
		}
		if c := idConstraint(e.FlowRunID); c != nil && runIDs == nil {
			runIDs = c
		}
	}
	var out []store.TaskRun
	if ids != nil {
		for _, id := range ids {
			tr, err := r.ownTaskRun(ctx, tenant, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("reading task run %s: %w", id, err)
			}
			out = append(out, tr)
		}
		return out, nil
	}
	if runIDs == nil {
		runs, err := r.Store.ListFlowRuns(ctx, store.RunFilter{TenantID: tenant, Limit: maxScan})
		if err != nil {
			return nil, fmt.Errorf("listing flow runs: %w", err)
		}
		for _, run := range runs {
			runIDs = append(runIDs, run.ID)
		}
	}
	for _, id := range runIDs {
		if _, err := r.ownFlowRun(ctx, tenant, id); errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("reading flow run %s: %w", id, err)
		}
		trs, err := r.Store.TaskRuns(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("listing task runs of flow run %s: %w", id, err)
		}
		out = append(out, trs...)
	}
	return out, nil
}

// selectTaskRuns filters, orders and pages task runs.
func selectTaskRuns(trs []store.TaskRun, limit, offset *int, orderBy []*model.TaskRunOrderBy, where *model.TaskRunBoolExp) ([]*model.TaskRun, error) {
	var rows []store.TaskRun
	for _, tr := range trs {
		ok, err := matchTaskRun(where, tr)
		if err != nil {
			return nil, err
		}
		if ok {
			rows = append(rows, tr)
		}
	}
	type tr = store.TaskRun
	var t []orderTerm[tr]
	for _, o := range orderBy {
		t = addTerm(t, o.Created, func(x tr) any { return x.Created })
		t = addTerm(t, o.ID, func(x tr) any { return x.ID })
		t = addTerm(t, o.MapIndex, func(x tr) any { return x.MapIndex })
		t = addTerm(t, o.State, func(x tr) any { return x.State.Type })
		t = addTerm(t, o.StateStartTime, func(x tr) any { return timeKey(x.State.StartTime) })
		t = addTerm(t, o.StateTimestamp, func(x tr) any { return timeKey(timeOrNil(x.State.Timestamp)) })
		t = addTerm(t, o.Version, func(x tr) any { return x.Version })
	}
	sortRows(rows, t)
	rows, err := page(rows, offset, limit)
	return mapRows(rows, taskRunModel), err
}

func (r queryResolver) TaskRunByPk(ctx context.Context, id string) (*model.TaskRun, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	tr, err := r.ownTaskRun(ctx, tenant, id)
	return nullIfNotFound(taskRunModel(tr), err)
}

// GetTaskRunInfo is how Prefect's task runner re-reads a state after a version lock.
func (r queryResolver) GetTaskRunInfo(ctx context.Context, id string) (*model.TaskRunInfoPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	tr, err := r.ownTaskRun(ctx, tenant, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("task run %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading task run %s: %w", id, err)
	}
	return &model.TaskRunInfoPayload{ID: &tr.ID, Version: &tr.Version, State: stringOrNil(tr.State.Type), SerializedState: tr.State.Serialized}, nil
}

// GetOrCreateTaskRunInfo returns the task run of (flow run, task, map index), creating it
// Pending. The version returned is the stored one, which the version lock checks.
func (r mutationResolver) GetOrCreateTaskRunInfo(ctx context.Context, in model.GetOrCreateTaskRunInfoInput) (*model.GetOrCreateTaskRunInfoPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := r.ownFlowRun(ctx, tenant, in.FlowRunID); err != nil {
		return nil, runError(in.FlowRunID, err)
	}
	mapIndex := -1
	if in.MapIndex != nil {
		mapIndex = *in.MapIndex
	}
	tr, err := r.Store.GetOrCreateTaskRun(ctx, in.FlowRunID, in.TaskID, mapIndex)
	if err != nil {
		return nil, fmt.Errorf("task run of task %s in flow run %s: %w", in.TaskID, in.FlowRunID, err)
	}
	return &model.GetOrCreateTaskRunInfoPayload{ID: &tr.ID, Version: &tr.Version, State: stringOrNil(tr.State.Type), SerializedState: tr.State.Serialized}, nil
}

// taskRunNamer is implemented by stores that keep task run names.
type taskRunNamer interface {
	SetTaskRunName(ctx context.Context, id, name string) error
}

// SetTaskRunName renames a task run. A store without task run names accepts the call
// without keeping the name, so flows using Prefect's task_run_name still run.
func (r mutationResolver) SetTaskRunName(ctx context.Context, in model.SetTaskRunNameInput) (*model.SuccessPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, errors.New("set_task_run_name needs a non-empty name")
	}
	if _, err := r.ownTaskRun(ctx, tenant, in.TaskRunID); errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("task run %s not found", in.TaskRunID)
	} else if err != nil {
		return nil, fmt.Errorf("reading task run %s: %w", in.TaskRunID, err)
	}
	if namer, ok := r.Store.(taskRunNamer); ok {
		if err := namer.SetTaskRunName(ctx, in.TaskRunID, in.Name); err != nil {
			return nil, fmt.Errorf("renaming task run %s: %w", in.TaskRunID, err)
		}
	}
	return succeeded(), nil
}

func (r taskRunResolver) FlowRun(ctx context.Context, tr *model.TaskRun) (*model.FlowRun, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	run, err := r.ownFlowRun(ctx, tenant, tr.FlowRunID)
	if err != nil {
		return nil, runError(tr.FlowRunID, err)
	}
	return flowRunModel(run), nil
}

// Task resolves the task of a task run from its flow's serialized tasks; a task the flow
// does not list (a native flow has none) has only its id.
func (r taskRunResolver) Task(ctx context.Context, tr *model.TaskRun) (*model.Task, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	task := &model.Task{ID: tr.TaskID}
	run, err := r.ownFlowRun(ctx, tenant, tr.FlowRunID)
	if err != nil {
		return nil, runError(tr.FlowRunID, err)
	}
	flow, err := r.ownFlow(ctx, tenant, run.FlowID)
	if err != nil {
		return nil, fmt.Errorf("reading flow %s of flow run %s: %w", run.FlowID, run.ID, err)
	}
	for _, t := range flowTasks(flow) {
		if taskID(flow.ID, t.Slug) == tr.TaskID {
			task.Slug, task.Name = ptr(t.Slug), stringOrNil(t.Name)
		}
	}
	return task, nil
}

// precreateTaskRuns gives a new run one Pending task run (map index -1) per task of a
// flow serialized by Prefect, as Prefect Server's insert trigger does: Prefect's flow
// runner learns its task ids from them.
func (r *Resolver) precreateTaskRuns(ctx context.Context, flow store.Flow, runID string) error {
	for _, t := range flowTasks(flow) {
		if _, err := r.Store.GetOrCreateTaskRun(ctx, runID, taskID(flow.ID, t.Slug), -1); err != nil {
			return fmt.Errorf("creating the task run of task %q: %w", t.Slug, err)
		}
	}
	return nil
}

// taskID is the stable id of a flow's task, derived from its slug.
func taskID(flowID, slug string) string {
	return nameUUID(flowID, "task/"+slug)
}

// nameUUID derives a stable UUID (version 5 layout, SHA-1) from a namespace and a name.
func nameUUID(namespace, name string) string {
	sum := sha1.Sum([]byte(namespace + "\x00" + name))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

func taskRunModel(t store.TaskRun) *model.TaskRun {
	return &model.TaskRun{
		ID: t.ID, FlowRunID: t.FlowRunID, TaskID: t.TaskID, TenantID: stringOrNil(t.TenantID),
		MapIndex: t.MapIndex, Version: t.Version, CacheKey: stringOrNil(t.CacheKey),
		State: stringOrNil(t.State.Type), StateMessage: stringOrNil(t.State.Message),
		SerializedState: t.State.Serialized, StateStartTime: t.State.StartTime,
		StateTimestamp: timeOrNil(t.State.Timestamp), Heartbeat: t.Heartbeat, Created: t.Created,
	}
}
