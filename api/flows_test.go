package api

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const exProjectID = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"

func TestClientContractFlowOperations(t *testing.T) {
	storage := map[string]any{"type": "GitHub", "repo": "acme/flows", "path": "etl.py", "access_token_secret": "GITHUB_ACCESS_TOKEN"}
	runContract(t, []contractCase{
		{
			name: "register flow",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RegisterFlow(ctx, FlowRegistration{
					Name: "etl", ProjectID: exProjectID, Storage: storage,
					RunConfig:   json.RawMessage(`{"type":"LocalRun","labels":["dev"]}`),
					CoreVersion: "outpost", Description: "nightly load",
					Parameters: []FlowParameter{{Name: "day", Default: "today"}, {Name: "table", Required: true}},
				})
			},
			query: mutationCreateFlow,
			vars: `{"input": {"project_id": "` + exProjectID + `", "description": "nightly load", "serialized_flow": {
				"name": "etl", "type": "prefect.core.flow.Flow",
				"storage": {"type": "GitHub", "repo": "acme/flows", "path": "etl.py", "access_token_secret": "GITHUB_ACCESS_TOKEN"},
				"run_config": {"type": "LocalRun", "labels": ["dev"]}, "environment": null,
				"parameters": [
					{"name": "day", "slug": "day", "default": "today", "required": false, "type": "prefect.core.parameter.Parameter"},
					{"name": "table", "slug": "table", "default": null, "required": true, "type": "prefect.core.parameter.Parameter"}],
				"tasks": [], "edges": [], "reference_tasks": [], "schedule": null,
				"core_version": "outpost", "__version__": "outpost"}}}`,
			response: `{"data":{"create_flow":{"id":"` + exFlowID + `"}}}`,
			want:     exFlowID,
		},
		{
			name:     "flow by name",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.FlowByName(ctx, "etl") },
			query:    queryFlowByName,
			vars:     `{"name": "etl"}`,
			response: `{"data":{"flow":[{"id":"` + exFlowID + `","name":"etl","version":2,"core_version":"outpost","project_id":"` + exProjectID + `","storage":{"type":"Script"},"run_config":null}]}}`,
			want: Flow{ID: exFlowID, Name: "etl", Version: 2, CoreVersion: "outpost", ProjectID: exProjectID,
				Storage: json.RawMessage(`{"type":"Script"}`), RunConfig: json.RawMessage(`null`)},
		},
		{
			name:     "project by name",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.ProjectID(ctx, "default") },
			query:    queryProjectByName,
			vars:     `{"name": "default"}`,
			response: `{"data":{"project":[{"id":"` + exProjectID + `"}]}}`,
			want:     exProjectID,
		},
		{
			name:     "create project",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.CreateProject(ctx, exTenantID, "default") },
			query:    mutationCreateProject,
			vars:     `{"input": {"tenant_id": "` + exTenantID + `", "name": "default"}}`,
			response: `{"data":{"create_project":{"id":"` + exProjectID + `"}}}`,
			want:     exProjectID,
		},
	})
}

func TestFlowOperationErrors(t *testing.T) {
	valid := FlowRegistration{Name: "etl", ProjectID: exProjectID, Storage: map[string]any{"type": "Script"}, CoreVersion: "outpost"}
	tests := []struct {
		name     string
		response string
		call     func(context.Context, *Client) error
		want     error
		text     string
	}{
		{"unknown flow", `{"data":{"flow":[]}}`,
			func(ctx context.Context, c *Client) error { _, err := c.FlowByName(ctx, "etl"); return err },
			ErrNotFound, `flow "etl"`},
		{"unknown project", `{"data":{"project":[]}}`,
			func(ctx context.Context, c *Client) error { _, err := c.ProjectID(ctx, "p"); return err },
			ErrNotFound, `project "p"`},
		{"flow without a project", `{}`,
			func(ctx context.Context, c *Client) error {
				reg := valid
				reg.ProjectID = ""
				_, err := c.RegisterFlow(ctx, reg)
				return err
			}, nil, "needs a project id"},
		{"flow without storage", `{}`,
			func(ctx context.Context, c *Client) error {
				reg := valid
				reg.Storage = nil
				_, err := c.RegisterFlow(ctx, reg)
				return err
			}, nil, "needs a storage"},
		{"flow without a core version", `{}`,
			func(ctx context.Context, c *Client) error {
				reg := valid
				reg.CoreVersion = ""
				_, err := c.RegisterFlow(ctx, reg)
				return err
			}, nil, "needs a core version"},
		{"parameter without a name", `{}`,
			func(ctx context.Context, c *Client) error {
				reg := valid
				reg.Parameters = []FlowParameter{{Default: 1}}
				_, err := c.RegisterFlow(ctx, reg)
				return err
			}, nil, "parameter without a name"},
		{"backend returns no id", `{"data":{"create_flow":null}}`,
			func(ctx context.Context, c *Client) error { _, err := c.RegisterFlow(ctx, valid); return err },
			nil, "no flow id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t, reply(tc.response))
			err := tc.call(context.Background(), newTestClient(t, b.URL))
			if err == nil {
				t.Fatal("want an error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v is not %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not say %q", err, tc.text)
			}
		})
	}
}
