package graph

import (
	"context"
	"fmt"

	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/store"
)

// matcher evaluates where filters on store rows. It reads a flow run's task runs once,
// when a filter needs them (task_runs: {...} is an EXISTS over them).
type matcher struct {
	store    store.Store
	taskRuns map[string][]store.TaskRun
}

func newMatcher(s store.Store) *matcher {
	return &matcher{store: s, taskRuns: map[string][]store.TaskRun{}}
}

func (m *matcher) flowRun(ctx context.Context, e *model.FlowRunBoolExp, r store.FlowRun) (bool, error) {
	if e == nil {
		return true, nil
	}
	sub := func(s *model.FlowRunBoolExp) (bool, error) { return m.flowRun(ctx, s, r) }
	if ok, err := logic(e.And, e.Or, e.Not, sub); !ok {
		return false, err
	}
	fields := matchUUID(e.ID, &r.ID) &&
		matchUUID(e.FlowID, &r.FlowID) &&
		matchUUID(e.AgentID, stringOrNil(r.AgentID)) &&
		matchString(e.Name, &r.Name) &&
		matchString(e.IdempotencyKey, stringOrNil(r.IdempotencyKey)) &&
		matchString(e.State, stringOrNil(r.State.Type)) &&
		matchString(e.StateMessage, stringOrNil(r.State.Message)) &&
		matchTime(e.StateStartTime, r.State.StartTime) &&
		matchTime(e.StateTimestamp, timeOrNil(r.State.Timestamp)) &&
		matchTime(e.ScheduledStartTime, &r.ScheduledStartTime) &&
		matchTime(e.StartTime, r.StartTime) &&
		matchTime(e.EndTime, r.EndTime) &&
		matchTime(e.Heartbeat, r.Heartbeat) &&
		matchTime(e.Created, &r.Created) &&
		matchTime(e.Updated, &r.Updated) &&
		matchInt(e.Version, &r.Version)
	if !fields || e.TaskRuns == nil {
		return fields, nil
	}
	trs, err := m.taskRunsOf(ctx, r.ID)
	if err != nil {
		return false, err
	}
	for _, tr := range trs {
		if ok, err := matchTaskRun(e.TaskRuns, tr); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func (m *matcher) taskRunsOf(ctx context.Context, flowRunID string) ([]store.TaskRun, error) {
	if trs, ok := m.taskRuns[flowRunID]; ok {
		return trs, nil
	}
	trs, err := m.store.TaskRuns(ctx, flowRunID)
	if err != nil {
		return nil, fmt.Errorf("reading task runs of flow run %s: %w", flowRunID, err)
	}
	m.taskRuns[flowRunID] = trs
	return trs, nil
}

func matchTaskRun(e *model.TaskRunBoolExp, t store.TaskRun) (bool, error) {
	if e == nil {
		return true, nil
	}
	sub := func(s *model.TaskRunBoolExp) (bool, error) { return matchTaskRun(s, t) }
	if ok, err := logic(e.And, e.Or, e.Not, sub); !ok {
		return false, err
	}
	return matchUUID(e.ID, &t.ID) &&
		matchUUID(e.FlowRunID, &t.FlowRunID) &&
		matchUUID(e.TaskID, &t.TaskID) &&
		matchInt(e.MapIndex, &t.MapIndex) &&
		matchInt(e.Version, &t.Version) &&
		matchString(e.CacheKey, stringOrNil(t.CacheKey)) &&
		matchString(e.State, stringOrNil(t.State.Type)) &&
		matchString(e.StateMessage, stringOrNil(t.State.Message)) &&
		matchTime(e.StateStartTime, t.State.StartTime) &&
		matchTime(e.StateTimestamp, timeOrNil(t.State.Timestamp)) &&
		matchTime(e.Heartbeat, t.Heartbeat) &&
		matchTime(e.Created, &t.Created), nil
}

func matchLog(e *model.LogBoolExp, l store.Log) (bool, error) {
	if e == nil {
		return true, nil
	}
	sub := func(s *model.LogBoolExp) (bool, error) { return matchLog(s, l) }
	if ok, err := logic(e.And, e.Or, e.Not, sub); !ok {
		return false, err
	}
	return matchUUID(e.ID, &l.ID) &&
		matchUUID(e.FlowRunID, stringOrNil(l.FlowRunID)) &&
		matchUUID(e.TaskRunID, stringOrNil(l.TaskRunID)) &&
		matchString(e.Level, stringOrNil(l.Level)) &&
		matchString(e.Name, stringOrNil(l.Name)) &&
		matchString(e.Message, stringOrNil(l.Message)) &&
		matchTime(e.Timestamp, &l.Timestamp), nil
}
