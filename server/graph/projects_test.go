package graph

import (
	"encoding/json"
	"testing"

	"github.com/outposthq/outpost/server/store"
)

const docCreateProject = `mutation($input: create_project_input!) { create_project(input: $input) { id } }`

func TestCreateAndQueryProjects(t *testing.T) {
	e := newEnv(t)
	var created struct {
		CreateProject struct{ ID string } `json:"create_project"`
	}
	e.ok(docCreateProject, `{"input": {"tenant_id": "`+e.tenant.ID+`", "name": "reports", "description": "weekly"}}`, &created)
	if created.CreateProject.ID == "" {
		t.Fatal("create_project returned no id")
	}

	type project struct {
		ID, Name    string
		Description *string
		TenantID    string `json:"tenant_id"`
	}
	tests := []struct {
		name, query string
		want        []string
	}{
		{"by name", `{ project(where: {name: {_eq: "reports"}}, limit: 1) { id name description tenant_id } }`, []string{"reports"}},
		{"by id", `{ project(where: {id: {_eq: "` + testProjectID + `"}}) { id name description tenant_id } }`, []string{testProjectName}},
		{"ordered", `{ project(order_by: {name: desc}) { id name description tenant_id } }`, []string{"reports", testProjectName}},
		{"paged", `{ project(order_by: {name: asc}, offset: 1, limit: 5) { id name description tenant_id } }`, []string{"reports"}},
		{"no match", `{ project(where: {name: {_eq: "missing"}}) { id name description tenant_id } }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out struct{ Project []project }
			e.ok(tt.query, "", &out)
			var names []string
			for _, p := range out.Project {
				names = append(names, p.Name)
				if p.TenantID != e.tenant.ID {
					t.Errorf("project %s tenant = %q", p.Name, p.TenantID)
				}
			}
			if len(names) != len(tt.want) || (len(names) > 0 && names[0] != tt.want[0]) {
				t.Errorf("projects = %v, want %v", names, tt.want)
			}
		})
	}

	var byPK struct {
		Project *project `json:"project_by_pk"`
	}
	e.ok(`query($id: uuid!) { project_by_pk(id: $id) { id name description tenant_id } }`, `{"id": "`+created.CreateProject.ID+`"}`, &byPK)
	if byPK.Project == nil || byPK.Project.Name != "reports" || byPK.Project.Description == nil || *byPK.Project.Description != "weekly" {
		t.Errorf("project_by_pk = %+v", byPK.Project)
	}
	e.ok(`{ project_by_pk(id: "0b5e2a8c-5d1f-4c3e-9a7b-2f6d8e1c4a90") { id } }`, "", &byPK)
	if byPK.Project != nil {
		t.Errorf("unknown project_by_pk = %+v, want null", byPK.Project)
	}
}

func TestCreateProjectRefusals(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ name, input, want string }{
		{"duplicate name", `{"tenant_id": "` + e.tenant.ID + `", "name": "` + testProjectName + `"}`, `a project named "etl-jobs" already exists`},
		{"another tenant", `{"tenant_id": "` + exampleTenantID + `", "name": "x"}`, "is not the tenant of this API key"},
		{"empty name", `{"tenant_id": "` + e.tenant.ID + `", "name": " "}`, "the project name is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.fails(docCreateProject, `{"input": `+tt.input+`}`, tt.want)
		})
	}
}

func TestCreateFlowNeedsAProject(t *testing.T) {
	e := newEnv(t)
	e.fails(`mutation($input: create_flow_input!) { create_flow(input: $input) { id } }`,
		`{"input": {"serialized_flow": `+nativeFlow+`, "project_id": "0b5e2a8c-5d1f-4c3e-9a7b-2f6d8e1c4a90"}}`,
		"project_id 0b5e2a8c-5d1f-4c3e-9a7b-2f6d8e1c4a90 names no project of this tenant")
}

// A flow stored before projects existed names an id no project holds; its project is
// still answered, so Prefect's flow runner keeps working.
func TestLegacyFlowProject(t *testing.T) {
	e := newEnv(t)
	const legacyID = "0b5e2a8c-5d1f-4c3e-9a7b-2f6d8e1c4a90"
	f, err := e.store.CreateFlow(e.ctx, store.Flow{TenantID: e.tenant.ID, ProjectID: legacyID, Name: "old",
		Storage: json.RawMessage(`{"type": "Local"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Flow struct {
			Project struct{ ID, Name string }
		} `json:"flow_by_pk"`
	}
	e.ok(`query($id: uuid!) { flow_by_pk(id: $id) { project { id name } } }`, `{"id": "`+f.ID+`"}`, &out)
	if out.Flow.Project.ID != legacyID || out.Flow.Project.Name != defaultProjectName {
		t.Errorf("legacy flow project = %+v", out.Flow.Project)
	}
}
