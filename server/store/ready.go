package store

import (
	"context"
	"time"
)

// The scheduled-state list is spelled out as literals, identical to the partial indexes'
// WHERE clauses in the migrations, so that both planners can prove the index applies.
var (
	dueRunsQuery = `SELECT ` + flowRunCols + `, r.state_start_time FROM flow_run r
		WHERE r.tenant_id = ? AND r.state IN (` + quotedList(ScheduledStates) + `) AND r.state_start_time <= ? AND `
	retryRunsQuery = `SELECT ` + flowRunCols + `, d.due FROM flow_run r JOIN (
			SELECT t.flow_run_id, MIN(t.state_start_time) AS due FROM task_run t
			WHERE t.state IN (` + quotedList(ScheduledStates) + `) AND t.state_start_time <= ?
			GROUP BY t.flow_run_id) d ON d.flow_run_id = r.id
		WHERE r.tenant_id = ? AND r.state = 'Running' AND `
)

// ReadyRuns runs two queries, each walking an index in due order: scheduled runs ordered
// by their start time, and Running runs with a due task run (a retry whose process has
// exited) ordered by that task run's start time. The merged list is cut at limit; limit
// 0 means no limit.
func (s *sqlStore) ReadyRuns(ctx context.Context, tenantID string, before time.Time, agentLabels []string, limit int) (_ []FlowRun, err error) {
	defer wrap(&err, "find ready flow runs")
	if limit < 0 {
		return nil, invalid("limit must not be negative, got %d", limit)
	}
	labelSQL, labelArgs := labelRule(agentLabels)
	page := ""
	if limit > 0 {
		page = " LIMIT ?"
	}
	due, err := s.readyBranch(ctx, dueRunsQuery+labelSQL+` ORDER BY r.state_start_time, r.id`+page,
		pageArgs(append([]any{tenantID, ts(before)}, labelArgs...), limit))
	if err != nil {
		return nil, err
	}
	retries, err := s.readyBranch(ctx, retryRunsQuery+labelSQL+` ORDER BY d.due, r.id`+page,
		pageArgs(append([]any{ts(before), tenantID}, labelArgs...), limit))
	if err != nil {
		return nil, err
	}
	return mergeDue(due, retries, limit), nil
}

func pageArgs(args []any, limit int) []any {
	if limit > 0 {
		return append(args, limit)
	}
	return args
}

// labelRule is Prefect's label rule as a condition on flow_run r: every label of the run
// is one of the agent's, and an agent with labels takes only labelled runs, an agent
// without labels only unlabelled runs. MIN over the run's labels is 1 when all are the
// agent's, 0 when one is not, and NULL when the run has none. It is a correlated scalar
// subquery on purpose: evaluated per candidate through the (flow_run_id, label) key, it
// cannot be flattened into a join that reads the whole label table on every poll.
func labelRule(agentLabels []string) (string, []any) {
	if len(agentLabels) == 0 {
		return `(SELECT COUNT(*) FROM flow_run_label l WHERE l.flow_run_id = r.id) = 0`, nil
	}
	return `(SELECT MIN(CASE WHEN l.label IN (` + placeholders(len(agentLabels)) + `) THEN 1 ELSE 0 END)
		FROM flow_run_label l WHERE l.flow_run_id = r.id) = 1`, anys(agentLabels)
}

// dueRun is a ready run with the time it became due.
type dueRun struct {
	run FlowRun
	due time.Time
}

func (s *sqlStore) readyBranch(ctx context.Context, query string, args []any) ([]dueRun, error) {
	rows, err := s.query(ctx, s.db, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dueRun
	for rows.Next() {
		var due timeCol
		r, err := scanFlowRun(rows, &due)
		if err != nil {
			return nil, err
		}
		out = append(out, dueRun{run: r, due: due.t})
	}
	return out, rows.Err()
}

// mergeDue merges two lists sorted by (due, id) and keeps the first limit runs.
func mergeDue(a, b []dueRun, limit int) []FlowRun {
	out := make([]FlowRun, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		if limit > 0 && len(out) == limit {
			break
		}
		if len(b) == 0 || (len(a) > 0 && !earlier(b[0], a[0])) {
			out, a = append(out, a[0].run), a[1:]
		} else {
			out, b = append(out, b[0].run), b[1:]
		}
	}
	return out
}

func earlier(x, y dueRun) bool {
	if !x.due.Equal(y.due) {
		return x.due.Before(y.due)
	}
	return x.run.ID < y.run.ID
}
