package store

import (
	"encoding/json"
	"testing"
)

func testProjects(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	other := must(e.s.CreateProject(e.ctx, Project{TenantID: e.tenant.ID, Name: "zeta"}))(t)
	p := must(e.s.CreateProject(e.ctx, Project{TenantID: e.tenant.ID, Name: "alpha", Description: "nightly jobs"}))(t)
	if p.ID == "" || p.TenantID != e.tenant.ID || p.Name != "alpha" || p.Description != "nightly jobs" || !p.Created.Equal(micro(t0)) {
		t.Fatalf("created project %+v", p)
	}
	if got := must(e.s.GetProject(e.ctx, p.ID))(t); got != p {
		t.Fatalf("GetProject = %+v, want %+v", got, p)
	}
	list := must(e.s.Projects(e.ctx, e.tenant.ID))(t)
	if len(list) != 2 || list[0].ID != p.ID || list[1].ID != other.ID {
		t.Fatalf("Projects = %+v, want alpha then zeta", list)
	}
	if none := must(e.s.Projects(e.ctx, "no-such-tenant"))(t); len(none) != 0 {
		t.Fatalf("another tenant's projects = %+v, want none", none)
	}

	tests := []struct {
		name string
		p    Project
		want error
	}{
		{"duplicate name", Project{TenantID: e.tenant.ID, Name: "alpha"}, ErrConflict},
		{"empty name", Project{TenantID: e.tenant.ID, Name: "  "}, ErrInvalid},
		{"no tenant", Project{Name: "beta"}, ErrInvalid},
		{"unknown tenant", Project{TenantID: "no-such-tenant", Name: "beta"}, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.s.CreateProject(e.ctx, tt.p)
			wantErr(t, err, tt.want)
		})
	}
	_, err := e.s.GetProject(e.ctx, "0b5e2a8c-5d1f-4c3e-9a7b-2f6d8e1c4a90")
	wantErr(t, err, ErrNotFound)

	// A flow naming a project id no row holds (stored before projects existed) is kept.
	legacy := must(e.s.CreateFlow(e.ctx, Flow{TenantID: e.tenant.ID, ProjectID: "7c6d5e4f-3a2b-4c1d-8e9f-0a1b2c3d4e5f",
		Name: "legacy", Storage: json.RawMessage(`{"type":"Local"}`)}))(t)
	if got := must(e.s.GetFlow(e.ctx, legacy.ID))(t); got.ProjectID != "7c6d5e4f-3a2b-4c1d-8e9f-0a1b2c3d4e5f" {
		t.Fatalf("legacy flow project = %q", got.ProjectID)
	}
}
