package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/outposthq/outpost/server/auth"
)

func TestNormaliseVariables(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    map[string]any
		wantMsg string
	}{
		{"absent", ``, nil, ""},
		{"null", `null`, nil, ""},
		{"object", `{"a": 1}`, map[string]any{"a": json.Number("1")}, ""},
		{"string null", `"null"`, nil, ""},
		{"empty string", `""`, nil, ""},
		{"string object", `"{\"a\": {\"b\": [1, 2]}}"`, map[string]any{"a": map[string]any{"b": []any{json.Number("1"), json.Number("2")}}}, ""},
		{"big integer kept exact", `"{\"n\": 9007199254740993}"`, map[string]any{"n": json.Number("9007199254740993")}, ""},
		{"string not JSON", `"{\"a\": "`, nil, "Variables are invalid JSON."},
		{"string holding a list", `"[1]"`, nil, "must be a JSON object"},
		{"string holding a number", `"5"`, nil, "must be a JSON object"},
		{"list", `[1]`, nil, "must be a JSON object"},
		{"bool", `true`, nil, "must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := normaliseVariables(json.RawMessage(tt.raw))
			if msg != "" || tt.wantMsg != "" {
				if !strings.Contains(msg, tt.wantMsg) || tt.wantMsg == "" {
					t.Fatalf("message %q, want %q", msg, tt.wantMsg)
				}
				return
			}
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(tt.want)
			if string(a) != string(b) {
				t.Fatalf("got %s, want %s", a, b)
			}
		})
	}
}

func TestRecoverPanicHidesInternals(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	err := recoverPanic(zap.New(core))(context.Background(), errors.New("pq: relation flow_run at 0xc000123 exploded"))
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) || strings.Contains(gqlErr.Message, "exploded") || gqlErr.Extensions["code"] != "INTERNAL_SERVER_ERROR" {
		t.Fatalf("recovered error = %#v", err)
	}
	if logs.Len() != 1 || !strings.Contains(logs.All()[0].ContextMap()["panic"].(string), "exploded") {
		t.Fatal("the panic was not logged")
	}
}

// A panic while executing becomes a GraphQL error over HTTP that reveals nothing of
// the panic; the details go to the log.
func TestPanicOverHTTP(t *testing.T) {
	schema := &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema {
			return gqlparser.MustLoadSchema(&ast.Source{Input: "type Query { boom: String }"})
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			panic("internal detail: password=hunter2 at 0xc000123")
		},
	}
	core, logs := observer.New(zap.DebugLevel)
	h := newGraphQLHandler(schema, zap.New(core))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.WithRequest(r.Context(), auth.Request{Identity: &auth.Identity{TenantID: "t"}})))
	}))
	defer srv.Close()

	resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(`{"query": "query { boom }", "variables": "null"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(body, &out); err != nil || len(out.Errors) != 1 {
		t.Fatalf("status %d, body %s: want one GraphQL error", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "hunter2") || strings.Contains(string(body), "0xc000123") || out.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" {
		t.Fatalf("panic answer leaks internals or lacks a code: %s", body)
	}
	if logs.FilterMessage("panic while serving a GraphQL request").Len() != 1 {
		t.Fatal("the panic was not logged")
	}
}

func TestPresentErrorAddsCode(t *testing.T) {
	ctx := context.Background()
	if e := presentError(ctx, errors.New("boom")); e.Extensions["code"] != "INTERNAL_SERVER_ERROR" {
		t.Fatalf("plain error code = %v", e.Extensions["code"])
	}
	kept := &gqlerror.Error{Message: "stale", Extensions: map[string]any{"code": "VERSION_LOCKING_ERROR"}}
	if e := presentError(ctx, kept); e.Extensions["code"] != "VERSION_LOCKING_ERROR" {
		t.Fatalf("resolver code replaced: %v", e.Extensions["code"])
	}
}

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/home/u/.prefect/outpost.db", "/home/u/.prefect/outpost.db"},
		{"postgres://outpost:s3cret@db:5432/outpost?sslmode=disable", "postgres://outpost:xxxxx@db:5432/outpost?sslmode=disable"},
		{"postgresql://db/outpost?password=s3cret&user=o", "postgresql://db/outpost?password=xxxxx&user=o"},
		{"postgres://db:5432/outpost", "postgres://db:5432/outpost"},
	}
	for _, tt := range tests {
		if got := redactDSN(tt.in); got != tt.want || strings.Contains(got, "s3cret") {
			t.Errorf("redactDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestURLs(t *testing.T) {
	tests := []struct {
		host    string
		port    int
		wantURL string
		aliases []string
	}{
		{"127.0.0.1", 4200, "http://127.0.0.1:4200", []string{"http://127.0.0.1:4200", "http://localhost:4200"}},
		{"localhost", 4200, "http://localhost:4200", []string{"http://localhost:4200", "http://127.0.0.1:4200"}},
		{"0.0.0.0", 4200, "http://localhost:4200", []string{"http://localhost:4200", "http://127.0.0.1:4200"}},
		{"::", 8080, "http://localhost:8080", []string{"http://localhost:8080", "http://127.0.0.1:8080"}},
		{"10.1.2.3", 4200, "http://10.1.2.3:4200", []string{"http://10.1.2.3:4200"}},
		{"::1", 4200, "http://[::1]:4200", []string{"http://[::1]:4200"}},
	}
	for _, tt := range tests {
		u := serverURL(tt.host, tt.port)
		if u != tt.wantURL {
			t.Errorf("serverURL(%q, %d) = %q, want %q", tt.host, tt.port, u, tt.wantURL)
		}
		if got := clientURLs(u); !slices.Equal(got, tt.aliases) {
			t.Errorf("clientURLs(%q) = %q, want %q", u, got, tt.aliases)
		}
	}
}
