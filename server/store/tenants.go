package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"
)

const tenantCols = `id, name, slug, created`

func scanTenant(row rowScanner) (Tenant, error) {
	var t Tenant
	var created timeCol
	err := row.Scan(&t.ID, &t.Name, &t.Slug, &created)
	t.Created = created.t
	return t, err
}

// DefaultTenant returns the oldest tenant. With none it creates "default"; the unique slug
// makes concurrent first calls from several processes agree on one tenant.
func (s *sqlStore) DefaultTenant(ctx context.Context) (_ Tenant, err error) {
	defer wrap(&err, "default tenant")
	first := `SELECT ` + tenantCols + ` FROM tenant ORDER BY created, id LIMIT 1`
	t, err := scanTenant(s.queryRow(ctx, s.db, first))
	if !errors.Is(err, sql.ErrNoRows) {
		return t, err
	}
	if _, err := s.exec(ctx, s.db, `INSERT INTO tenant (id, name, slug, created) VALUES (?, 'default', 'default', ?)
		ON CONFLICT (slug) DO NOTHING`, uuid.NewString(), ts(s.now())); err != nil {
		return Tenant{}, err
	}
	return scanTenant(s.queryRow(ctx, s.db, first))
}

// Tenants returns all tenants ordered by slug.
func (s *sqlStore) Tenants(ctx context.Context) (_ []Tenant, err error) {
	defer wrap(&err, "list tenants")
	rows, err := s.query(ctx, s.db, `SELECT `+tenantCols+` FROM tenant ORDER BY slug`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Tenant{}
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
