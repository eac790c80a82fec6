package store

import (
	"context"
	"database/sql"

	"github.com/google/uuid"
)

const taskRunCols = `id, tenant_id, flow_run_id, task_id, map_index, version, state, state_message, serialized_state,
	state_start_time, state_timestamp, cache_key, heartbeat, created`

func scanTaskRun(row rowScanner) (TaskRun, error) {
	var t TaskRun
	var ser jsonCol
	var start, at, beat, created timeCol
	err := row.Scan(&t.ID, &t.TenantID, &t.FlowRunID, &t.TaskID, &t.MapIndex, &t.Version, &t.State.Type, &t.State.Message,
		&ser, &start, &at, &t.CacheKey, &beat, &created)
	t.State.Serialized, t.State.StartTime, t.State.Timestamp, t.State.Version = ser.raw, start.ptr(), at.t, t.Version
	t.Heartbeat, t.Created = beat.ptr(), created.t
	return t, err
}

// GetOrCreateTaskRun returns the task run of (flow run, task, map index), creating it in
// state Pending ("Task run created", version 1) when there is none.
func (s *sqlStore) GetOrCreateTaskRun(ctx context.Context, flowRunID, taskID string, mapIndex int) (_ TaskRun, err error) {
	defer wrap(&err, "get or create task run of flow run %s, task %s, map index %d", flowRunID, taskID, mapIndex)
	if taskID == "" {
		return TaskRun{}, invalid("the task id is empty")
	}
	var id string
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var tenantID string
		if err := s.queryRow(ctx, tx, `SELECT tenant_id FROM flow_run WHERE id = ?`, flowRunID).Scan(&tenantID); err != nil {
			return notFound(err)
		}
		st := State{Type: "Pending", Message: "Task run created"}
		st.Serialized = serializeState(st.Type, st.Message, nil)
		now := ts(s.now())
		id = uuid.NewString()
		res, err := s.exec(ctx, tx, `INSERT INTO task_run (id, tenant_id, flow_run_id, task_id, map_index, version, state,
			state_message, serialized_state, state_timestamp, created, updated) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (flow_run_id, task_id, map_index) DO NOTHING`,
			id, tenantID, flowRunID, taskID, mapIndex, st.Type, st.Message, string(st.Serialized), now, now, now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return s.queryRow(ctx, tx, `SELECT id FROM task_run WHERE flow_run_id = ? AND task_id = ? AND map_index = ?`,
				flowRunID, taskID, mapIndex).Scan(&id)
		}
		_, err = s.exec(ctx, tx, `INSERT INTO task_run_state (tenant_id, task_run_id, version, state, message, serialized_state,
			timestamp) VALUES (?, ?, 1, ?, ?, ?, ?)`, tenantID, id, st.Type, st.Message, string(st.Serialized), now)
		return err
	})
	if err != nil {
		return TaskRun{}, err
	}
	return s.GetTaskRun(ctx, id)
}

func (s *sqlStore) GetTaskRun(ctx context.Context, id string) (_ TaskRun, err error) {
	defer wrap(&err, "get task run %s", id)
	t, err := scanTaskRun(s.queryRow(ctx, s.db, `SELECT `+taskRunCols+` FROM task_run WHERE id = ?`, id))
	return t, notFound(err)
}

// TaskRuns returns a flow run's task runs by task and map index.
func (s *sqlStore) TaskRuns(ctx context.Context, flowRunID string) (_ []TaskRun, err error) {
	defer wrap(&err, "list task runs of flow run %s", flowRunID)
	rows, err := s.query(ctx, s.db, `SELECT `+taskRunCols+` FROM task_run WHERE flow_run_id = ? ORDER BY task_id, map_index`, flowRunID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []TaskRun{}
	for rows.Next() {
		t, err := scanTaskRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, s.mustExist(ctx, "flow_run", flowRunID)
	}
	return out, nil
}
