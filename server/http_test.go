package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The connectivity probe works without a key, whatever form `variables` takes.
func TestHelloWithoutKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ts := startServer(t, serverConfig{dsn: e.dsn(t)})
		bodies := []string{
			`{"query": "query { hello }", "variables": "null"}`, // Prefect's client, exactly
			`{"query": "query { hello }", "variables": null}`,
			`{"query": "query { hello }", "variables": {}}`,
			`{"query": "query { hello }", "variables": "{}"}`,
			`{"query": "query { hello }", "variables": ""}`,
			`{"query": "query { hello }"}`,
			`{"query": "{ hello __typename }", "operationName": null, "extensions": {}}`,
		}
		for _, path := range []string{"/", "/graphql"} {
			for _, body := range bodies {
				r := ts.postRaw(t, path, "", []byte(body))
				if r.Status != http.StatusOK || len(r.Errors) > 0 {
					t.Fatalf("POST %s %s: status %d, errors %s", path, body, r.Status, r.errorText())
				}
				var hello string
				if err := json.Unmarshal(r.Data["hello"], &hello); err != nil || hello != "👋" {
					t.Fatalf("POST %s %s: hello = %s", path, body, r.Data["hello"])
				}
			}
		}
		r := ts.postRaw(t, "/", "", []byte(`{"query": "query { hello }", "variables": "null"}`))
		if got := string(r.Raw); got != `{"data":{"hello":"👋"}}` {
			t.Fatalf("body = %s, want Prefect Server's exact answer", got)
		}
	})
}

func TestAuthentication(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ts := startServer(t, serverConfig{dsn: e.dsn(t)})
		register := `mutation($input: register_agent_input!) {
    register_agent(input: $input) {
        id
    }
}`
		registerVars := `{"input": {"type": "LocalAgent", "name": "agent", "labels": ["dev"], "tenant_id": null, "agent_config_id": null}}`
		tests := []struct {
			name     string
			header   string // Authorization; "" sends none
			query    string
			vars     string
			wantAuth bool // the answer is an authentication error
			wantMsg  string
		}{
			{"no key, tenant", "", "query {\n    tenant {\n        id\n    }\n}", "null", true, "UNAUTHENTICATED"},
			{"no key, mutation", "", register, registerVars, true, "UNAUTHENTICATED"},
			{"no key, hello mixed with tenant", "", "query { hello tenant { id } }", "null", true, "UNAUTHENTICATED"},
			{"no key, protected field in a fragment", "", "query { ...F } fragment F on Query { hello secret_names }", "null", true, "UNAUTHENTICATED"},
			{"no key, skipped protected field", "", "query { hello secret_names @skip(if: true) }", "null", false, ""},
			{"no key, introspection", "", "query { __schema { queryType { name } } }", "null", false, ""},
			{"unknown key", "Bearer opk_not-a-key-that-exists-anywhere-at-all", "query { tenant { id } }", "null", true, "UNAUTHENTICATED"},
			{"unknown key, mutation", "Bearer opk_not-a-key-that-exists-anywhere-at-all", register, registerVars, true, "UNAUTHENTICATED"},
			{"malformed header", "Token abc", "query { hello }", "null", true, "Malformed Authorization header"},
			{"bearer without key", "Bearer ", "query { hello }", "null", true, "Malformed Authorization header"},
			{"valid key", "Bearer " + ts.key, "query { tenant { id } }", "null", false, ""},
			{"valid key, lower-case scheme", "bearer " + ts.key, "query { tenant { id } }", "null", false, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := countRows(t, ts)
				body, _ := json.Marshal(map[string]any{"query": tt.query, "variables": tt.vars})
				var hdr []string
				if tt.header != "" {
					hdr = []string{"Authorization", tt.header}
				}
				r := ts.postRaw(t, "/", "", body, hdr...)
				if r.Status != http.StatusOK {
					t.Fatalf("status %d, want 200 (Prefect's client reads authentication errors from the body)", r.Status)
				}
				if !tt.wantAuth {
					if len(r.Errors) > 0 {
						t.Fatalf("errors: %s", r.errorText())
					}
					return
				}
				if !strings.Contains(r.errorText(), tt.wantMsg) {
					t.Fatalf("errors %q do not contain %q", r.errorText(), tt.wantMsg)
				}
				if len(r.Data) > 0 {
					t.Fatalf("data returned although the request was refused: %s", r.Raw)
				}
				if after := countRows(t, ts); after != before {
					t.Fatalf("rows changed by a refused request: %+v -> %+v", before, after)
				}
			})
		}
	})
}

func TestHealthAndIndex(t *testing.T) {
	ts := startServer(t, serverConfig{dsn: engines[0].dsn(t)})
	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
	}{
		{"GET", "/health", 200, `{"status":"ok"}`},
		{"GET", "/", 200, "POST GraphQL requests"},
		{"GET", "/graphql", 405, ""},
		{"PUT", "/", 405, ""},
		{"GET", "/nope", 404, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, ts.baseURL()+tt.path, nil)
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
			t.Errorf("%s %s = %d %q, want %d containing %q", tt.method, tt.path, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
		}
	}
}

