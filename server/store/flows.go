package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/google/uuid"
)

const flowCols = `id, tenant_id, project_id, name, version, core_version, labels, storage, run_config, environment,
	parameters, settings, serialized_flow, created`

func scanFlow(row rowScanner) (Flow, error) {
	var f Flow
	var labels labelsCol
	var storage, runConfig, env, params, settings, serialized jsonCol
	var created timeCol
	err := row.Scan(&f.ID, &f.TenantID, &f.ProjectID, &f.Name, &f.Version, &f.CoreVersion, &labels, &storage, &runConfig,
		&env, &params, &settings, &serialized, &created)
	f.Labels, f.Storage, f.RunConfig, f.Environment = labels.labels, storage.raw, runConfig.raw, env.raw
	f.Parameters, f.Settings, f.SerializedFlow, f.Created = params.raw, settings.raw, serialized.raw, created.t
	return f, err
}

// maxFlowVersionRetries bounds retries when concurrent registrations of one flow name
// pick the same version.
const maxFlowVersionRetries = 5

// CreateFlow stores a flow as the next version of its name. Without Labels, the flow's
// labels are those of its run config, else of its legacy environment, as in Prefect.
func (s *sqlStore) CreateFlow(ctx context.Context, f Flow) (_ Flow, err error) {
	defer wrap(&err, "create flow %q", f.Name)
	if strings.TrimSpace(f.Name) == "" {
		return Flow{}, invalid("the flow name is empty")
	}
	if f.TenantID == "" {
		return Flow{}, invalid("the tenant is empty")
	}
	docs := []struct {
		name string
		raw  json.RawMessage
	}{{"storage", f.Storage}, {"run_config", f.RunConfig}, {"environment", f.Environment},
		{"parameters", f.Parameters}, {"settings", orEmptyObject(f.Settings)}, {"serialized_flow", f.SerializedFlow}}
	args := make([]any, len(docs))
	for i, d := range docs {
		if args[i], err = jsonArg(d.name, d.raw); err != nil {
			return Flow{}, err
		}
	}
	labels := f.Labels
	if labels == nil {
		if l, ok := labelsOf(f.RunConfig); ok {
			labels = l
		} else if l, ok := labelsOf(f.Environment); ok {
			labels = l
		}
	}
	id := uuid.NewString()
	for attempt := 1; ; attempt++ {
		_, err = s.exec(ctx, s.db, `INSERT INTO flow (id, tenant_id, project_id, name, version, core_version, labels, storage,
			run_config, environment, parameters, settings, serialized_flow, created)
			SELECT ?, ?, ?, ?, COALESCE(MAX(version), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM flow WHERE tenant_id = ? AND name = ?`,
			append(append([]any{id, f.TenantID, f.ProjectID, f.Name, f.CoreVersion, labelsArg(labels)}, args...),
				ts(s.now()), f.TenantID, f.Name)...)
		if !errors.Is(err, ErrConflict) || attempt == maxFlowVersionRetries {
			break
		}
	}
	if err != nil {
		return Flow{}, err
	}
	return s.GetFlow(ctx, id)
}

func (s *sqlStore) GetFlow(ctx context.Context, id string) (_ Flow, err error) {
	defer wrap(&err, "get flow %s", id)
	f, err := scanFlow(s.queryRow(ctx, s.db, `SELECT `+flowCols+` FROM flow WHERE id = ?`, id))
	return f, notFound(err)
}

func (s *sqlStore) FlowByName(ctx context.Context, tenantID, name string) (_ Flow, err error) {
	defer wrap(&err, "get flow %q", name)
	f, err := scanFlow(s.queryRow(ctx, s.db, `SELECT `+flowCols+` FROM flow WHERE tenant_id = ? AND name = ?
		ORDER BY version DESC LIMIT 1`, tenantID, name))
	return f, notFound(err)
}

// ListFlows returns the tenant's flows by name, then version.
func (s *sqlStore) ListFlows(ctx context.Context, tenantID string) (_ []Flow, err error) {
	defer wrap(&err, "list flows")
	rows, err := s.query(ctx, s.db, `SELECT `+flowCols+` FROM flow WHERE tenant_id = ? ORDER BY name, version`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Flow{}
	for rows.Next() {
		f, err := scanFlow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
