package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// RegisterAgent returns the agent with the same tenant, name, type, core version and label
// set, creating it when there is none. Without a tenant it uses the default tenant, as
// Prefect Server takes the first one.
func (s *sqlStore) RegisterAgent(ctx context.Context, a Agent) (_ Agent, err error) {
	defer wrap(&err, "register agent %q", a.Name)
	if a.TenantID == "" {
		t, err := s.DefaultTenant(ctx)
		if err != nil {
			return Agent{}, err
		}
		a.TenantID = t.ID
	}
	labels := labelsArg(a.Labels)
	if _, err := s.exec(ctx, s.db, `INSERT INTO agent (id, tenant_id, name, type, core_version, labels, agent_config_id, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, name, type, core_version, labels) DO NOTHING`,
		uuid.NewString(), a.TenantID, a.Name, a.Type, a.CoreVersion, labels, a.AgentConfigID, ts(s.now())); err != nil {
		return Agent{}, err
	}
	var out Agent
	var l labelsCol
	var queried, created timeCol
	err = s.queryRow(ctx, s.db, `SELECT id, tenant_id, name, type, core_version, labels, agent_config_id, last_queried, created
		FROM agent WHERE tenant_id = ? AND name = ? AND type = ? AND core_version = ? AND labels = ?`,
		a.TenantID, a.Name, a.Type, a.CoreVersion, labels).Scan(&out.ID, &out.TenantID, &out.Name, &out.Type,
		&out.CoreVersion, &l, &out.AgentConfigID, &queried, &created)
	out.Labels, out.LastQueried, out.Created = l.labels, queried.ptr(), created.t
	return out, notFound(err)
}

func (s *sqlStore) TouchAgent(ctx context.Context, id string, at time.Time) (err error) {
	defer wrap(&err, "touch agent %s", id)
	return s.updateOne(ctx, `UPDATE agent SET last_queried = ? WHERE id = ?`, ts(at), id)
}
