package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outposthq/outpost/api"
)

// raceDeadline bounds creating and finishing all the runs of the race: a guard against
// hanging on a machine shared with other work, not a performance target.
const raceDeadline = 3 * time.Minute

// TestAgentsRaceOverRuns has two agents of one backend share many runs created at once:
// every run succeeds and was launched exactly once. Each launch appends the run's id to
// one file (O_APPEND, one short write), so a run launched twice shows as a repeated line.
func TestAgentsRaceOverRuns(t *testing.T) {
	t.Parallel()
	const runs = 500
	s := startServer(t)
	launches := filepath.Join(t.TempDir(), "launches")
	s.outpost(t, "flow", "register", "--name", "trivial", "--script",
		`sh -c 'echo "$PREFECT__CONTEXT__FLOW_RUN_ID" >> "$LAUNCHES"'`, "--env", "LAUNCHES="+launches)
	// A bound on each agent keeps 500 processes from starting at once on a small machine;
	// the runs one agent leaves are there for the other to take.
	agents := []*agentProc{startAgent(t, s, nil, "--concurrency", "8"), startAgent(t, s, nil, "--concurrency", "8")}

	ctx, cancel := context.WithTimeout(context.Background(), raceDeadline)
	defer cancel()
	client := s.client(t)
	flow, err := client.FlowByName(ctx, "trivial")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	created := createRuns(ctx, t, client, flow.ID, runs)
	t.Logf("%d runs created in %s", runs, time.Since(start).Round(time.Millisecond))

	states := waitAllFinished(ctx, t, client, created)
	t.Logf("%d runs finished %s after the first was created", runs, time.Since(start).Round(time.Millisecond))
	for id, state := range states {
		if state != "Success" {
			t.Errorf("run %s ended %s, want Success", id, state)
		}
	}
	for i, a := range agents {
		a.stop(t)
		t.Logf("agent %d deployed %d runs", i+1, strings.Count(a.stderr.String(), "Completed deployment of flow run"))
	}

	raw, err := os.ReadFile(launches)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, id := range strings.Fields(string(raw)) {
		seen[id]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("run %s was launched %d times", id, n)
		}
		if _, ok := created[id]; !ok {
			t.Errorf("a launch for %q, which is not one of the runs created", id)
		}
	}
	if len(seen) != runs {
		t.Errorf("%d distinct runs were launched, want %d", len(seen), runs)
	}
	s.stop(t)
}

// createRuns creates n runs of the flow at once, from several connections, and returns
// their ids.
func createRuns(ctx context.Context, t *testing.T, client *api.Client, flowID string, n int) map[string]bool {
	t.Helper()
	const workers = 16
	ids := make(chan string, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				id, err := client.CreateFlowRun(ctx, api.CreateFlowRunInput{FlowID: flowID})
				if err != nil {
					errs <- err
					continue
				}
				ids <- id
			}
		})
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Fatalf("creating runs: %v", err)
	}
	created := make(map[string]bool, n)
	for id := range ids {
		created[id] = true
	}
	if len(created) != n {
		t.Fatalf("%d distinct runs were created, want %d", len(created), n)
	}
	return created
}

// waitAllFinished polls until every run in ids is finished and returns their states.
func waitAllFinished(ctx context.Context, t *testing.T, client *api.Client, ids map[string]bool) map[string]string {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		all, err := client.ListFlowRuns(ctx, 0)
		states := map[string]string{}
		finished := 0
		for _, r := range all {
			if ids[r.ID] {
				states[r.ID] = r.State
				if api.IsFinished(r.State) {
					finished++
				}
			}
		}
		if err == nil && finished == len(ids) {
			return states
		}
		select {
		case <-ctx.Done():
			t.Fatalf("only %d of %d runs finished within %s (last error: %v)", finished, len(ids), raceDeadline, err)
		case <-tick.C:
		}
	}
}
