package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/outposthq/outpost/server/auth"
	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/store"
)

// queueLimit is how many ids one get_runs_in_queue returns (Prefect's
// queued_runs_returned_limit).
const queueLimit = 25

func (r queryResolver) Hello(context.Context) (*string, error) {
	return ptr("👋"), nil
}

// Tenant lists the caller's tenant only: Prefect's agent takes tenant[0] as its tenant.
func (r queryResolver) Tenant(ctx context.Context, limit, offset *int, orderBy []*model.TenantOrderBy) ([]*model.Tenant, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	all, err := r.Store.Tenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing tenants: %w", err)
	}
	rows := slices.DeleteFunc(all, func(t store.Tenant) bool { return t.ID != tenant })
	var terms []orderTerm[store.Tenant]
	for _, o := range orderBy {
		terms = addTerm(terms, o.Created, func(t store.Tenant) any { return t.Created })
		terms = addTerm(terms, o.ID, func(t store.Tenant) any { return t.ID })
		terms = addTerm(terms, o.Name, func(t store.Tenant) any { return t.Name })
		terms = addTerm(terms, o.Slug, func(t store.Tenant) any { return t.Slug })
	}
	sortRows(rows, terms)
	rows, err = page(rows, offset, limit)
	if err != nil {
		return nil, err
	}
	return mapRows(rows, func(t store.Tenant) *model.Tenant {
		return &model.Tenant{ID: t.ID, Name: t.Name, Slug: t.Slug, Created: t.Created}
	}), nil
}

func (r mutationResolver) RegisterAgent(ctx context.Context, in model.RegisterAgentInput) (*model.AgentIDPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkTenantInput(tenant, in.TenantID); err != nil {
		return nil, err
	}
	if in.Type == "" {
		return nil, errors.New("register_agent needs a type, such as \"LocalAgent\"")
	}
	agent := store.Agent{
		TenantID:    tenant,
		Name:        "agent",
		Type:        in.Type,
		CoreVersion: auth.FromContext(ctx).CoreVersion,
		Labels:      sortedLabels(in.Labels),
	}
	if in.Name != nil && *in.Name != "" {
		agent.Name = *in.Name
	}
	if in.AgentConfigID != nil {
		agent.AgentConfigID = *in.AgentConfigID
	}
	agent, err = r.Store.RegisterAgent(ctx, agent)
	if err != nil {
		return nil, fmt.Errorf("registering agent %q: %w", agent.Name, err)
	}
	return &model.AgentIDPayload{ID: &agent.ID}, nil
}

// GetRunsInQueue returns the ids of due runs the agent's labels may take (rule and due
// time in store.ReadyRuns). Nothing is claimed: the Submitted state does that.
func (r mutationResolver) GetRunsInQueue(ctx context.Context, in model.GetRunsInQueueInput) (*model.RunsInQueuePayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkTenantInput(tenant, &in.TenantID); err != nil {
		return nil, err
	}
	now := r.now()
	before := now
	if in.Before != nil {
		before = *in.Before
	}
	labels := in.Labels
	if labels == nil {
		labels = []string{}
	}
	runs, err := r.Store.ReadyRuns(ctx, tenant, before, labels, queueLimit)
	if err != nil {
		return nil, fmt.Errorf("reading the run queue: %w", err)
	}
	agentID, err := callingAgent(ctx)
	if err != nil {
		return nil, err
	}
	if agentID != "" {
		// An id the store does not know (an agent registered against another backend)
		// must not stop the poll.
		if err := r.Store.TouchAgent(ctx, agentID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("recording agent %s as alive: %w", agentID, err)
		}
	}
	ids := make([]string, len(runs))
	for i, run := range runs {
		ids[i] = run.ID
	}
	return &model.RunsInQueuePayload{FlowRunIds: ids}, nil
}

// sortedLabels returns labels sorted and without duplicates, never nil.
func sortedLabels(labels []string) []string {
	out := slices.Clone(labels)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// callingAgent returns the X-PREFECT-AGENT-ID of the request ("" when none), which must
// be the id register_agent returned.
func callingAgent(ctx context.Context) (string, error) {
	id := auth.FromContext(ctx).AgentID
	if id == "" {
		return "", nil
	}
	canonical, err := model.ParseUUID(id)
	if err != nil {
		return "", fmt.Errorf("header X-PREFECT-AGENT-ID: %w; send the id register_agent returned", err)
	}
	return canonical, nil
}
