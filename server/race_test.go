package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/outposthq/outpost/server/store"
)

// Four agents race to claim the same 1,000 runs over HTTP, each with the version it
// read: every run is claimed exactly once.
func TestConcurrentClaimsOverHTTP(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ts := startServer(t, serverConfig{dsn: e.dsn(t)})
		const nRuns, nClients = 1000, 4
		flow := createFlow(t, ts)
		runs := make([]string, nRuns)
		for i := range runs {
			r, err := ts.store.CreateFlowRun(t.Context(), store.FlowRun{TenantID: ts.tenant.ID, FlowID: flow.ID})
			if err != nil {
				t.Fatal(err)
			}
			runs[i] = r.ID
		}

		versions := readVersions(t, ts, runs) // every client read the runs before any claim
		var mu sync.Mutex
		claims := map[string]int{}
		var wg sync.WaitGroup
		for c := range nClients {
			wg.Go(func() {
				for i := range runs {
					run := runs[(i+c*nRuns/nClients)%nRuns] // each client starts elsewhere, then they collide
					r, err := ts.send("/", ts.key, claimDoc(run, versions[run]))
					if err != nil {
						t.Error(err)
						return
					}
					if len(r.Errors) == 0 {
						mu.Lock()
						claims[run]++
						mu.Unlock()
						continue
					}
					if msg := r.errorText(); !strings.Contains(msg, "VERSION_LOCKING_ERROR") && !strings.Contains(msg, "already been submitted") {
						t.Errorf("claim %s: unexpected error %s", run, msg)
						return
					}
				}
			})
		}
		wg.Wait()

		for _, run := range runs {
			if claims[run] != 1 {
				t.Fatalf("run %s claimed %d times, want exactly once", run, claims[run])
			}
		}
		for _, run := range runs[:50] {
			states, err := ts.store.FlowRunStates(t.Context(), run)
			if err != nil {
				t.Fatal(err)
			}
			submitted := 0
			for _, s := range states {
				if s.Type == "Submitted" {
					submitted++
				}
			}
			if submitted != 1 {
				t.Fatalf("run %s has %d Submitted states in its history, want 1", run, submitted)
			}
		}
	})
}

// readVersions reads every run's version, in one query per 200 ids, as an agent does.
func readVersions(t *testing.T, ts *testServer, runs []string) map[string]int {
	t.Helper()
	versions := make(map[string]int, len(runs))
	for start := 0; start < len(runs); start += 200 {
		ids, _ := json.Marshal(runs[start:min(start+200, len(runs))])
		query := fmt.Sprintf("query {\n    flow_run(where: { id: { _in: %s } }) {\n        id\n        version\n    }\n}", ids)
		var out struct {
			FlowRun []struct {
				ID      string
				Version int
			} `json:"flow_run"`
		}
		ts.mustGQL(t, query, nil, &out)
		for _, r := range out.FlowRun {
			versions[r.ID] = r.Version
		}
	}
	if len(versions) != len(runs) {
		t.Fatalf("read %d versions for %d runs", len(versions), len(runs))
	}
	return versions
}
