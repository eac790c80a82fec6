package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/store"
)

// CreateFlowRun schedules a run of a flow, chosen by flow_id or, since flows are
// versioned by name, by version_group_id as the flow's name (newest version).
func (r mutationResolver) CreateFlowRun(ctx context.Context, in model.CreateFlowRunInput) (*model.FlowRunIDPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	flow, err := r.flowToRun(ctx, tenant, in)
	if err != nil {
		return nil, err
	}
	params, err := runParameters(flow, in.Parameters)
	if err != nil {
		return nil, err
	}
	runContext := in.Context
	if emptyJSON(runContext) {
		runContext = json.RawMessage(`{}`)
	}
	runConfig := in.RunConfig
	if emptyJSON(runConfig) {
		runConfig = flow.RunConfig
	}
	run := store.FlowRun{
		TenantID:           tenant,
		FlowID:             flow.ID,
		Labels:             runLabels(in, flow),
		Parameters:         params,
		Context:            runContext,
		RunConfig:          runConfig,
		ScheduledStartTime: r.now(),
	}
	if in.ScheduledStartTime != nil {
		run.ScheduledStartTime = *in.ScheduledStartTime
	}
	if in.IdempotencyKey != nil {
		run.IdempotencyKey = *in.IdempotencyKey
	}
	if in.FlowRunName != nil {
		run.Name = *in.FlowRunName
	}
	run, err = r.Store.CreateFlowRun(ctx, run)
	if err != nil {
		return nil, fmt.Errorf("creating a run of flow %q: %w", flow.Name, err)
	}
	if err := r.precreateTaskRuns(ctx, flow, run.ID); err != nil {
		return nil, fmt.Errorf("flow run %s: %w", run.ID, err)
	}
	r.notify(tenant)
	return &model.FlowRunIDPayload{ID: &run.ID}, nil
}

func (r mutationResolver) flowToRun(ctx context.Context, tenant string, in model.CreateFlowRunInput) (store.Flow, error) {
	switch {
	case in.FlowID != nil:
		f, err := r.ownFlow(ctx, tenant, *in.FlowID)
		if errors.Is(err, store.ErrNotFound) {
			return f, fmt.Errorf("flow %s not found", *in.FlowID)
		}
		return f, err
	case in.VersionGroupID != nil && *in.VersionGroupID != "":
		f, err := r.Store.FlowByName(ctx, tenant, *in.VersionGroupID)
		if errors.Is(err, store.ErrNotFound) {
			return f, fmt.Errorf("no flow named %q (version_group_id is the flow's name)", *in.VersionGroupID)
		}
		return f, err
	}
	return store.Flow{}, errors.New("create_flow_run needs a flow_id or a version_group_id")
}

// runLabels follows Prefect Server's precedence: the input's labels, the input run
// config's, the flow's, its run config's, its environment's; the first that is set wins.
func runLabels(in model.CreateFlowRunInput, flow store.Flow) []string {
	labels := in.Labels
	if labels == nil {
		labels = labelsOf(in.RunConfig)
	}
	if labels == nil && len(flow.Labels) > 0 {
		labels = flow.Labels
	}
	if labels == nil {
		labels = labelsOf(flow.RunConfig, flow.Environment)
	}
	return sortedLabels(labels)
}

// runParameters merges the flow's parameter defaults with the given values and checks
// that every required parameter has one. A flow's parameters are either Prefect's list
// ([{"name", "default", "required"}]) or an object of defaults.
func runParameters(flow store.Flow, given json.RawMessage) (json.RawMessage, error) {
	values := map[string]json.RawMessage{}
	if !emptyJSON(given) {
		if err := json.Unmarshal(given, &values); err != nil {
			return nil, errors.New(`parameters must be a JSON object such as {"x": 1}`)
		}
	}
	merged := map[string]json.RawMessage{}
	var required []string
	if !emptyJSON(flow.Parameters) {
		var list []struct {
			Name     string          `json:"name"`
			Default  json.RawMessage `json:"default"`
			Required bool            `json:"required"`
		}
		if err := json.Unmarshal(flow.Parameters, &list); err == nil {
			for _, p := range list {
				if p.Required {
					required = append(required, p.Name)
				}
				if len(p.Default) > 0 && string(p.Default) != "null" {
					merged[p.Name] = p.Default
				}
			}
		} else if err := json.Unmarshal(flow.Parameters, &merged); err != nil {
			return nil, fmt.Errorf("flow %q has parameters that are neither a list nor an object", flow.Name)
		}
	}
	for k, v := range values {
		merged[k] = v
	}
	for _, name := range required {
		if _, ok := merged[name]; !ok {
			return nil, fmt.Errorf("flow %q requires parameter %q; pass it in parameters", flow.Name, name)
		}
	}
	return json.Marshal(merged)
}
