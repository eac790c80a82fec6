package agent

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/runconfig"
)

// Registration retries: an agent started before its backend waits for it.
const (
	registerRetryBase = time.Second
	registerRetryMax  = 30 * time.Second
)

// register registers the agent and checks that the backend answers, retrying with
// capped backoff until it does. ok is false when Stop was called or ctx ended first.
func (a *Agent) register(ctx context.Context) (b Backend, tenantID string, ok bool) {
	for attempt := 1; ; attempt++ {
		b, tenantID, err := a.registerOnce(ctx)
		if err == nil {
			a.health.registered(a.deps.Clock.Now())
			return b, tenantID, true
		}
		if ctx.Err() != nil || a.stopped() {
			return nil, "", false
		}
		wait := a.retryDelay(attempt, registerRetryBase, registerRetryMax)
		a.health.failed(err)
		a.log.Error(fmt.Sprintf("%v; trying again in %s seconds", err, pySeconds(wait)))
		if !a.sleep(ctx, wait, a.stop) {
			return nil, "", false
		}
	}
}

func (a *Agent) registerOnce(ctx context.Context) (Backend, string, error) {
	if a.cfg.AgentConfigID != "" {
		a.log.Info(fmt.Sprintf("Registering agent with config %s...", a.cfg.AgentConfigID))
	} else {
		a.log.Info("Registering agent...")
	}
	tenantID := a.cfg.TenantID
	if tenantID == "" {
		id, err := a.deps.Backend.DefaultTenantID(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("Error registering agent: find the backend's tenant (or set the tenant id): %w", err)
		}
		tenantID = id
	}
	id, err := a.deps.Backend.RegisterAgent(ctx, api.AgentRegistration{
		Type: a.cfg.Type, Name: a.cfg.Name, Labels: a.cfg.Labels, TenantID: tenantID, AgentConfigID: a.cfg.AgentConfigID,
	})
	if err != nil {
		return nil, "", fmt.Errorf("Error registering agent: %w", err)
	}
	a.log.Info("Registration successful!", zap.String("agent_id", id))

	b := a.deps.Backend
	if c, ok := b.(agentIdentifier); ok {
		b = c.WithAgentID(id) // the backend records when this agent last asked for work
	}
	if _, err := b.Hello(ctx); err != nil {
		return nil, "", fmt.Errorf("Error while contacting API at %s: %w", a.cfg.APIURL, err)
	}
	return b, tenantID, nil
}

// pyList renders labels as Prefect logs them: a Python list.
func pyList(labels []string) string {
	if labels == nil {
		labels = []string{}
	}
	return runconfig.PyRepr(labels)
}
