package secrets

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Chain resolves a secret exactly as Prefect 1.x's Secret(name).get() does inside a flow
// run: context secrets first, then (only for backend "cloud" with use_local_secrets off)
// the backend's secret store, then Prefect's JSON decoding of the value.
type Chain struct {
	// Context holds the context secrets ([context.secrets] and
	// PREFECT__CONTEXT__SECRETS__*), already typed by the config package.
	Context map[string]any
	// Backend is config "backend": "cloud" or "server".
	Backend string
	// UseLocalSecrets is config "cloud.use_local_secrets".
	UseLocalSecrets bool
	// API is the backend's secret store; it is needed only when the chain may query it.
	API Backend
}

// SecretLister is a Backend that can also list secret names, as Prefect's Secret.exists
// does with the secret_names query. Backends without it are asked for the value instead.
type SecretLister interface {
	SecretNames(ctx context.Context) ([]string, error)
}

// Places named in a Chain's NotFoundError.Where.
const (
	whereContext = "context secrets"
	whereBackend = "the backend's secret store"
)

// Get returns the secret's value, JSON-decoded as Prefect does. A secret present in the
// context with a nil value is found and returns nil. Missing secrets give a
// *NotFoundError carrying Prefect's own message; other backend errors are wrapped.
func (c Chain) Get(ctx context.Context, name string) (Value, error) {
	raw, err := c.lookup(ctx, name)
	if err != nil {
		return Value{}, err
	}
	return NewValue(decodePrefectJSON(raw)), nil
}

func (c Chain) lookup(ctx context.Context, name string) (any, error) {
	if v, ok := c.Context[name]; ok {
		if sv, isValue := v.(Value); isValue {
			return sv.Reveal(), nil
		}
		return v, nil
	}
	if !c.queriesBackend() {
		return nil, &NotFoundError{
			Name:  name,
			Where: []string{whereContext},
			// %q gives Prefect's quotes for ordinary names and keeps odd ones on one line.
			msg: fmt.Sprintf("Local Secret %q was not found.", name),
		}
	}
	if c.API == nil {
		return nil, c.noAPIError(name)
	}
	v, err := c.API.SecretValue(ctx, name)
	switch {
	case errors.Is(err, ErrBackendSecretNotFound):
		return nil, &NotFoundError{
			Name:  name,
			Where: []string{whereContext, whereBackend},
			msg: "The secret " + name + " was not found.  Please ensure that it was set " +
				"correctly in your tenant: https://docs.prefect.io/orchestration/concepts/secrets.html",
		}
	case err != nil:
		return nil, fmt.Errorf("reading secret %q from %s: %w", name, whereBackend, err)
	}
	return v.Reveal(), nil
}

// Exists reports whether Get would find the secret, as Prefect's Secret.exists does:
// context secrets, then (cloud with use_local_secrets off) the backend's secret names.
func (c Chain) Exists(ctx context.Context, name string) (bool, error) {
	if _, ok := c.Context[name]; ok {
		return true, nil
	}
	if !c.queriesBackend() {
		return false, nil
	}
	if c.API == nil {
		return false, c.noAPIError(name)
	}
	if lister, ok := c.API.(SecretLister); ok {
		names, err := lister.SecretNames(ctx)
		if err != nil {
			return false, fmt.Errorf("listing secret names in %s: %w", whereBackend, err)
		}
		return slices.Contains(names, name), nil
	}
	_, err := c.API.SecretValue(ctx, name)
	switch {
	case errors.Is(err, ErrBackendSecretNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("checking secret %q in %s: %w", name, whereBackend, err)
	}
	return true, nil
}

// queriesBackend is Prefect's rule: only Cloud is ever asked, and only when local
// secrets are switched off. On Server the API is never queried.
func (c Chain) queriesBackend() bool { return c.Backend == "cloud" && !c.UseLocalSecrets }

func (c Chain) noAPIError(name string) error {
	return fmt.Errorf("secret %q is not in the context secrets and no backend client was "+
		"given to fetch it from %s: configure the backend API, or set the secret in "+
		"[context.secrets] or PREFECT__CONTEXT__SECRETS__%s", name, whereBackend, name)
}
