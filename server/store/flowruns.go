package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// flowRunCols is the column list scanFlowRun reads, for a flow_run aliased r.
const flowRunCols = `r.id, r.tenant_id, r.flow_id, r.name, r.version, r.state, r.state_message, r.serialized_state,
	r.state_start_time, r.state_timestamp, r.labels, r.parameters, r.context, r.run_config, r.idempotency_key,
	r.agent_id, r.scheduled_start_time, r.start_time, r.end_time, r.heartbeat, r.created, r.updated`

type rowScanner interface{ Scan(dest ...any) error }

// scanFlowRun reads flowRunCols, then any extra destinations.
func scanFlowRun(row rowScanner, extra ...any) (FlowRun, error) {
	var r FlowRun
	var ser, params, ctx, runConfig jsonCol
	var labels labelsCol
	var key, agent sql.NullString
	var stStart, stAt, sched, start, end, beat, created, updated timeCol
	dest := append([]any{&r.ID, &r.TenantID, &r.FlowID, &r.Name, &r.Version, &r.State.Type, &r.State.Message, &ser,
		&stStart, &stAt, &labels, &params, &ctx, &runConfig, &key,
		&agent, &sched, &start, &end, &beat, &created, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return FlowRun{}, err
	}
	r.State.Serialized, r.State.StartTime, r.State.Timestamp, r.State.Version = ser.raw, stStart.ptr(), stAt.t, r.Version
	r.Labels, r.Parameters, r.Context, r.RunConfig = labels.labels, params.raw, ctx.raw, runConfig.raw
	r.IdempotencyKey, r.AgentID = key.String, agent.String
	r.ScheduledStartTime, r.StartTime, r.EndTime, r.Heartbeat = sched.t, start.ptr(), end.ptr(), beat.ptr()
	r.Created, r.Updated = created.t, updated.t
	return r, nil
}

func collectFlowRuns(rows *sql.Rows, err error) ([]FlowRun, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	runs := []FlowRun{}
	for rows.Next() {
		r, err := scanFlowRun(rows)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

// CreateFlowRun stores a new run in state Scheduled. The run's labels are its own when
// Labels is non-nil (an empty list means "no labels"), else the flow's.
func (s *sqlStore) CreateFlowRun(ctx context.Context, r FlowRun) (_ FlowRun, err error) {
	defer wrap(&err, "create flow run of flow %s", r.FlowID)
	params, err := jsonArg("parameters", orEmptyObject(r.Parameters))
	if err != nil {
		return FlowRun{}, err
	}
	runCtx, err := jsonArg("context", orEmptyObject(r.Context))
	if err != nil {
		return FlowRun{}, err
	}
	runConfig, err := jsonArg("run_config", r.RunConfig)
	if err != nil {
		return FlowRun{}, err
	}
	id := uuid.NewString()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var tenantID string
		var flowLabels labelsCol
		if err := s.queryRow(ctx, tx, `SELECT tenant_id, labels FROM flow WHERE id = ?`, r.FlowID).Scan(&tenantID, &flowLabels); err != nil {
			return fmt.Errorf("flow: %w", notFound(err))
		}
		labels := flowLabels.labels
		if r.Labels != nil {
			labels = normLabels(r.Labels)
		}
		now := s.now()
		start := now
		if !r.ScheduledStartTime.IsZero() {
			start = r.ScheduledStartTime.UTC().Truncate(time.Microsecond)
		}
		name := r.Name
		if name == "" {
			name = runName()
		}
		st := State{Type: "Scheduled", Message: "Flow run scheduled.", StartTime: &start}
		st.Serialized = serializeState(st.Type, st.Message, st.StartTime)
		res, err := s.exec(ctx, tx, `INSERT INTO flow_run (id, tenant_id, flow_id, name, version, state, state_message,
			serialized_state, state_start_time, state_timestamp, labels, parameters, context, run_config, idempotency_key,
			scheduled_start_time, created, updated) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (flow_id, idempotency_key) DO NOTHING`,
			id, tenantID, r.FlowID, name, st.Type, st.Message, string(st.Serialized), ts(start), ts(now), labelsArg(labels),
			params, runCtx, runConfig, nullString(r.IdempotencyKey), ts(start), ts(now), ts(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			// The idempotency key was used before: the existing run is the answer.
			return notFound(s.queryRow(ctx, tx, `SELECT id FROM flow_run WHERE flow_id = ? AND idempotency_key = ?`,
				r.FlowID, r.IdempotencyKey).Scan(&id))
		}
		for _, l := range labels {
			if _, err := s.exec(ctx, tx, `INSERT INTO flow_run_label (flow_run_id, label) VALUES (?, ?)`, id, l); err != nil {
				return err
			}
		}
		_, err = s.exec(ctx, tx, `INSERT INTO flow_run_state (tenant_id, flow_run_id, version, state, message, serialized_state,
			start_time, timestamp) VALUES (?, ?, 1, ?, ?, ?, ?, ?)`, tenantID, id, st.Type, st.Message, string(st.Serialized), ts(start), ts(now))
		return err
	})
	if err != nil {
		return FlowRun{}, err
	}
	return s.GetFlowRun(ctx, id)
}

func orEmptyObject(raw []byte) []byte {
	if isNullJSON(raw) {
		return []byte("{}")
	}
	return raw
}

func (s *sqlStore) GetFlowRun(ctx context.Context, id string) (_ FlowRun, err error) {
	defer wrap(&err, "get flow run %s", id)
	r, err := scanFlowRun(s.queryRow(ctx, s.db, `SELECT `+flowRunCols+` FROM flow_run r WHERE r.id = ?`, id))
	return r, notFound(err)
}

// ListFlowRuns returns the matching runs, newest first.
func (s *sqlStore) ListFlowRuns(ctx context.Context, f RunFilter) (_ []FlowRun, err error) {
	defer wrap(&err, "list flow runs")
	var where []string
	var args []any
	if f.TenantID != "" {
		where, args = append(where, "r.tenant_id = ?"), append(args, f.TenantID)
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return []FlowRun{}, nil
		}
		where, args = append(where, "r.id IN ("+placeholders(len(f.IDs))+")"), append(args, anys(f.IDs)...)
	}
	if f.FlowID != "" {
		where, args = append(where, "r.flow_id = ?"), append(args, f.FlowID)
	}
	if f.States != nil {
		if len(f.States) == 0 {
			return []FlowRun{}, nil
		}
		where, args = append(where, "r.state IN ("+placeholders(len(f.States))+")"), append(args, anys(f.States)...)
	}
	if f.Limit < 0 {
		return nil, invalid("limit must not be negative, got %d", f.Limit)
	}
	q := `SELECT ` + flowRunCols + ` FROM flow_run r`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY r.created DESC, r.id"
	if f.Limit > 0 {
		q, args = q+" LIMIT ?", append(args, f.Limit)
	}
	return collectFlowRuns(s.query(ctx, s.db, q, args...))
}

func (s *sqlStore) SetFlowRunName(ctx context.Context, id, name string) (err error) {
	defer wrap(&err, "set name of flow run %s", id)
	if strings.TrimSpace(name) == "" {
		return invalid("the name is empty")
	}
	return s.updateOne(ctx, `UPDATE flow_run SET name = ?, updated = ? WHERE id = ?`, name, ts(s.now()), id)
}

func (s *sqlStore) Heartbeat(ctx context.Context, runID string, at time.Time) (err error) {
	defer wrap(&err, "heartbeat of flow run %s", runID)
	return s.updateOne(ctx, `UPDATE flow_run SET heartbeat = ? WHERE id = ?`, ts(at), runID)
}

// StaleRuns returns runs in one of states whose heartbeat, or state timestamp when they
// have none, is older than olderThan, least recently updated first.
func (s *sqlStore) StaleRuns(ctx context.Context, states []string, olderThan time.Time) (_ []FlowRun, err error) {
	defer wrap(&err, "find stale flow runs")
	if len(states) == 0 {
		return []FlowRun{}, nil
	}
	return collectFlowRuns(s.query(ctx, s.db, `SELECT `+flowRunCols+` FROM flow_run r
		WHERE r.state IN (`+placeholders(len(states))+`) AND COALESCE(r.heartbeat, r.state_timestamp) < ?
		ORDER BY r.updated, r.id`, append(anys(states), ts(olderThan))...))
}

// updateOne runs an update that must change exactly one row; none is ErrNotFound.
func (s *sqlStore) updateOne(ctx context.Context, query string, args ...any) error {
	res, err := s.exec(ctx, s.db, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
