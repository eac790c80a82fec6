package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/outposthq/outpost/server/auth"
	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/secretbox"
	"github.com/outposthq/outpost/server/store"
)

// t0 is the test clock's start: the agent's "now" in the reference documents.
var t0 = time.Date(2024, 5, 1, 12, 0, 10, 123456000, time.UTC)

// testProjectID and testProjectName are the project every env's tenant starts with.
const (
	testProjectID   = "7c6d5e4f-3a2b-4c1d-8e9f-0a1b2c3d4e5f"
	testProjectName = "etl-jobs"
)

// env is a GraphQL endpoint over a real SQLite store, called as the default tenant.
type env struct {
	t      *testing.T
	ctx    context.Context
	store  store.Store
	tenant store.Tenant
	client *client.Client

	mu       sync.Mutex
	now      time.Time
	notified []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), now: t0}
	s, err := store.Open(e.ctx, filepath.Join(t.TempDir(), "outpost.db"), store.WithClock(e.clock))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	e.store = s
	if e.tenant, err = s.DefaultTenant(e.ctx); err != nil {
		t.Fatalf("default tenant: %v", err)
	}
	if _, err := s.CreateProject(e.ctx, store.Project{ID: testProjectID, TenantID: e.tenant.ID, Name: testProjectName}); err != nil {
		t.Fatalf("create project: %v", err)
	}
	box, err := secretbox.New(bytes.Repeat([]byte{7}, secretbox.KeySize))
	if err != nil {
		t.Fatalf("secret box: %v", err)
	}
	r := &Resolver{Store: s, Cipher: box, Now: e.clock, Notify: e.notify}
	h := handler.New(NewExecutableSchema(r))
	h.AddTransport(transport.POST{})
	e.client = client.New(h)
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func (e *env) notify(tenantID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.notified = append(e.notified, tenantID)
}

func (e *env) notifications() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.notified)
}

// as sends the request as a caller with these request facts.
func as(req auth.Request) client.Option {
	return func(bd *client.Request) {
		bd.HTTP = bd.HTTP.WithContext(auth.WithRequest(bd.HTTP.Context(), req))
	}
}

// vars sets the variables from their JSON text, as Prefect's client sends them.
func vars(t *testing.T, text string) client.Option {
	var v map[string]any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("test variables are not JSON: %v\n%s", err, text)
	}
	return func(bd *client.Request) { bd.Variables = v }
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// result is a decoded GraphQL response.
type result struct {
	Data   json.RawMessage
	Errors []gqlError
	// HTTPErr is set when the handler refused the request (parse or validation error).
	HTTPErr error
}

// do runs a document as the default tenant (plus agent facts from opts).
func (e *env) do(query, variables string, opts ...client.Option) result {
	e.t.Helper()
	base := []client.Option{as(auth.Request{Identity: &auth.Identity{TenantID: e.tenant.ID}, CoreVersion: "1.4.1"})}
	if variables != "" {
		base = append(base, vars(e.t, variables))
	}
	resp, err := e.client.RawPost(query, append(base, opts...)...)
	if err != nil {
		return result{HTTPErr: err}
	}
	data, err := json.Marshal(resp.Data)
	if err != nil {
		e.t.Fatalf("re-encode data: %v", err)
	}
	var errs []gqlError
	if len(resp.Errors) > 0 {
		if err := json.Unmarshal(resp.Errors, &errs); err != nil {
			e.t.Fatalf("decode errors: %v: %s", err, resp.Errors)
		}
	}
	return result{Data: data, Errors: errs}
}

// ok runs a document that must succeed and decodes its data into out (may be nil).
func (e *env) ok(query, variables string, out any, opts ...client.Option) {
	e.t.Helper()
	res := e.do(query, variables, opts...)
	if res.HTTPErr != nil {
		e.t.Fatalf("request refused: %v\nquery: %s", res.HTTPErr, query)
	}
	if len(res.Errors) > 0 {
		e.t.Fatalf("unexpected errors: %+v\nquery: %s", res.Errors, query)
	}
	if out != nil {
		if err := json.Unmarshal(res.Data, out); err != nil {
			e.t.Fatalf("decode %s: %v", res.Data, err)
		}
	}
}

