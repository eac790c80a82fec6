package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/store"
)

// logPage is how many logs one store read returns.
const logPage = 1000

// WriteRunLogs stores logs of the tenant's runs; timestamp defaults to now and level to
// INFO. A log naming a run the tenant does not have fails the whole call.
func (r mutationResolver) WriteRunLogs(ctx context.Context, in model.WriteRunLogsInput) (*model.SuccessPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	logs := make([]store.Log, 0, len(in.Logs))
	for _, l := range in.Logs {
		if !known[l.FlowRunID] {
			if _, err := r.ownFlowRun(ctx, tenant, l.FlowRunID); err != nil {
				return nil, fmt.Errorf("writing logs: %w", runError(l.FlowRunID, err))
			}
			known[l.FlowRunID] = true
		}
		log := store.Log{TenantID: tenant, FlowRunID: l.FlowRunID, Timestamp: r.now(), Level: string(model.LogLevelInfo), Info: l.Info}
		if l.TaskRunID != nil {
			log.TaskRunID = *l.TaskRunID
		}
		if l.Timestamp != nil {
			log.Timestamp = *l.Timestamp
		}
		if l.Level != nil {
			log.Level = string(*l.Level)
		}
		if l.Name != nil {
			log.Name = *l.Name
		}
		if l.Message != nil {
			log.Message = *l.Message
		}
		logs = append(logs, log)
	}
	if len(logs) > 0 {
		if err := r.Store.WriteLogs(ctx, logs); err != nil {
			return nil, fmt.Errorf("writing %d logs: %w", len(logs), err)
		}
	}
	return succeeded(), nil
}

// Log answers log(where:). The store keeps logs per flow run, so the filter must name
// the run(s) at top level.
func (r queryResolver) Log(ctx context.Context, limit, offset *int, orderBy []*model.LogOrderBy, where *model.LogBoolExp) ([]*model.Log, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkFilter("log.where", where); err != nil {
		return nil, err
	}
	var runIDs []string
	for _, e := range conjuncts(where, func(e *model.LogBoolExp) []*model.LogBoolExp { return e.And }) {
		if ids := idConstraint(e.FlowRunID); ids != nil && runIDs == nil {
			runIDs = ids
		}
	}
	if runIDs == nil {
		return nil, errors.New(`log queries must name the flow run: add where: {flow_run_id: {_eq: "<flow run id>"}} (or _in)`)
	}
	var own []string
	for _, id := range runIDs {
		_, err := r.ownFlowRun(ctx, tenant, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading flow run %s: %w", id, err)
		}
		own = append(own, id)
	}
	return r.runLogs(ctx, own, limit, offset, orderBy, where)
}

// runLogs reads, filters, orders and pages the logs of the given runs. Logs come from
// the store in timestamp order, so with that order and a limit the read stops early.
func (r *Resolver) runLogs(ctx context.Context, runIDs []string, limit, offset *int, orderBy []*model.LogOrderBy, where *model.LogBoolExp) ([]*model.Log, error) {
	terms := logOrder(orderBy)
	enough := -1
	if limit != nil && len(runIDs) == 1 && naturalLogOrder(orderBy) {
		enough = *limit
		if offset != nil {
			enough += *offset
		}
	}
	var rows []store.Log
	for _, id := range runIDs {
		after := ""
		for enough < 0 || len(rows) < enough {
			batch, err := r.Store.Logs(ctx, id, after, logPage)
			if err != nil {
				return nil, fmt.Errorf("reading logs of flow run %s: %w", id, err)
			}
			for _, l := range batch {
				ok, err := matchLog(where, l)
				if err != nil {
					return nil, err
				}
				if ok {
					rows = append(rows, l)
				}
			}
			if len(batch) < logPage {
				break
			}
			after = batch[len(batch)-1].ID
		}
	}
	sortRows(rows, terms)
	rows, err := page(rows, offset, limit)
	return mapRows(rows, logModel), err
}

// naturalLogOrder is true when the order asked for is the store's (timestamp ascending).
func naturalLogOrder(by []*model.LogOrderBy) bool {
	for _, o := range by {
		if o.ID != nil || o.Level != nil || o.Name != nil {
			return false
		}
		if o.Timestamp != nil && *o.Timestamp != model.OrderByAsc && *o.Timestamp != model.OrderByAscNullsFirst && *o.Timestamp != model.OrderByAscNullsLast {
			return false
		}
	}
	return true
}

func logOrder(by []*model.LogOrderBy) []orderTerm[store.Log] {
	var t []orderTerm[store.Log]
	for _, o := range by {
		t = addTerm(t, o.ID, func(l store.Log) any { return l.ID })
		t = addTerm(t, o.Level, func(l store.Log) any { return l.Level })
		t = addTerm(t, o.Name, func(l store.Log) any { return l.Name })
		t = addTerm(t, o.Timestamp, func(l store.Log) any { return l.Timestamp })
	}
	return t
}

func logModel(l store.Log) *model.Log {
	return &model.Log{
		ID: l.ID, FlowRunID: stringOrNil(l.FlowRunID), TaskRunID: stringOrNil(l.TaskRunID),
		TenantID: stringOrNil(l.TenantID), Timestamp: l.Timestamp, Level: stringOrNil(l.Level),
		Name: stringOrNil(l.Name), Message: stringOrNil(l.Message), Info: l.Info,
	}
}
