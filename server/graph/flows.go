package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/store"
)

// maxScan bounds how many rows a query without an id filter reads from the store
// before filtering in Go.
const maxScan = 5000

// defaultProjectName is reported as the project of a flow whose project id names no
// project (flows stored before the backend had projects): Prefect's flow runner reads
// flow.project { id name } and needs an answer.
const defaultProjectName = "default"

// serializedFlow is what create_flow reads from serialized_flow: Outpost's client sends
// {"name","storage","run_config","core_version","parameters","environment"}; a flow
// serialized by Prefect also carries "__version__" and "tasks".
type serializedFlow struct {
	Name        string          `json:"name"`
	Storage     json.RawMessage `json:"storage"`
	RunConfig   json.RawMessage `json:"run_config"`
	CoreVersion string          `json:"core_version"`
	Version     string          `json:"__version__"`
	Labels      []string        `json:"labels"`
	Parameters  json.RawMessage `json:"parameters"`
	Environment json.RawMessage `json:"environment"`
	Tasks       []flowTask      `json:"tasks"`
}

type flowTask struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func (r mutationResolver) CreateFlow(ctx context.Context, in model.CreateFlowInput) (*model.FlowIDPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	sf, err := decodeSerializedFlow(in.SerializedFlow)
	if err != nil {
		return nil, err
	}
	if _, err := r.ownProject(ctx, tenant, in.ProjectID); errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("project_id %s names no project of this tenant: create one with create_project and register into its id", in.ProjectID)
	} else if err != nil {
		return nil, fmt.Errorf("checking project %s: %w", in.ProjectID, err)
	}
	labels := sf.Labels
	if labels == nil {
		labels = labelsOf(sf.RunConfig, sf.Environment)
	}
	flow := store.Flow{
		TenantID:       tenant,
		ProjectID:      in.ProjectID,
		Name:           sf.Name,
		CoreVersion:    sf.CoreVersion,
		Labels:         sortedLabels(labels),
		Storage:        sf.Storage,
		RunConfig:      sf.RunConfig,
		Environment:    sf.Environment,
		Parameters:     sf.Parameters,
		Settings:       json.RawMessage(`{}`),
		SerializedFlow: in.SerializedFlow,
	}
	if flow.CoreVersion == "" {
		flow.CoreVersion = sf.Version
	}
	flow, err = r.Store.CreateFlow(ctx, flow)
	if err != nil {
		return nil, fmt.Errorf("creating flow %q: %w", sf.Name, err)
	}
	return &model.FlowIDPayload{ID: &flow.ID}, nil
}

func decodeSerializedFlow(doc json.RawMessage) (serializedFlow, error) {
	var sf serializedFlow
	if err := json.Unmarshal(doc, &sf); err != nil {
		return sf, fmt.Errorf(`serialized_flow must be an object like {"name": "etl", "storage": {"type": "GitHub", ...}}: %w`, err)
	}
	if sf.Name == "" {
		return sf, errors.New(`serialized_flow has no "name"; give the flow a name`)
	}
	var storage struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(sf.Storage, &storage); err != nil || storage.Type == "" {
		return sf, fmt.Errorf(`serialized_flow of flow %q has no "storage" with a "type"; add one such as {"type": "GitHub", "repo": "org/repo", "path": "flow.py"}`, sf.Name)
	}
	if !emptyJSON(sf.RunConfig) {
		var rc map[string]json.RawMessage
		if err := json.Unmarshal(sf.RunConfig, &rc); err != nil {
			return sf, fmt.Errorf(`serialized_flow "run_config" of flow %q must be an object such as {"type": "LocalRun"}`, sf.Name)
		}
	}
	for i, t := range sf.Tasks {
		if t.Slug == "" {
			return sf, fmt.Errorf("serialized_flow task %d of flow %q has no \"slug\"", i, sf.Name)
		}
	}
	return sf, nil
}

