package store

import (
	"context"
	"database/sql"
	"strconv"
)

// WriteLogs stores a batch of log lines, all or none. A line without a timestamp gets the
// current time, one without a level INFO, and each takes its flow run's tenant.
func (s *sqlStore) WriteLogs(ctx context.Context, logs []Log) (err error) {
	defer wrap(&err, "write %d logs", len(logs))
	return s.inTx(ctx, func(tx *sql.Tx) error {
		tenants := map[string]string{}
		for i, l := range logs {
			tenant, ok := tenants[l.FlowRunID]
			if !ok {
				if err := s.queryRow(ctx, tx, `SELECT tenant_id FROM flow_run WHERE id = ?`, l.FlowRunID).Scan(&tenant); err != nil {
					return wrapLog(i, l, notFound(err))
				}
				tenants[l.FlowRunID] = tenant
			}
			info, err := jsonArg("info", l.Info)
			if err != nil {
				return wrapLog(i, l, err)
			}
			at := s.now()
			if !l.Timestamp.IsZero() {
				at = l.Timestamp
			}
			level := l.Level
			if level == "" {
				level = "INFO"
			}
			if _, err := s.exec(ctx, tx, `INSERT INTO log (tenant_id, flow_run_id, task_run_id, timestamp, level, name, message, info)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tenant, l.FlowRunID, l.TaskRunID, ts(at), level, l.Name, l.Message, info); err != nil {
				return wrapLog(i, l, err)
			}
		}
		return nil
	})
}

func wrapLog(i int, l Log, err error) error {
	return fmtErr("log %d (flow run %s)", err, i, l.FlowRunID)
}

// Logs pages through a run's logs in (timestamp, id) order, starting after the log afterID
// ("" from the start); limit 0 means no limit.
func (s *sqlStore) Logs(ctx context.Context, flowRunID string, afterID string, limit int) (_ []Log, err error) {
	defer wrap(&err, "read logs of flow run %s", flowRunID)
	if limit < 0 {
		return nil, invalid("limit must not be negative, got %d", limit)
	}
	q := `SELECT l.id, l.tenant_id, l.flow_run_id, l.task_run_id, l.timestamp, l.level, l.name, l.message, l.info
		FROM log l WHERE l.flow_run_id = ?`
	args := []any{flowRunID}
	if afterID != "" {
		id, err := strconv.ParseInt(afterID, 10, 64)
		if err != nil {
			return nil, invalid("log id %q is not a number", afterID)
		}
		var at timeCol
		if err := s.queryRow(ctx, s.db, `SELECT l.timestamp FROM log l WHERE l.id = ? AND l.flow_run_id = ?`, id, flowRunID).Scan(&at); err != nil {
			return nil, fmtErr("log %s", notFound(err), afterID)
		}
		q, args = q+` AND (l.timestamp, l.id) > (?, ?)`, append(args, ts(at.t), id)
	}
	q += ` ORDER BY l.timestamp, l.id`
	if limit > 0 {
		q, args = q+` LIMIT ?`, append(args, limit)
	}
	rows, err := s.query(ctx, s.db, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Log{}
	for rows.Next() {
		var l Log
		var id int64
		var at timeCol
		var info jsonCol
		if err := rows.Scan(&id, &l.TenantID, &l.FlowRunID, &l.TaskRunID, &at, &l.Level, &l.Name, &l.Message, &info); err != nil {
			return nil, err
		}
		l.ID, l.Timestamp, l.Info = strconv.FormatInt(id, 10), at.t, info.raw
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 && afterID == "" {
		return out, s.mustExist(ctx, "flow_run", flowRunID)
	}
	return out, nil
}
