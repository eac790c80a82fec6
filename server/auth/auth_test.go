package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outposthq/outpost/server/store"
)

func openStore(t *testing.T) (store.Store, store.Tenant) {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "outpost.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tenant, err := st.DefaultTenant(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return st, tenant
}

func TestGenerateKey(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k, err := GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(k, KeyPrefix) || len(k) != len(KeyPrefix)+43 {
			t.Fatalf("key %q: want %s and 43 base64url characters", k, KeyPrefix)
		}
		if _, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(k, KeyPrefix)); err != nil {
			t.Fatalf("key %q is not base64url: %v", k, err)
		}
		if seen[k] {
			t.Fatal("duplicate key")
		}
		seen[k] = true
	}
}

func TestHashKey(t *testing.T) {
	a, b := HashKey("opk_one"), HashKey("opk_two")
	if len(a) != 32 || string(a) == string(b) || string(a) != string(HashKey("opk_one")) {
		t.Fatal("HashKey is not a stable 32-byte digest that tells keys apart")
	}
}

func TestEnsureAdminKey(t *testing.T) {
	ctx := t.Context()
	st, tenant := openStore(t)

	// Generated: returned once, stored hashed.
	plain, created, err := EnsureAdminKey(ctx, st, tenant.ID, "")
	if err != nil || !created || !strings.HasPrefix(plain, KeyPrefix) {
		t.Fatalf("generate = %q, %v, %v", plain, created, err)
	}
	k, err := st.APIKeyByHash(ctx, HashKey(plain))
	if err != nil || k.TenantID != tenant.ID || k.Name != AdminKeyName {
		t.Fatalf("generated key lookup = %+v, %v", k, err)
	}

	// Given: stored once, accepted again without error or duplicate.
	given := "  operator-chosen-admin-key-0123456789  "
	for range 2 {
		plain, created, err = EnsureAdminKey(ctx, st, tenant.ID, given)
		if err != nil || created || plain != strings.TrimSpace(given) {
			t.Fatalf("given = %q, %v, %v", plain, created, err)
		}
	}
	if _, err := st.APIKeyByHash(ctx, HashKey(strings.TrimSpace(given))); err != nil {
		t.Fatalf("given key not stored: %v", err)
	}

	// Too short: refused, without echoing it.
	_, _, err = EnsureAdminKey(ctx, st, tenant.ID, "hunter2")
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "at least") {
		t.Fatalf("short key: %v", err)
	}
}

// settableClock is a clock the test moves.
type settableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *settableClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestMiddleware(t *testing.T) {
	st, tenant := openStore(t)
	key, _, err := EnsureAdminKey(t.Context(), st, tenant.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	clock := &settableClock{now: time.Unix(1_700_000_000, 0)}
	a := NewAuthenticator(st, clock.Now, nil)
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(FromContext(r.Context()))
	})))
	defer srv.Close()

	call := func(t *testing.T, auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL, nil)
		req.Header.Set("X-PREFECT-AGENT-ID", "agent-1")
		req.Header.Set("X-PREFECT-CORE-VERSION", "1.4.1")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	tests := []struct {
		name, auth string
		wantStatus int
		want       []string // substrings of the body
	}{
		{"no header", "", 200, []string{`"Identity":null`, `"AgentID":"agent-1"`, `"CoreVersion":"1.4.1"`}},
		{"valid key", "Bearer " + key, 200, []string{`"TenantID":"` + tenant.ID + `"`, `"KeyName":"admin"`, `"AgentID":"agent-1"`}},
		{"scheme in other case", "BEARER " + key, 200, []string{`"TenantID":"` + tenant.ID + `"`}},
		{"unknown key", "Bearer opk_unknown-key-unknown-key-unknown-key", 200, []string{`"Identity":null`}},
		{"basic auth", "Basic dXNlcjpwYXNz", 200, []string{MalformedHeader, "UNAUTHENTICATED"}},
		{"bearer alone", "Bearer", 200, []string{MalformedHeader}},
		{"two tokens", "Bearer a b", 200, []string{MalformedHeader}},
		{"no space", "Bearer" + key, 200, []string{MalformedHeader}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, tt.auth)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d", status, tt.wantStatus)
			}
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Fatalf("body %s does not contain %s", body, s)
				}
			}
			if strings.Contains(body, key) {
				t.Fatal("the response echoes the key")
			}
		})
	}

	// A recent lookup is served from the cache even if the database is gone; once it
	// expires, the failed lookup is a 503 so clients retry, not an auth error.
	call(t, "Bearer "+key)
	st.Close()
	if status, body := call(t, "Bearer "+key); status != 200 || !strings.Contains(body, tenant.ID) {
		t.Fatalf("cached key: %d %s", status, body)
	}
	clock.Advance(DefaultCacheTTL + time.Second)
	status, body := call(t, "Bearer "+key)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "database is unavailable") {
		t.Fatalf("lookup with the database closed: %d %s", status, body)
	}
}

func TestContextRoundTrip(t *testing.T) {
	r := Request{Identity: &Identity{TenantID: "t"}, AgentID: "a"}
	if got := FromContext(WithRequest(context.Background(), r)); got.Identity.TenantID != "t" || got.AgentID != "a" {
		t.Fatalf("FromContext = %+v", got)
	}
	if got := FromContext(context.Background()); got.Identity != nil {
		t.Fatal("empty context has an identity")
	}
}
