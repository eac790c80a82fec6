package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// testClaimRace has several handles (separate connection pools, as separate agents or
// processes would have) claim the same runs at once, each with the version it read. Every
// run must be claimed exactly once, and every losing attempt must fail with one of the two
// errors an agent treats as "someone else has it".
func testClaimRace(t *testing.T, dsn newDSN) {
	const runs, claimers = 1000, 8
	e := newEnv(t, dsn)
	ids := make([]string, runs)
	for i := range ids {
		ids[i] = e.run(t, FlowRun{Name: fmt.Sprint("race-", i)}).ID
	}
	handles := make([]Store, claimers)
	for i := range handles {
		handles[i] = openStore(t, e.dsn)
	}
	wins := make([][]int, claimers)
	unexpected := make([]error, claimers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for c, h := range handles {
		wins[c] = make([]int, runs)
		wg.Go(func() {
			<-start
			for i, id := range ids {
				r, err := h.GetFlowRun(t.Context(), id)
				if err != nil {
					unexpected[c] = err
					return
				}
				_, err = h.SetFlowRunState(t.Context(), StateUpdate{RunID: id, ExpectedVersion: ptr(r.Version),
					State: State{Type: "Submitted", Message: "Submitted for execution"}})
				switch {
				case err == nil:
					wins[c][i]++
				case errors.Is(err, ErrVersionLock), errors.Is(err, ErrAlreadySubmitted):
				default:
					unexpected[c] = err
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	for c, err := range unexpected {
		if err != nil {
			t.Fatalf("claimer %d: unexpected error %v", c, err)
		}
	}
	for i, id := range ids {
		n := 0
		for c := range claimers {
			n += wins[c][i]
		}
		if n != 1 {
			t.Fatalf("run %d was claimed %d times", i, n)
		}
		if i%100 == 0 { // spot-check the stored result
			hist := must(e.s.FlowRunStates(e.ctx, id))(t)
			if r := e.get(t, id); r.Version != 2 || r.State.Type != "Submitted" || len(hist) != 2 {
				t.Fatalf("run %d after the race: version %d state %s, %d history rows", i, r.Version, r.State.Type, len(hist))
			}
		}
	}
}
