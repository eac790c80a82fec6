package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// FlowParameter is a parameter of a registered flow.
type FlowParameter struct {
	Name     string
	Default  any
	Required bool
}

// FlowRegistration describes a flow to register.
type FlowRegistration struct {
	Name           string
	ProjectID      string // see ProjectID and CreateProject
	Storage        any    // the storage in its wire form
	RunConfig      any    // the run config in its wire form; nil for none
	CoreVersion    string // what the agent reads to pick the command that runs the flow
	Parameters     []FlowParameter
	Description    string
	VersionGroupID string
	IdempotencyKey string // a repeated key returns the existing flow's id
}

// Flow is a registered flow.
type Flow struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Version     int             `json:"version"`
	CoreVersion string          `json:"core_version"`
	ProjectID   string          `json:"project_id"`
	Storage     json.RawMessage `json:"storage"`
	RunConfig   json.RawMessage `json:"run_config"`
}

// serializedFlow is the part of Prefect's serialized flow a flow without tasks needs.
type serializedFlow struct {
	Name           string                `json:"name"`
	Type           string                `json:"type"`
	Storage        any                   `json:"storage"`
	RunConfig      any                   `json:"run_config"`
	Environment    any                   `json:"environment"`
	Parameters     []serializedParameter `json:"parameters"`
	Tasks          []any                 `json:"tasks"`
	Edges          []any                 `json:"edges"`
	ReferenceTasks []any                 `json:"reference_tasks"`
	Schedule       any                   `json:"schedule"`
	CoreVersion    string                `json:"core_version"`
	Version        string                `json:"__version__"` // where Prefect keeps it
}

type serializedParameter struct {
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Default  any    `json:"default"`
	Required bool   `json:"required"`
	Type     string `json:"type"`
}

// RegisterFlow registers a flow through create_flow and returns its id. Registering a
// name again in the same project adds a version.
func (c *Client) RegisterFlow(ctx context.Context, reg FlowRegistration) (string, error) {
	switch {
	case reg.Name == "":
		return "", errors.New("create_flow: the flow needs a name")
	case reg.ProjectID == "":
		return "", fmt.Errorf("create_flow: flow %q needs a project id: look one up with ProjectID or create one", reg.Name)
	case reg.Storage == nil:
		return "", fmt.Errorf("create_flow: flow %q needs a storage", reg.Name)
	case reg.CoreVersion == "":
		return "", fmt.Errorf("create_flow: flow %q needs a core version", reg.Name)
	}
	flow := serializedFlow{
		Name:           reg.Name,
		Type:           "prefect.core.flow.Flow",
		Storage:        reg.Storage,
		RunConfig:      reg.RunConfig,
		Parameters:     []serializedParameter{},
		Tasks:          []any{},
		Edges:          []any{},
		ReferenceTasks: []any{},
		CoreVersion:    reg.CoreVersion,
		Version:        reg.CoreVersion,
	}
	for _, p := range reg.Parameters {
		if p.Name == "" {
			return "", fmt.Errorf("create_flow: flow %q has a parameter without a name", reg.Name)
		}
		flow.Parameters = append(flow.Parameters, serializedParameter{
			Name: p.Name, Slug: p.Name, Default: p.Default, Required: p.Required,
			Type: "prefect.core.parameter.Parameter",
		})
	}
	input := map[string]any{"serialized_flow": flow, "project_id": reg.ProjectID}
	setIf(input, "description", reg.Description, reg.Description != "")
	setIf(input, "version_group_id", reg.VersionGroupID, reg.VersionGroupID != "")
	setIf(input, "idempotency_key", reg.IdempotencyKey, reg.IdempotencyKey != "")
	var data struct {
		CreateFlow *struct {
			ID string `json:"id"`
		} `json:"create_flow"`
	}
	if err := c.do(ctx, request{op: "create_flow", query: mutationCreateFlow, vars: inputVars(input)}, &data); err != nil {
		return "", err
	}
	if data.CreateFlow == nil || data.CreateFlow.ID == "" {
		return "", fmt.Errorf("create_flow: the backend at %s returned no flow id", c.logURL)
	}
	return data.CreateFlow.ID, nil
}

// FlowByName returns the highest version of the flow with this name.
func (c *Client) FlowByName(ctx context.Context, name string) (Flow, error) {
	if name == "" {
		return Flow{}, errors.New("flow: a flow name is required")
	}
	var data struct {
		Flow []Flow `json:"flow"`
	}
	if err := c.do(ctx, request{op: "flow", query: queryFlowByName, vars: map[string]any{"name": name}}, &data); err != nil {
		return Flow{}, err
	}
	if len(data.Flow) == 0 {
		return Flow{}, fmt.Errorf("flow %q: %w at %s: register it first", name, ErrNotFound, c.logURL)
	}
	return data.Flow[0], nil
}

// Flow returns the flow with this id.
func (c *Client) Flow(ctx context.Context, id string) (Flow, error) {
	if id == "" {
		return Flow{}, errors.New("flow: a flow id is required")
	}
	var data struct {
		Flow *Flow `json:"flow_by_pk"`
	}
	if err := c.do(ctx, request{op: "flow_by_pk", query: queryFlowByID, vars: map[string]any{"id": id}}, &data); err != nil {
		return Flow{}, err
	}
	if data.Flow == nil {
		return Flow{}, fmt.Errorf("flow %s: %w at %s", id, ErrNotFound, c.logURL)
	}
	return *data.Flow, nil
}

// ProjectID returns the id of the project with this name.
func (c *Client) ProjectID(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "", errors.New("project: a project name is required")
	}
	var data struct {
		Project []struct {
			ID string `json:"id"`
		} `json:"project"`
	}
	if err := c.do(ctx, request{op: "project", query: queryProjectByName, vars: map[string]any{"name": name}}, &data); err != nil {
		return "", err
	}
	if len(data.Project) == 0 {
		return "", fmt.Errorf("project %q: %w at %s: create it first", name, ErrNotFound, c.logURL)
	}
	return data.Project[0].ID, nil
}

// CreateProject creates a project in a tenant and returns its id.
func (c *Client) CreateProject(ctx context.Context, tenantID, name string) (string, error) {
	if tenantID == "" || name == "" {
		return "", errors.New("create_project: a tenant id and a project name are required")
	}
	var data struct {
		CreateProject *struct {
			ID string `json:"id"`
		} `json:"create_project"`
	}
	vars := inputVars(map[string]string{"tenant_id": tenantID, "name": name})
	if err := c.do(ctx, request{op: "create_project", query: mutationCreateProject, vars: vars}, &data); err != nil {
		return "", err
	}
	if data.CreateProject == nil || data.CreateProject.ID == "" {
		return "", fmt.Errorf("create_project: the backend at %s returned no project id", c.logURL)
	}
	return data.CreateProject.ID, nil
}
