package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Example ids and values from the API reference.
const (
	exFlowRunID = "0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11"
	exTaskRunID = "5b1f0a7e-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
	exTaskID    = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
	exTenantID  = "3f0e7a8b-2c1d-4e5f-9a0b-1c2d3e4f5a6b"
	exFlowID    = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
	exAgentID   = "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6"
	exKey       = "pnu_s3cr3tKEYvalue0123456789abcdef"
)

// seen is one request as the fake backend received it.
type seen struct {
	Header    http.Header
	Query     string
	Variables string // the variables field, which must be a JSON string
}

// fakeBackend is a GraphQL endpoint on 127.0.0.1 that records what it receives and
// answers with respond (n counts requests from 0).
type fakeBackend struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newBackend(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, n int)) *fakeBackend {
	t.Helper()
	b := &fakeBackend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Query     string `json:"query"`
			Variables any    `json:"variables"`
		}
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("request body is not JSON: %v: %s", err, raw)
		}
		vars, ok := body.Variables.(string)
		if !ok {
			t.Errorf("variables must be sent as a JSON-encoded string, got %T", body.Variables)
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("want a JSON POST, got %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		b.mu.Lock()
		n := len(b.reqs)
		b.reqs = append(b.reqs, seen{Header: r.Header.Clone(), Query: body.Query, Variables: vars})
		b.mu.Unlock()
		respond(w, r, n)
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *fakeBackend) requests() []seen {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]seen(nil), b.reqs...)
}

// reply answers every request with a 200 JSON body.
func reply(body string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

// noWait makes retries immediate, so tests never wait real time.
func noWait(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 }

func newTestClient(t *testing.T, url string, tweak ...func(*Options)) *Client {
	t.Helper()
	opts := Options{URL: url, Backoff: noWait, Version: "test"}
	for _, f := range tweak {
		f(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// contractCase is one operation: what it must send and what it makes of the answer.
type contractCase struct {
	name     string
	call     func(context.Context, *Client) (any, error)
	query    string // the document that must be sent
	vars     string // the variables that must be sent, as JSON ("null" for none)
	response string
	want     any
}

func runContract(t *testing.T, cases []contractCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t, reply(tc.response))
			got, err := tc.call(context.Background(), newTestClient(t, b.URL))
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			reqs := b.requests()
			if len(reqs) != 1 {
				t.Fatalf("want 1 request, got %d", len(reqs))
			}
			if reqs[0].Query != tc.query {
				t.Errorf("sent document:\n%s\nwant:\n%s", reqs[0].Query, tc.query)
			}
			assertJSONEqual(t, "variables", reqs[0].Variables, tc.vars)
		})
	}
}

func assertJSONEqual(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: sent text is not JSON: %v: %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: test expectation is not JSON: %v", what, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func intPtr(i int) *int { return &i }
