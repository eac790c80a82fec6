package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// runTable names one of the two run tables, so that flow and task run states share one
// write path.
type runTable struct{ table, history, fk string }

var (
	flowRunTable = runTable{table: "flow_run", history: "flow_run_state", fk: "flow_run_id"}
	taskRunTable = runTable{table: "task_run", history: "task_run_state", fk: "task_run_id"}
)

// current is what a state write reads about its run first.
type current struct {
	tenantID   string
	version    int
	state      string
	serialized json.RawMessage
}

// maxRaceRetries bounds how often an unversioned update is retried after losing a race.
const maxRaceRetries = 5

// checkUpdate applies the optimistic version lock and the once-only Submitted claim.
func checkUpdate(cur current, expected *int, next string) error {
	if expected != nil && *expected != cur.version {
		return fmt.Errorf("%w: the update expected version %d but the run is at version %d", ErrVersionLock, *expected, cur.version)
	}
	if next == "Submitted" && claimed(cur.state) {
		return fmt.Errorf("%w: it is %s", ErrAlreadySubmitted, cur.state)
	}
	return nil
}

// writeState moves a run from cur.version to the next version with a conditional update,
// so that of two concurrent writers that read the same version only one can succeed, and
// records the state in the run's history. set adds "col = ?" assignments for args.
func (s *sqlStore) writeState(ctx context.Context, tx *sql.Tx, t runTable, id string, cur current, st State, now time.Time, set string, args ...any) (int, error) {
	next := cur.version + 1
	all := append([]any{next, st.Type, st.Message, string(st.Serialized), nullTS(st.StartTime), ts(now), ts(now)}, args...)
	all = append(all, id, cur.version)
	res, err := s.exec(ctx, tx, `UPDATE `+t.table+` SET version = ?, state = ?, state_message = ?, serialized_state = ?,
		state_start_time = ?, state_timestamp = ?, updated = ?`+set+` WHERE id = ? AND version = ?`, all...)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, err
	} else if n != 1 {
		return 0, errRaced
	}
	_, err = s.exec(ctx, tx, `INSERT INTO `+t.history+` (tenant_id, `+t.fk+`, version, state, message, serialized_state, start_time, timestamp)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, cur.tenantID, id, next, st.Type, st.Message, string(st.Serialized), nullTS(st.StartTime), ts(now))
	return next, err
}

// retryRaced runs a state write in a transaction. When a concurrent writer changed the run
// between the read and the update, a versioned update fails with ErrVersionLock, and an
// unversioned one (Prefect's runners send none) is retried on the new version.
func (s *sqlStore) retryRaced(ctx context.Context, versioned bool, fn func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.inTx(ctx, fn)
		if !errors.Is(err, errRaced) {
			return err
		}
		if versioned || attempt == maxRaceRetries {
			return fmt.Errorf("%w: the run changed while it was being updated", ErrVersionLock)
		}
	}
}

func (s *sqlStore) SetFlowRunState(ctx context.Context, u StateUpdate) (version int, err error) {
	defer wrap(&err, "set flow run state %s", u.RunID)
	st, err := normalizeState(u.State)
	if err != nil {
		return 0, err
	}
	err = s.retryRaced(ctx, u.ExpectedVersion != nil, func(tx *sql.Tx) error {
		var cur current
		var start, end timeCol
		err := s.queryRow(ctx, tx, `SELECT tenant_id, version, state, start_time, end_time FROM flow_run WHERE id = ?`,
			u.RunID).Scan(&cur.tenantID, &cur.version, &cur.state, &start, &end)
		if err != nil {
			return notFound(err)
		}
		if err := checkUpdate(cur, u.ExpectedVersion, st.Type); err != nil {
			return err
		}
		now := s.now()
		set, args, err := s.flowRunTimes(ctx, tx, st.Type, u.AgentID, start, end, now)
		if err != nil {
			return err
		}
		if version, err = s.writeState(ctx, tx, flowRunTable, u.RunID, cur, st, now, set, args...); err != nil {
			return err
		}
		if st.Type == "Cancelled" {
			return s.cancelTaskRuns(ctx, tx, u.RunID, now)
		}
		return nil
	})
	return version, err
}

// flowRunTimes returns the extra assignments of a flow run state: the first start, the last
// end, the heartbeat, and the agent that claimed the run.
func (s *sqlStore) flowRunTimes(ctx context.Context, tx *sql.Tx, state, agentID string, start, end timeCol, now time.Time) (string, []any, error) {
	var set string
	var args []any
	switch {
	case state == "Running":
		first := now
		if start.valid && start.t.Before(now) {
			first = start.t
		}
		set, args = ", start_time = ?, heartbeat = ?", []any{ts(first), ts(now)}
	case state == "Submitted":
		set, args = ", heartbeat = ?", []any{ts(now)}
		if agentID != "" {
			var one int
			err := s.queryRow(ctx, tx, `SELECT 1 FROM agent WHERE id = ?`, agentID).Scan(&one)
			switch {
			case err == nil:
				set, args = set+", agent_id = ?", append(args, agentID)
			case !errors.Is(err, sql.ErrNoRows):
				return "", nil, err
			}
		}
	case isFinished(state):
		last := now
		if end.valid && end.t.After(now) {
			last = end.t
		}
		set, args = ", end_time = ?", []any{ts(last)}
	}
	return set, args, nil
}

// cancelTaskRuns cancels every unfinished task run of a cancelled flow run.
func (s *sqlStore) cancelTaskRuns(ctx context.Context, tx *sql.Tx, flowRunID string, now time.Time) error {
	rows, err := s.query(ctx, tx, `SELECT id FROM task_run WHERE flow_run_id = ? AND state NOT IN (`+quotedList(FinishedStates)+`)`, flowRunID)
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	msg := "Flow run is cancelled"
	st := State{Type: "Cancelled", Message: msg, Serialized: serializeState("Cancelled", msg, nil)}
	for _, id := range ids {
		if err := s.cancelTaskRun(ctx, tx, id, st, now); err != nil {
			return fmt.Errorf("cancel task run %s: %w", id, err)
		}
	}
	return nil
}

// cancelTaskRun re-reads the task run after a lost race: a concurrent writer may have
// finished it, or moved it on.
func (s *sqlStore) cancelTaskRun(ctx context.Context, tx *sql.Tx, id string, st State, now time.Time) error {
	for attempt := 1; ; attempt++ {
		var cur current
		err := s.queryRow(ctx, tx, `SELECT tenant_id, version, state FROM task_run WHERE id = ?`, id).Scan(&cur.tenantID, &cur.version, &cur.state)
		if err != nil || isFinished(cur.state) {
			return err
		}
		_, err = s.writeState(ctx, tx, taskRunTable, id, cur, st, now, "")
		if !errors.Is(err, errRaced) || attempt == maxRaceRetries {
			return err
		}
	}
}

func (s *sqlStore) SetTaskRunState(ctx context.Context, u StateUpdate) (version int, err error) {
	defer wrap(&err, "set task run state %s", u.RunID)
	st, err := normalizeState(u.State)
	if err != nil {
		return 0, err
	}
	err = s.retryRaced(ctx, u.ExpectedVersion != nil, func(tx *sql.Tx) error {
		var cur current
		var prev jsonCol
		var flowRunID, flowState string
		err := s.queryRow(ctx, tx, `SELECT t.tenant_id, t.version, t.state, t.serialized_state, t.flow_run_id, r.state
			FROM task_run t JOIN flow_run r ON r.id = t.flow_run_id WHERE t.id = ?`,
			u.RunID).Scan(&cur.tenantID, &cur.version, &cur.state, &prev, &flowRunID, &flowState)
		if err != nil {
			return notFound(err)
		}
		if err := checkUpdate(cur, u.ExpectedVersion, st.Type); err != nil {
			return err
		}
		if isRunning(st.Type) && flowState != "Running" {
			return fmt.Errorf("provided a running state but associated flow run %s is %s: %w", flowRunID, flowState, ErrFlowRunNotRunning)
		}
		next := st
		next.Serialized = keepCachedInputs(prev.raw, st.Serialized)
		now := s.now()
		var set string
		var args []any
		if st.Type == "Running" || st.Type == "Submitted" {
			set, args = ", heartbeat = ?", []any{ts(now)}
		}
		version, err = s.writeState(ctx, tx, taskRunTable, u.RunID, cur, next, now, set, args...)
		return err
	})
	return version, err
}

func (s *sqlStore) FlowRunStates(ctx context.Context, runID string) (states []State, err error) {
	defer wrap(&err, "read states of flow run %s", runID)
	rows, err := s.query(ctx, s.db, `SELECT version, state, message, serialized_state, start_time, timestamp
		FROM flow_run_state WHERE flow_run_id = ? ORDER BY version`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var st State
		var ser jsonCol
		var start, at timeCol
		if err := rows.Scan(&st.Version, &st.Type, &st.Message, &ser, &start, &at); err != nil {
			return nil, err
		}
		st.Serialized, st.StartTime, st.Timestamp = ser.raw, start.ptr(), at.t
		states = append(states, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(states) == 0 {
		return nil, s.mustExist(ctx, "flow_run", runID)
	}
	return states, nil
}

// mustExist returns ErrNotFound when table has no row with id.
func (s *sqlStore) mustExist(ctx context.Context, table, id string) error {
	var one int
	return notFound(s.queryRow(ctx, s.db, `SELECT 1 FROM `+table+` WHERE id = ?`, id).Scan(&one))
}
