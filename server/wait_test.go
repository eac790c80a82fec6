package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// waitGET calls the run-wait long poll and returns the status and the sequence.
func waitGET(ts *testServer, key, query string) (int, uint64, error) {
	req, err := http.NewRequest(http.MethodGet, ts.baseURL()+waitPath+"?"+query, nil)
	if err != nil {
		return 0, 0, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Seq uint64 `json:"seq"`
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return resp.StatusCode, 0, fmt.Errorf("decode: %w", err)
		}
	}
	return resp.StatusCode, body.Seq, nil
}

func TestRunWaitLongPoll(t *testing.T) {
	ts := startServer(t, serverConfig{dsn: filepath.Join(t.TempDir(), "outpost.db")})
	flow := createFlow(t, ts) // a flow, no run yet

	// Nothing happened since 0: the wait times out and returns the same sequence.
	if status, seq, err := waitGET(ts, ts.key, "since=0&timeout=50ms"); err != nil || status != 200 || seq != 0 {
		t.Fatalf("idle wait = %d, %d, %v; want 200, 0", status, seq, err)
	}

	// A waiter is released by create_flow_run, long before its timeout.
	type answer struct {
		status int
		seq    uint64
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		status, seq, err := waitGET(ts, ts.key, "since=0&timeout=60s")
		got <- answer{status, seq, err}
	}()
	// The run may be created before the waiter arrives; both orders must answer at once.
	var created struct {
		CreateFlowRun struct{ ID string } `json:"create_flow_run"`
	}
	ts.mustGQL(t, `mutation($input: create_flow_run_input!) { create_flow_run(input: $input) { id } }`,
		map[string]any{"input": map[string]any{"flow_id": flow.ID}}, &created)
	select {
	case a := <-got:
		if a.err != nil || a.status != 200 || a.seq == 0 {
			t.Fatalf("wait across create_flow_run = %d, %d, %v; want 200 and a new sequence", a.status, a.seq, a.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("create_flow_run did not release the waiting agent")
	}

	// An out-of-date since answers at once.
	if status, seq, err := waitGET(ts, ts.key, "since=0&timeout=60s"); err != nil || status != 200 || seq == 0 {
		t.Fatalf("stale since = %d, %d, %v", status, seq, err)
	}

	bad := []struct {
		name, key, query string
		want             int
	}{
		{"no key", "", "since=0", http.StatusUnauthorized},
		{"wrong key", "opk_wrongwrongwrongwrongwrongwrongwrongwrong", "since=0", http.StatusUnauthorized},
		{"since not a number", ts.key, "since=abc", http.StatusBadRequest},
		{"negative since", ts.key, "since=-1", http.StatusBadRequest},
		{"timeout not a duration", ts.key, "since=0&timeout=soon", http.StatusBadRequest},
		{"zero timeout", ts.key, "since=0&timeout=0s", http.StatusBadRequest},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			status, _, err := waitGET(ts, tc.key, tc.query)
			if err != nil || status != tc.want {
				t.Errorf("status %d, %v; want %d", status, err, tc.want)
			}
		})
	}
}
