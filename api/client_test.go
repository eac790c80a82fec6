package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/outposthq/outpost/secrets"
)

func TestNewChecksOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		text string // "" means valid
	}{
		{"empty URL", Options{}, "http(s) URL"},
		{"no scheme", Options{URL: "localhost:4200"}, "http(s) URL"},
		{"other scheme", Options{URL: "ftp://localhost:4200"}, "http(s) URL"},
		{"no host", Options{URL: "http://"}, "http(s) URL"},
		{"key is not a string", Options{URL: "http://127.0.0.1:4200", Key: secrets.NewValue(42)}, "must be a string"},
		{"key with a line break", Options{URL: "http://127.0.0.1:4200", Key: secrets.NewValue(exKey + "\n")}, "line break"},
		{"valid without key", Options{URL: "http://127.0.0.1:4200"}, ""},
		{"valid with key", Options{URL: "https://api.example.com/graphql/", Key: secrets.NewValue(exKey)}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.opts)
			if tc.text == "" {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %v does not say %q", err, tc.text)
			}
			if strings.Contains(err.Error(), exKey) {
				t.Errorf("error holds the key: %v", err)
			}
		})
	}
}

func TestClientURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://localhost:4200/", "http://localhost:4200"},
		{"http://localhost:4200/graphql/", "http://localhost:4200/graphql"},
		{"https://user:pw@api.example.com", "https://user:xxxxx@api.example.com"},
	}
	for _, tc := range tests {
		c, err := New(Options{URL: tc.in})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.URL(); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDefaultTimeoutIsPrefects(t *testing.T) {
	c, err := New(Options{URL: "http://127.0.0.1:4200"})
	if err != nil {
		t.Fatal(err)
	}
	if c.http.HTTPClient.Timeout != 15*time.Second || c.http.RetryMax != DefaultRetryMax {
		t.Errorf("timeout %v, retries %d", c.http.HTTPClient.Timeout, c.http.RetryMax)
	}
}

func TestClientContractHeaders(t *testing.T) {
	tests := []struct {
		name   string
		opts   func(*Options)
		client func(*Client) *Client
		want   map[string]string // "" means the header must be absent
	}{
		{
			name: "no key: no credentials, even with a tenant",
			opts: func(o *Options) { o.TenantID = exTenantID },
			want: map[string]string{"Authorization": "", "X-PREFECT-TENANT-ID": "", "X-PREFECT-AGENT-ID": ""},
		},
		{
			name: "key without tenant",
			opts: func(o *Options) { o.Key = secrets.NewValue(exKey) },
			want: map[string]string{"Authorization": "Bearer " + exKey, "X-PREFECT-TENANT-ID": ""},
		},
		{
			name: "key and tenant",
			opts: func(o *Options) { o.Key = secrets.NewValue(exKey); o.TenantID = exTenantID },
			want: map[string]string{"Authorization": "Bearer " + exKey, "X-PREFECT-TENANT-ID": exTenantID},
		},
		{
			name:   "tenant set later",
			opts:   func(o *Options) { o.Key = secrets.NewValue(exKey) },
			client: func(c *Client) *Client { return c.WithTenantID(exTenantID) },
			want:   map[string]string{"X-PREFECT-TENANT-ID": exTenantID},
		},
		{
			name: "empty key is no key",
			opts: func(o *Options) { o.Key = secrets.NewValue(""); o.TenantID = exTenantID },
			want: map[string]string{"Authorization": "", "X-PREFECT-TENANT-ID": ""},
		},
		{
			name:   "registered agent",
			client: func(c *Client) *Client { return c.WithAgentID(exAgentID) },
			want:   map[string]string{"X-PREFECT-AGENT-ID": exAgentID},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t, reply(`{"data":{"hello":"hi"}}`))
			tweaks := []func(*Options){}
			if tc.opts != nil {
				tweaks = append(tweaks, tc.opts)
			}
			c := newTestClient(t, b.URL, tweaks...)
			if tc.client != nil {
				c = tc.client(c)
			}
			if _, err := c.Hello(context.Background()); err != nil {
				t.Fatal(err)
			}
			h := b.requests()[0].Header
			always := map[string]string{
				"Content-Type":           "application/json",
				"X-PREFECT-CORE-VERSION": CoreVersion,
				"User-Agent":             "outpost/test",
			}
			for _, want := range []map[string]string{always, tc.want} {
				for name, value := range want {
					if got := h.Get(name); got != value {
						t.Errorf("%s = %q, want %q", name, got, value)
					}
				}
			}
		})
	}
}

