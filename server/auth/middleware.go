package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/lru"
	"go.uber.org/zap"

	"github.com/outposthq/outpost/server/store"
)

// MalformedHeader is the message for an Authorization header that is not
// `Bearer <key>`. Prefect's client recognises these words and raises its
// AuthorizationError, so they are kept verbatim.
const MalformedHeader = "Malformed Authorization header"

// KeyLookup finds a stored API key by its hash (store.ErrNotFound when there is none).
type KeyLookup interface {
	APIKeyByHash(ctx context.Context, hash []byte) (store.APIKey, error)
}

// Authenticator resolves the Authorization header of each request into an Identity.
// Positive lookups are cached for CacheTTL, so a busy agent costs one database lookup
// per TTL rather than one per request; unknown keys are never cached.
type Authenticator struct {
	keys  KeyLookup
	now   func() time.Time
	log   *zap.Logger
	ttl   time.Duration
	cache *lru.LRU[cachedIdentity]
}

type cachedIdentity struct {
	identity Identity
	expires  time.Time
}

// DefaultCacheTTL bounds how long a key stays accepted after it has been deleted.
const DefaultCacheTTL = 30 * time.Second

const cacheSize = 1024

// NewAuthenticator returns an Authenticator over keys. now is the clock (time.Now when
// nil); log may be nil.
func NewAuthenticator(keys KeyLookup, now func() time.Time, log *zap.Logger) *Authenticator {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &Authenticator{keys: keys, now: now, log: log, ttl: DefaultCacheTTL, cache: lru.New[cachedIdentity](cacheSize)}
}

// Middleware stores a Request (identity, agent id, core version) in each request's
// context. A request without a key, or with an unknown key, goes on with a nil
// Identity: deciding which operations need one is the GraphQL layer's job, because
// `query { hello }` must work without a key. A malformed header is refused here.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := Request{
			AgentID:     r.Header.Get("X-PREFECT-AGENT-ID"),
			CoreVersion: r.Header.Get("X-PREFECT-CORE-VERSION"),
		}
		if h := r.Header.Get("Authorization"); h != "" {
			key, ok := bearerKey(h)
			if !ok {
				writeError(w, http.StatusOK, "UNAUTHENTICATED", MalformedHeader+": expected `Authorization: Bearer <api key>`")
				return
			}
			id, err := a.lookup(r.Context(), key)
			if err != nil {
				// 503, so clients retry (Prefect's retries POSTs on 5xx) rather than
				// treat a database hiccup as a bad key.
				a.log.Error("API key lookup failed", zap.Error(err))
				writeError(w, http.StatusServiceUnavailable, "INTERNAL_SERVER_ERROR",
					"the API key could not be checked because the database is unavailable; try again")
				return
			}
			req.Identity = id
		}
		next.ServeHTTP(w, r.WithContext(WithRequest(r.Context(), req)))
	})
}

// bearerKey extracts the key from "Bearer <key>" (scheme case-insensitive, per RFC 7235).
func bearerKey(h string) (string, bool) {
	scheme, key, found := strings.Cut(strings.TrimSpace(h), " ")
	key = strings.TrimSpace(key)
	if !found || !strings.EqualFold(scheme, "Bearer") || key == "" || strings.ContainsAny(key, " \t") {
		return "", false
	}
	return key, true
}

// lookup returns the identity for key, or nil when no such key is stored.
func (a *Authenticator) lookup(ctx context.Context, key string) (*Identity, error) {
	hash := HashKey(key)
	cacheKey := string(hash)
	now := a.now()
	if c, ok := a.cache.Get(ctx, cacheKey); ok && now.Before(c.expires) {
		id := c.identity
		return &id, nil
	}
	k, err := a.keys.APIKeyByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up API key: %w", err)
	}
	id := Identity{TenantID: k.TenantID, KeyID: k.ID, KeyName: k.Name}
	a.cache.Add(ctx, cacheKey, cachedIdentity{identity: id, expires: now.Add(a.ttl)})
	return &id, nil
}

// writeError answers with a GraphQL-shaped error. Authentication errors use status 200:
// Prefect's client raises AuthorizationError only for a JSON body whose errors carry
// these words, while a 401 would surface as a bare HTTP error.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	body, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{
		"message":    msg,
		"extensions": map[string]any{"code": code},
	}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
