// Package graph is the GraphQL layer of the embedded backend: the Prefect Server 1.x
// subset in schema.graphqls, served from the store for the caller's tenant.
// The HTTP layer wraps NewExecutableSchema in gqlgen's handler and authenticates callers.
package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/outposthq/outpost/server/auth"
	"github.com/outposthq/outpost/server/graph/generated"
	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/store"
)

// SecretCipher encrypts secret values at rest; the store only ever sees ciphertext.
type SecretCipher interface {
	Seal(plain []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// Resolver holds what the resolvers need. Now and Notify may be nil.
type Resolver struct {
	Store  store.Store
	Cipher SecretCipher
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Notify is called after a run of the tenant was created or rescheduled, so a
	// long-polling agent can wake up at once.
	Notify func(tenantID string)
}

// NewExecutableSchema returns the schema with r's resolvers, for gqlgen's handler.
func NewExecutableSchema(r *Resolver) graphql.ExecutableSchema {
	return generated.NewExecutableSchema(generated.Config{Resolvers: root{r}})
}

// root keeps gqlgen's per-type resolver accessors off the exported Resolver.
type root struct{ r *Resolver }

func (x root) Query() generated.QueryResolver       { return queryResolver{x.r} }
func (x root) Mutation() generated.MutationResolver { return mutationResolver{x.r} }
func (x root) Flow() generated.FlowResolver         { return flowResolver{x.r} }
func (x root) Flow_run() generated.Flow_runResolver { return flowRunResolver{x.r} }
func (x root) Task_run() generated.Task_runResolver { return taskRunResolver{x.r} }

type (
	queryResolver    struct{ *Resolver }
	mutationResolver struct{ *Resolver }
	flowResolver     struct{ *Resolver }
	flowRunResolver  struct{ *Resolver }
	taskRunResolver  struct{ *Resolver }
)

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Resolver) notify(tenantID string) {
	if r.Notify != nil {
		r.Notify(tenantID)
	}
}

// tenantOf returns the caller's tenant. The HTTP layer already refuses unauthenticated
// requests; this is the second line of defence.
func tenantOf(ctx context.Context) (string, error) {
	id := auth.FromContext(ctx).Identity
	if id == nil || id.TenantID == "" {
		return "", &gqlerror.Error{
			Message:    "UNAUTHENTICATED: this request has no valid API key; send one as \"Authorization: Bearer <key>\"",
			Extensions: map[string]any{"code": "UNAUTHENTICATED"},
		}
	}
	return id.TenantID, nil
}

// checkTenantInput refuses a tenant_id input naming another tenant than the API key's:
// Server trusted the input, the embedded backend trusts the key.
func checkTenantInput(tenant string, input *string) error {
	if input != nil && *input != tenant {
		return fmt.Errorf("tenant_id %s is not the tenant of this API key (%s); leave tenant_id out or use %s", *input, tenant, tenant)
	}
	return nil
}

// versionLockError is what Prefect Cloud answered for a stale version; Prefect's client
// recognises it by extensions.code and re-reads the state.
func versionLockError(kind, id string, version *int) error {
	msg := fmt.Sprintf("State update failed for %s run ID %s: the run has changed since version was read", kind, id)
	if version != nil {
		msg = fmt.Sprintf("State update failed for %s run ID %s: version %d is stale; read the current version and retry", kind, id, *version)
	}
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "VERSION_LOCKING_ERROR"}}
}

// ownFlowRun loads a flow run of the tenant; another tenant's run is store.ErrNotFound.
func (r *Resolver) ownFlowRun(ctx context.Context, tenant, id string) (store.FlowRun, error) {
	run, err := r.Store.GetFlowRun(ctx, id)
	if err == nil && run.TenantID != tenant {
		return store.FlowRun{}, fmt.Errorf("flow run %s: %w", id, store.ErrNotFound)
	}
	return run, err
}

// ownFlow loads a flow of the tenant; another tenant's flow is store.ErrNotFound.
func (r *Resolver) ownFlow(ctx context.Context, tenant, id string) (store.Flow, error) {
	flow, err := r.Store.GetFlow(ctx, id)
	if err == nil && flow.TenantID != tenant {
		return store.Flow{}, fmt.Errorf("flow %s: %w", id, store.ErrNotFound)
	}
	return flow, err
}

// ownTaskRun loads a task run of the tenant; another tenant's task run is store.ErrNotFound.
func (r *Resolver) ownTaskRun(ctx context.Context, tenant, id string) (store.TaskRun, error) {
	tr, err := r.Store.GetTaskRun(ctx, id)
	if err == nil && tr.TenantID != tenant {
		return store.TaskRun{}, fmt.Errorf("task run %s: %w", id, store.ErrNotFound)
	}
	return tr, err
}

// nullIfNotFound turns "not found" into a null answer, as Hasura's *_by_pk fields do.
func nullIfNotFound[T any](v *T, err error) (*T, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

func ptr[T any](v T) *T { return &v }

// stringOrNil returns nil for "", so an unset column answers null.
func stringOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// timeOrNil returns nil for the zero time, so an unset column answers null.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// succeeded is the answer of mutations that return success_payload.
func succeeded() *model.SuccessPayload { return &model.SuccessPayload{Success: ptr(true)} }

// emptyJSON is true for a missing value, null, {} and [].
func emptyJSON(v json.RawMessage) bool {
	s := strings.TrimSpace(string(v))
	return s == "" || s == "null" || s == "{}" || s == "[]"
}
