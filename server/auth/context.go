// Package auth carries who is calling the embedded backend through a request's context:
// the HTTP layer authenticates the API key and stores an Identity; resolvers read it.
package auth

import "context"

// Identity is an authenticated caller.
type Identity struct {
	TenantID string
	KeyID    string
	KeyName  string
}

// Request holds what the HTTP layer learned from a request's headers.
type Request struct {
	Identity    *Identity // nil: no valid API key was presented
	AgentID     string    // X-PREFECT-AGENT-ID
	CoreVersion string    // X-PREFECT-CORE-VERSION
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// FromContext returns the request facts stored by WithRequest (zero Request if none).
func FromContext(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}