// Bad input of every kind gets a GraphQL-shaped error naming the problem, the right
// status, and changes nothing.
func TestBadInput(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ts := startServer(t, serverConfig{dsn: e.dsn(t)})
		run := createRun(t, ts, []string{"dev"})
		setStates := "mutation($input: set_flow_run_states_input!) {\n    set_flow_run_states(input: $input) {\n        states {\n            id\n            status\n            message\n        }\n    }\n}"
		body := func(query string, vars any) []byte {
			b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
			return b
		}
		stateVars := func(extra string) string {
			return `{"input": {"states": [{"state": {"type": "Submitted", "message": "x"}, "flow_run_id": "` + run + `", "version": 1` + extra + `}]}}`
		}
		huge := bytes.Repeat([]byte("a"), 6<<20)
		tests := []struct {
			name       string
			body       []byte
			wantStatus int
			wantMsg    string
		}{
			{"malformed JSON", []byte(`{"query": "query { hello }"`), 400, "not a valid GraphQL request"},
			{"not JSON at all", []byte(`query { hello }`), 400, "invalid JSON"},
			{"empty body", nil, 400, "empty"},
			{"two JSON values", []byte(`{"query": "query { hello }"} {"query": "query { hello }"}`), 400, "more than one JSON value"},
			{"JSON array", []byte(`[{"query": "query { hello }"}]`), 400, "not a valid GraphQL request"},
			{"unknown top-level field", []byte(`{"query": "query { hello }", "querry": "x"}`), 400, `unknown field "querry"`},
			{"query not a string", []byte(`{"query": 5}`), 400, `"query" must be a string`},
			{"no query", []byte(`{"variables": {}}`), 400, `no "query"`},
			{"variables string not JSON", body(setStates, `{"input": `), 400, "Variables are invalid JSON."},
			{"variables a list", []byte(`{"query": "query { hello }", "variables": [1]}`), 400, `"variables" must be a JSON object`},
			{"variables string holding a list", body(setStates, `[1]`), 400, `"variables" must be a JSON object`},
			{"parse error", body("mutation {", "null"), 400, "GRAPHQL_PARSE_FAILED"},
			{"unknown root field", body("query { nope }", "null"), 400, "GRAPHQL_VALIDATION_FAILED"},
			{"missing variable", body(setStates, "null"), 400, "must be defined"},
			{"unknown field in input object", body(setStates, stateVars(`, "bogus": 1`)), 400, "unknown field"},
			{"wrong type in variables", body(setStates, strings.Replace(stateVars(""), `"version": 1`, `"version": "one"`, 1)), 400, "version"},
			{"wrong type literal", body(`mutation { set_flow_run_name(input: {flow_run_id: "`+run+`", name: 5}) { success } }`, "null"), 400, "GRAPHQL_VALIDATION_FAILED"},
			{"invalid enum value", body("mutation($input: write_run_logs_input!) { write_run_logs(input: $input) { success } }",
				`{"input": {"logs": [{"flow_run_id": "`+run+`", "level": "LOUD", "message": "m"}]}}`), 400, "LOUD"},
			{"unsupported operator", body(`query { flow_run(where: {id: {_like: "0c8a%"}}) { id } }`, "null"), 400, "_like"},
			{"operator the backend does not implement", body(`query { flow_run(where: {state: {_iregex: "^Sch"}}) { id } }`, "null"), 200, "not supported"},
			{"body over 5 MB", body("query { hello }", string(huge)), 413, "5 MB"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := countRows(t, ts)
				r := ts.postRaw(t, "/", ts.key, tt.body)
				if r.Status != tt.wantStatus {
					t.Errorf("status %d, want %d; body %.300s", r.Status, tt.wantStatus, r.Raw)
				}
				if len(r.Errors) == 0 || !strings.Contains(r.errorText(), tt.wantMsg) {
					t.Errorf("errors %q do not contain %q", r.errorText(), tt.wantMsg)
				}
				if len(r.Data) > 0 {
					t.Errorf("data returned for bad input: %.300s", r.Raw)
				}
				if after := countRows(t, ts); after != before {
					t.Errorf("rows changed by bad input: %+v -> %+v", before, after)
				}
			})
		}
		// The server is still healthy after all of that.
		ts.mustGQL(t, "query { hello }", nil, nil)
	})
}

// Resolver errors are answered with 200, the failing field null, and their code kept
// (Prefect's client recognises a stale version by extensions.code).
func TestResolverErrorsKeepTheirCode(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ts := startServer(t, serverConfig{dsn: e.dsn(t)})
		run := createRun(t, ts, nil)
		claim := claimDoc(run, 1)
		if r := ts.postRaw(t, "/", ts.key, claim); len(r.Errors) > 0 {
			t.Fatalf("first claim: %s", r.errorText())
		}
		before := countRows(t, ts)
		r := ts.postRaw(t, "/", ts.key, claim) // stale version
		if r.Status != http.StatusOK {
			t.Fatalf("status %d, want 200", r.Status)
		}
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "VERSION_LOCKING_ERROR" {
			t.Fatalf("want one VERSION_LOCKING_ERROR, got %s", r.Raw)
		}
		if string(r.Data["set_flow_run_states"]) != "null" {
			t.Fatalf("failing field = %s, want null", r.Data["set_flow_run_states"])
		}
		if after := countRows(t, ts); after != before {
			t.Fatalf("a refused claim changed rows: %+v -> %+v", before, after)
		}
	})
}