// WithAgentID returns a copy: the client it came from keeps not sending the header.
func TestWithAgentIDLeavesOriginalAlone(t *testing.T) {
	b := newBackend(t, reply(`{"data":{"hello":"hi"}}`))
	c := newTestClient(t, b.URL)
	_ = c.WithAgentID(exAgentID)
	if _, err := c.Hello(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := b.requests()[0].Header.Get("X-PREFECT-AGENT-ID"); got != "" {
		t.Errorf("original client sent agent id %q", got)
	}
}

func TestClientContractErrorMapping(t *testing.T) {
	gql := func(msg, code string) string {
		return `{"errors":[{"message":"` + msg + `","locations":[{"line":2,"column":5}],"path":["set_flow_run_states"],"extensions":{"code":"` + code + `"}}],"data":{"set_flow_run_states":null}}`
	}
	tests := []struct {
		name      string
		status    int
		body      string
		is        []error // errors.Is must hold
		isNot     []error // errors.Is must not hold
		graphQL   bool    // errors.As *GraphQLError
		transport bool    // errors.As *TransportError
		text      []string
	}{
		{
			name: "version lock", status: 200, body: gql("Version lock mismatch", "VERSION_LOCKING_ERROR"),
			is: []error{ErrVersionLock}, isNot: []error{ErrAlreadySubmitted, ErrUnauthenticated}, graphQL: true,
			text: []string{"VERSION_LOCKING_ERROR"},
		},
		{
			name: "version lock only counts as the first error", status: 200,
			body:  `{"errors":[{"message":"other"},{"message":"lock","extensions":{"code":"VERSION_LOCKING_ERROR"}}]}`,
			isNot: []error{ErrVersionLock}, graphQL: true,
		},
		{
			name: "already submitted", status: 200, body: gql("State update failed: this run has already been submitted.", "INTERNAL_SERVER_ERROR"),
			is: []error{ErrAlreadySubmitted}, isNot: []error{ErrVersionLock, ErrNotFound}, graphQL: true,
			text: []string{"already been submitted"},
		},
		{
			name: "unauthenticated code", status: 200, body: gql("Unauthenticated", "UNAUTHENTICATED"),
			is: []error{ErrUnauthenticated}, graphQL: true, text: []string{"API key"},
		},
		{
			name: "malformed authorization header", status: 200, body: gql("Malformed Authorization header", "INTERNAL_SERVER_ERROR"),
			is: []error{ErrUnauthenticated}, graphQL: true,
		},
		{
			name: "401 without a body", status: 401, body: "",
			is: []error{ErrUnauthenticated}, transport: true, text: []string{"HTTP 401", "check the API key"},
		},
		{
			name: "403 with GraphQL errors", status: 403, body: `{"errors":[{"message":"Forbidden"}]}`,
			is: []error{ErrUnauthenticated}, graphQL: true, text: []string{"HTTP 403", "Forbidden"},
		},
		{
			name: "400 validation error", status: 400,
			body:  `{"errors":[{"message":"Cannot query field \"nope\" on type \"Query\".","locations":[{"line":1,"column":9}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`,
			isNot: []error{ErrUnauthenticated, ErrVersionLock}, graphQL: true,
			text: []string{"GRAPHQL_VALIDATION_FAILED", "Cannot query field \"nope\"", "HTTP 400"},
		},
		{
			name: "400 that is not GraphQL", status: 400, body: "Variables are invalid JSON.",
			transport: true, text: []string{"HTTP 400", "Variables are invalid JSON."},
		},
		{
			name: "non-JSON body", status: 200, body: "<html>gateway</html>",
			is: []error{ErrMalformedResponse}, text: []string{"malformed response received from http://127.0.0.1:"},
		},
		{
			name: "neither data nor errors", status: 200, body: `{"data":null}`,
			is: []error{ErrMalformedResponse},
		},
		{
			name: "data of the wrong shape", status: 200, body: `{"data":{"hello":{"x":1}}}`,
			is: []error{ErrMalformedResponse}, text: []string{"unexpected data"},
		},
		{
			name: "404", status: 404, body: "Cannot POST /nope",
			transport: true, isNot: []error{ErrNotFound, ErrUnauthenticated}, text: []string{"HTTP 404", "Cannot POST /nope"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			_, err := newTestClient(t, b.URL).Hello(context.Background())
			if err == nil {
				t.Fatal("want an error")
			}
			for _, target := range tc.is {
				if !errors.Is(err, target) {
					t.Errorf("error %q is not %q", err, target)
				}
			}
			for _, target := range tc.isNot {
				if errors.Is(err, target) {
					t.Errorf("error %q must not be %q", err, target)
				}
			}
			var gerr *GraphQLError
			if errors.As(err, &gerr) != tc.graphQL {
				t.Errorf("errors.As(*GraphQLError) = %v, want %v: %v", !tc.graphQL, tc.graphQL, err)
			}
			var terr *TransportError
			if errors.As(err, &terr) != tc.transport {
				t.Errorf("errors.As(*TransportError) = %v, want %v: %v", !tc.transport, tc.transport, err)
			}
			if tc.transport && (terr.URL != b.URL || !strings.Contains(err.Error(), b.URL)) {
				t.Errorf("transport error does not name %s: %v", b.URL, err)
			}
			for _, text := range tc.text {
				if !strings.Contains(err.Error(), text) {
					t.Errorf("error %q does not say %q", err, text)
				}
			}
			if n := len(b.requests()); n != 1 {
				t.Errorf("sent %d requests, want 1 (not retried)", n)
			}
		})
	}
}

func TestGraphQLErrorCodes(t *testing.T) {
	b := newBackend(t, reply(`{"errors":[{"message":"a","extensions":{"code":"X"}},{"message":"b"}],"data":null}`))
	_, err := newTestClient(t, b.URL).Hello(context.Background())
	var gerr *GraphQLError
	if !errors.As(err, &gerr) {
		t.Fatalf("not a GraphQLError: %v", err)
	}
	if strings.Join(gerr.Messages, ",") != "a,b" || strings.Join(gerr.Codes, ",") != "X," || gerr.StatusCode != 200 {
		t.Errorf("got %+v", gerr)
	}
}
