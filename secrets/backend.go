package secrets

import (
	"context"
	"errors"
)

// ErrBackendSecretNotFound is wrapped by a Backend's error when the backend answered that
// it has no secret of that name (Prefect Cloud says "No value found for the requested key").
var ErrBackendSecretNotFound = errors.New("no value found for the requested key")

// Backend is a backend's secret store: Prefect Cloud's secret API, or the secret store of
// Outpost's embedded backend. The api package's client implements it.
//
// SecretValue returns the value as stored (before Prefect's JSON decoding, which the
// resolution chain applies). A missing secret is an error wrapping
// ErrBackendSecretNotFound; any other error (unauthenticated, transport) is returned as is.
// Errors never contain the value.
type Backend interface {
	SecretValue(ctx context.Context, name string) (Value, error)
}
