package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/store"
)

func (r mutationResolver) CreateProject(ctx context.Context, in model.CreateProjectInput) (*model.ProjectIDPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkTenantInput(tenant, &in.TenantID); err != nil {
		return nil, err
	}
	p := store.Project{TenantID: tenant, Name: in.Name}
	if in.Description != nil {
		p.Description = *in.Description
	}
	p, err = r.Store.CreateProject(ctx, p)
	if errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("a project named %q already exists in this tenant; pick another name or register into it", in.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("creating project %q: %w", in.Name, err)
	}
	return &model.ProjectIDPayload{ID: &p.ID}, nil
}

func (r queryResolver) Project(ctx context.Context, limit, offset *int, orderBy []*model.ProjectOrderBy, where *model.ProjectBoolExp) ([]*model.Project, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkFilter("project.where", where); err != nil {
		return nil, err
	}
	all, err := r.Store.Projects(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("listing projects: %w", err)
	}
	var rows []store.Project
	for _, p := range all {
		ok, err := matchProject(where, p)
		if err != nil {
			return nil, err
		}
		if ok {
			rows = append(rows, p)
		}
	}
	var terms []orderTerm[store.Project]
	for _, o := range orderBy {
		terms = addTerm(terms, o.Created, func(p store.Project) any { return p.Created })
		terms = addTerm(terms, o.ID, func(p store.Project) any { return p.ID })
		terms = addTerm(terms, o.Name, func(p store.Project) any { return p.Name })
	}
	sortRows(rows, terms)
	rows, err = page(rows, offset, limit)
	return mapRows(rows, projectModel), err
}

func matchProject(e *model.ProjectBoolExp, p store.Project) (bool, error) {
	if e == nil {
		return true, nil
	}
	if ok, err := logic(e.And, e.Or, e.Not, func(sub *model.ProjectBoolExp) (bool, error) { return matchProject(sub, p) }); !ok {
		return false, err
	}
	return matchTime(e.Created, &p.Created) && matchUUID(e.ID, &p.ID) && matchString(e.Name, &p.Name), nil
}

func (r queryResolver) ProjectByPk(ctx context.Context, id string) (*model.Project, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := r.ownProject(ctx, tenant, id)
	return nullIfNotFound(projectModel(p), err)
}

// ownProject loads a project of the tenant; another tenant's project is store.ErrNotFound.
func (r *Resolver) ownProject(ctx context.Context, tenant, id string) (store.Project, error) {
	p, err := r.Store.GetProject(ctx, id)
	if err == nil && p.TenantID != tenant {
		return store.Project{}, fmt.Errorf("project %s: %w", id, store.ErrNotFound)
	}
	return p, err
}

// Project resolves a flow's project. A flow stored before projects existed names an id
// no project holds; it is reported under the default project name, as it was then.
func (r flowResolver) Project(ctx context.Context, f *model.Flow) (*model.Project, error) {
	tenant := ""
	if f.TenantID != nil {
		tenant = *f.TenantID
	}
	p, err := r.ownProject(ctx, tenant, f.ProjectID)
	if errors.Is(err, store.ErrNotFound) {
		return &model.Project{ID: f.ProjectID, Name: defaultProjectName, TenantID: f.TenantID, Created: f.Created, Updated: f.Created}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading project %s of flow %s: %w", f.ProjectID, f.ID, err)
	}
	return projectModel(p), nil
}

func projectModel(p store.Project) *model.Project {
	return &model.Project{ID: p.ID, Name: p.Name, Description: stringOrNil(p.Description),
		TenantID: stringOrNil(p.TenantID), Created: p.Created, Updated: p.Created}
}
