package store

import (
	"context"
	"strings"

	"github.com/google/uuid"
)

const projectCols = `id, tenant_id, name, description, created`

func scanProject(row rowScanner) (Project, error) {
	var p Project
	var created timeCol
	err := row.Scan(&p.ID, &p.TenantID, &p.Name, &p.Description, &created)
	p.Created = created.t
	return p, err
}

// CreateProject stores a project; a name the tenant already uses is ErrConflict.
func (s *sqlStore) CreateProject(ctx context.Context, p Project) (_ Project, err error) {
	defer wrap(&err, "create project %q", p.Name)
	if strings.TrimSpace(p.Name) == "" {
		return Project{}, invalid("the project name is empty")
	}
	if p.TenantID == "" {
		return Project{}, invalid("the tenant is empty")
	}
	if p.ID == "" {
		p.ID = uuid.NewString()
	}
	p.Created = s.now()
	_, err = s.exec(ctx, s.db, `INSERT INTO project (id, tenant_id, name, description, created) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.TenantID, p.Name, p.Description, ts(p.Created))
	if err != nil {
		return Project{}, err
	}
	return s.GetProject(ctx, p.ID)
}

func (s *sqlStore) GetProject(ctx context.Context, id string) (_ Project, err error) {
	defer wrap(&err, "get project %s", id)
	p, err := scanProject(s.queryRow(ctx, s.db, `SELECT `+projectCols+` FROM project WHERE id = ?`, id))
	return p, notFound(err)
}

// Projects returns the tenant's projects by name.
func (s *sqlStore) Projects(ctx context.Context, tenantID string) (_ []Project, err error) {
	defer wrap(&err, "list projects")
	rows, err := s.query(ctx, s.db, `SELECT `+projectCols+` FROM project WHERE tenant_id = ? ORDER BY name`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Project{}
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