// labelsOf returns the labels of the first of the given run config or environment
// documents that is set, or nil.
func labelsOf(docs ...json.RawMessage) []string {
	for _, doc := range docs {
		if emptyJSON(doc) {
			continue
		}
		var v struct {
			Labels []string `json:"labels"`
		}
		_ = json.Unmarshal(doc, &v) // a document without a usable labels list has none
		if v.Labels == nil {
			return []string{}
		}
		return v.Labels
	}
	return nil
}

func (r queryResolver) Flow(ctx context.Context, limit, offset *int, orderBy []*model.FlowOrderBy, where *model.FlowBoolExp) ([]*model.Flow, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkFilter("flow.where", where); err != nil {
		return nil, err
	}
	all, err := r.Store.ListFlows(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("listing flows: %w", err)
	}
	var rows []store.Flow
	for _, f := range all {
		ok, err := matchFlow(where, f)
		if err != nil {
			return nil, err
		}
		if ok && f.TenantID == tenant {
			rows = append(rows, f)
		}
	}
	var terms []orderTerm[store.Flow]
	for _, o := range orderBy {
		terms = addTerm(terms, o.CoreVersion, func(f store.Flow) any { return f.CoreVersion })
		terms = addTerm(terms, o.Created, func(f store.Flow) any { return f.Created })
		terms = addTerm(terms, o.ID, func(f store.Flow) any { return f.ID })
		terms = addTerm(terms, o.Name, func(f store.Flow) any { return f.Name })
		terms = addTerm(terms, o.Version, func(f store.Flow) any { return f.Version })
	}
	sortRows(rows, terms)
	rows, err = page(rows, offset, limit)
	return mapRows(rows, flowModel), err
}

func matchFlow(e *model.FlowBoolExp, f store.Flow) (bool, error) {
	if e == nil {
		return true, nil
	}
	if ok, err := logic(e.And, e.Or, e.Not, func(sub *model.FlowBoolExp) (bool, error) { return matchFlow(sub, f) }); !ok {
		return false, err
	}
	project := projectID(f)
	return matchString(e.CoreVersion, stringOrNil(f.CoreVersion)) &&
		matchTime(e.Created, &f.Created) &&
		matchUUID(e.ID, &f.ID) &&
		matchString(e.Name, &f.Name) &&
		matchUUID(e.ProjectID, &project) &&
		matchInt(e.Version, &f.Version) &&
		matchString(e.VersionGroupID, &f.Name), nil
}

func (r queryResolver) FlowByPk(ctx context.Context, id string) (*model.Flow, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	f, err := r.ownFlow(ctx, tenant, id)
	return nullIfNotFound(flowModel(f), err)
}

// flowModel renders a flow. Flows are versioned by name, so the name is the version
// group.
func flowModel(f store.Flow) *model.Flow {
	settings := f.Settings
	if emptyJSON(settings) {
		settings = json.RawMessage(`{}`)
	}
	return &model.Flow{
		ID: f.ID, Name: f.Name, Version: ptr(f.Version), VersionGroupID: ptr(f.Name),
		CoreVersion: stringOrNil(f.CoreVersion), TenantID: stringOrNil(f.TenantID),
		ProjectID: projectID(f), Created: f.Created, Updated: f.Created,
		Storage: f.Storage, RunConfig: f.RunConfig, Environment: f.Environment,
		Parameters: f.Parameters, Settings: settings, SerializedFlow: f.SerializedFlow,
	}
}

// projectID is the flow's project, or one per tenant when the flow was stored without.
func projectID(f store.Flow) string {
	if f.ProjectID != "" {
		return f.ProjectID
	}
	return nameUUID(f.TenantID, "project/"+defaultProjectName)
}

// flowTasks returns the tasks of a flow serialized by Prefect (none for native flows).
func flowTasks(f store.Flow) []flowTask {
	var sf struct {
		Tasks []flowTask `json:"tasks"`
	}
	_ = json.Unmarshal(f.SerializedFlow, &sf) // create_flow validated it; no tasks otherwise
	return slices.DeleteFunc(sf.Tasks, func(t flowTask) bool { return t.Slug == "" })
}