// fails runs a document that must fail with a resolver error containing want, and
// returns that error.
func (e *env) fails(query, variables, want string, opts ...client.Option) gqlError {
	e.t.Helper()
	res := e.do(query, variables, opts...)
	if res.HTTPErr != nil {
		e.t.Fatalf("request refused before resolving: %v", res.HTTPErr)
	}
	if len(res.Errors) == 0 {
		e.t.Fatalf("no error, want one containing %q; data: %s", want, res.Data)
	}
	if !strings.Contains(res.Errors[0].Message, want) {
		e.t.Fatalf("error %q does not contain %q", res.Errors[0].Message, want)
	}
	return res.Errors[0]
}

// createFlow registers a flow through create_flow and returns its id.
func (e *env) createFlow(serialized string) string {
	e.t.Helper()
	var out struct {
		CreateFlow struct{ ID string } `json:"create_flow"`
	}
	e.ok(`mutation($input: create_flow_input!) { create_flow(input: $input) { id } }`,
		`{"input": {"serialized_flow": `+serialized+`, "project_id": "`+testProjectID+`"}}`, &out)
	return out.CreateFlow.ID
}

// createRun schedules a run through create_flow_run with extra input keys (JSON object
// members, may be empty) and returns its id.
func (e *env) createRun(flowID, extra string) string {
	e.t.Helper()
	input := `{"flow_id": "` + flowID + `"`
	if extra != "" {
		input += ", " + extra
	}
	var out struct {
		CreateFlowRun struct{ ID string } `json:"create_flow_run"`
	}
	e.ok(docCreateFlowRun, `{"input": `+input+`}}`, &out)
	return out.CreateFlowRun.ID
}

// setFlowRunState sets a state through set_flow_run_states without a version.
func (e *env) setFlowRunState(runID, state string) {
	e.t.Helper()
	e.ok(docSetFlowRunStates, `{"input": {"states": [{"state": `+state+`, "flow_run_id": "`+runID+`", "version": null}]}}`, nil)
}

// run reads a flow run from the store.
func (e *env) run(id string) store.FlowRun {
	e.t.Helper()
	r, err := e.store.GetFlowRun(e.ctx, id)
	if err != nil {
		e.t.Fatalf("read flow run %s: %v", id, err)
	}
	return r
}

const nativeFlow = `{"name": "etl", "storage": {"type": "Script", "argv": ["true"]}, "run_config": {"type": "LocalRun", "labels": ["dev"]}, "core_version": "0.1.0", "parameters": {}, "environment": null}`

// state returns a serialized Prefect state of the given type.
func state(typ string, extra ...string) string {
	s := `{"type": "` + typ + `", "message": "` + typ + ` state.", "context": {}, "cached_inputs": {}, "_result": {"type": "NoResultType", "__version__": "1.4.1"}, "__version__": "1.4.1"`
	for _, x := range extra {
		s += ", " + x
	}
	return s + "}"
}

// taskRun gets or creates a task run through get_or_create_task_run_info (§3.14).
func (e *env) taskRun(runID, taskID string, mapIndex int) string {
	e.t.Helper()
	doc := withIDs(docGetOrCreateTaskRunInfo, exampleRunID, runID, exampleTaskID, taskID, "map_index: -1", fmt.Sprintf("map_index: %d", mapIndex))
	var out struct {
		Info struct{ ID string } `json:"get_or_create_task_run_info"`
	}
	e.ok(doc, "", &out)
	return out.Info.ID
}

// setTaskRunState sets a task run state through set_task_run_states without a version.
func (e *env) setTaskRunState(taskRunID, state string) {
	e.t.Helper()
	e.ok(docSetTaskRunStates, `{"input": {"states": [{"state": `+state+`, "task_run_id": "`+taskRunID+`", "version": null}]}}`, nil)
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("not JSON: %s", a)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return reflect.DeepEqual(va, vb)
}

// asAgent calls as the default tenant's agent with this id (X-PREFECT-AGENT-ID).
func asAgent(e *env, agentID string) client.Option {
	return as(auth.Request{Identity: &auth.Identity{TenantID: e.tenant.ID}, AgentID: agentID, CoreVersion: "1.4.1"})
}

// asTenant is a context carrying the default tenant, for calling resolvers directly.
func asTenant(e *env) context.Context {
	return auth.WithRequest(e.ctx, auth.Request{Identity: &auth.Identity{TenantID: e.tenant.ID}})
}

func modelSetSecret(name, value string) model.SetSecretInput {
	return model.SetSecretInput{Name: name, Value: json.RawMessage(value)}
}
