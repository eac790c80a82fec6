package agent_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outposthq/outpost/agent"
)

// sleeps returns the poll loop's sleeps so far, as logged ("Sleeping flow run poller
// for 0.5 seconds...").
func (ta *testAgent) sleeps() []string {
	var out []string
	for _, e := range ta.logs.All() {
		if s, ok := strings.CutPrefix(e.Message, "Sleeping flow run poller for "); ok {
			out = append(out, strings.TrimSuffix(s, " seconds..."))
		}
	}
	return out
}

// waitSleeps waits until the poll loop has gone to sleep n times.
func (ta *testAgent) waitSleeps(n int) {
	ta.t.Helper()
	ta.until(fmt.Sprintf("%d poll sleeps", n), func() bool { return len(ta.sleeps()) >= n }, 0)
}

// An idle agent backs off by Prefect's table, jittered by the injected random source,
// and goes back to the shortest wait after a poll that found work.
func TestPollBackoff(t *testing.T) {
	tests := []struct {
		name string
		rand float64
		want []string // sleeps from a cold start, then after a poll that found a run
	}{
		{"no jitter", 0.5, []string{"0.5", "1.0", "2.0", "4.0", "8.0", "10.0", "10.0", "0.25", "0.5"}},
		{"jitter down 20%", 0, []string{"0.4", "0.8", "1.6", "3.2", "6.4", "8.0", "8.0", "0.2", "0.4"}},
		{"jitter up 10%", 0.75, []string{"0.55", "1.1", "2.2", "4.4", "8.8", "11.0", "11.0", "0.275", "0.55"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leakCheck(t)
			b := startBackend(t)
			ta := startAgent(t, b, pollOnly(t, b), func(_ *agent.Config, d *agent.Deps) { d.Rand = func() float64 { return tt.rand } })
			for i := 1; i < 7; i++ {
				ta.waitSleeps(i)
				ta.advanceBy(ta.sleeps()[i-1])
			}
			ta.waitSleeps(7)
			// A run appears: the next poll takes it and the wait drops to the shortest.
			b.run(t, b.flow(t, scriptStorage()), localRun("exit 0", nil), nil)
			ta.advanceBy(ta.sleeps()[6])
			ta.waitSleeps(8)
			ta.advanceBy(ta.sleeps()[7])
			ta.waitSleeps(9)
			if got := ta.sleeps()[:9]; !slices.Equal(got, tt.want) {
				t.Errorf("sleeps = %v, want %v", got, tt.want)
			}
		})
	}
}

// advanceBy moves the fake clock by a logged number of seconds.
func (ta *testAgent) advanceBy(seconds string) {
	ta.t.Helper()
	s, err := strconv.ParseFloat(seconds, 64)
	if err != nil {
		ta.t.Fatal(err)
	}
	ta.clk.Advance(time.Duration(s * float64(time.Second)))
}

// A poke wakes an idle agent at once: it polls again although its backoff timer has
// not fired (the fake clock never moves in this test).
func TestPokeWakesIdleAgent(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	ta := startAgent(t, b, pollOnly(t, b))
	ta.waitSleeps(1)
	if got := ta.metric("outpost_agent_polls_total"); got != 1 {
		t.Fatalf("polls before the poke = %v, want 1", got)
	}
	ta.poke()
	ta.waitSleeps(2)
	if got := ta.metric("outpost_agent_polls_total"); got != 2 {
		t.Errorf("polls after the poke = %v, want 2", got)
	}
	if got := ta.sleeps(); !slices.Equal(got, []string{"0.5", "1.0"}) {
		t.Errorf("sleeps = %v, want [0.5 1.0]: the poke must not reset the backoff", got)
	}
}

// MaxPolls ends the agent by itself after that many polls; Run returns nil.
func TestMaxPolls(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	polls := 3
	ta := startAgent(t, b, pollOnly(t, b), func(c *agent.Config, _ *agent.Deps) { c.MaxPolls = &polls })
	for i := 1; i < polls; i++ {
		ta.waitSleeps(i)
		ta.advanceBy(ta.sleeps()[i-1])
	}
	if err := ta.wait(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if got := ta.metric("outpost_agent_polls_total"); got != 3 {
		t.Errorf("polls = %v, want 3", got)
	}
}

// The label rule: a run is taken only when its labels are a subset of the agent's,
// and a run without labels only by an agent without labels.
func TestLabels(t *testing.T) {
	tests := []struct {
		name        string
		agentLabels []string
		runLabels   []string
		taken       bool
	}{
		{"no labels on either", []string{}, []string{}, true},
		{"agent labels, run none", []string{"a"}, []string{}, false},
		{"same labels", []string{"a"}, []string{"a"}, true},
		{"run has more", []string{"a"}, []string{"a", "b"}, false},
		{"agent has more", []string{"a", "b"}, []string{"a"}, true},
		{"disjoint", []string{"b"}, []string{"a"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leakCheck(t)
			b := startBackend(t)
			id := b.run(t, b.flow(t, scriptStorage()), localRun("exit 0", nil), tt.runLabels)
			ta := startAgent(t, b, b.url, func(c *agent.Config, _ *agent.Deps) { c.Labels = tt.agentLabels })
			ta.waitSleeps(1) // the first poll is done
			if tt.taken {
				ta.waitLog("Flow run " + id + " set Failed")
			}
			taken := ta.countLogs("Deploying flow run "+id) > 0
			if taken != tt.taken {
				t.Errorf("agent %v took run %v: %v, want %v", tt.agentLabels, tt.runLabels, taken, tt.taken)
			}
			if !tt.taken {
				if state, _ := b.state(t, id); state != "Scheduled" {
					t.Errorf("state of the run not taken = %s, want Scheduled", state)
				}
			}
		})
	}
}

// With N slots, no more than N runs are claimed at once; the others stay Scheduled for
// other agents until a slot frees, which wakes the poll loop.
func TestConcurrencyLimit(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	out := t.TempDir()
	flow := b.flow(t, scriptStorage())
	gates := map[string]*gate{}
	var ids []string
	for i := range 4 {
		g := newGate(t, out, "run"+strconv.Itoa(i))
		id := b.run(t, flow, localRun(`read code < "$TEST_GATE"; exit $code`, map[string]any{"TEST_GATE": g.path}), nil)
		gates[id] = g
		ids = append(ids, id)
	}
	ta := startAgentWith(t, b, b.url, newFakeClock(newSignal()), out, func(c *agent.Config, _ *agent.Deps) { c.Concurrency = 2 })
	ta.waitLogs("Completed deployment of flow run", 2)
	ta.waitSleeps(1)

	launched := ta.launched()
	counts := b.stateCounts(t, ids)
	if counts["Submitted"] != 2 || counts["Scheduled"] != 2 {
		t.Fatalf("states after the first poll = %v, want 2 Submitted and 2 Scheduled", counts)
	}
	if got := ta.metric("outpost_agent_runs_running"); got != 2 {
		t.Errorf("runs_running = %v, want 2", got)
	}

	// One run ends: its slot wakes the poll loop (no clock move) and a third starts.
	gates[launched[0]].send(t, "0")
	ta.waitLogs("Completed deployment of flow run", 3)
	counts = b.stateCounts(t, ids)
	if counts["Scheduled"] != 1 {
		t.Errorf("states after a slot freed = %v, want 1 still Scheduled", counts)
	}
	if got := ta.metric("outpost_agent_runs_running"); got > 2 {
		t.Errorf("runs_running = %v, want at most 2", got)
	}
	for _, id := range ids {
		gates[id].send(t, "0")
	}
	ta.waitLogs("set Failed: Flow run process exited with code 0", 4)
	if len(ta.launched()) != 4 {
		t.Errorf("launched %d runs, want 4", len(ta.launched()))
	}
}

// launched lists the runs the agent launched, in order.
func (ta *testAgent) launched() []string {
	var ids []string
	for _, e := range ta.logs.All() {
		if id, ok := strings.CutPrefix(e.Message, "Completed deployment of flow run "); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func (b *testBackend) stateCounts(t *testing.T, ids []string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, id := range ids {
		state, _ := b.state(t, id)
		counts[state]++
	}
	return counts
}

// Two agents over one backend: each of 50 runs is launched exactly once.
func TestTwoAgentsLaunchEachRunOnce(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	out := t.TempDir()
	flow := b.flow(t, scriptStorage())
	const runs = 50
	for range runs {
		b.run(t, flow, localRun(`echo "$PREFECT__CONTEXT__FLOW_RUN_ID" >> "$OUT/launches"`, nil), nil)
	}
	clk := newFakeClock(newSignal())
	a1 := startAgentWith(t, b, b.url, clk, out)
	a2 := startAgentWith(t, b, b.url, clk, out)
	finished := func() bool {
		return a1.countLogs("set Failed")+a2.countLogs("set Failed") >= runs
	}
	// The backend hands out a page of runs per poll: the clock moves on so that the
	// agents poll again, as they would a quarter second later.
	a1.until("every run to finish", finished, 250*time.Millisecond)

	got := lines(t, filepath.Join(out, "launches"))
	if len(got) != runs || len(slices.Compact(slices.Clone(got))) != runs {
		t.Errorf("%d launches of %d distinct runs, want each of the %d runs once", len(got), len(slices.Compact(slices.Clone(got))), runs)
	}
	submitted := a1.metric("outpost_agent_runs_submitted_total") + a2.metric("outpost_agent_runs_submitted_total")
	if submitted != runs {
		t.Errorf("runs claimed by the two agents = %v, want %d", submitted, runs)
	}
	t.Logf("claims lost: %v and %v", a1.metric("outpost_agent_claim_conflicts_total"), a2.metric("outpost_agent_claim_conflicts_total"))
}

// With a backend that can wait for runs, a run created while the agent sleeps is
// started without the poll timer firing.
func TestLongPollStartsRunWhileIdle(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	ta := startAgent(t, b, b.url)
	ta.waitSleeps(1)
	id := b.run(t, b.flow(t, scriptStorage()), localRun("exit 0", nil), nil)
	ta.waitLog("Completed deployment of flow run " + id)
	if got := ta.metric("outpost_agent_polls_total"); got != 2 {
		t.Errorf("polls = %v, want 2: the first, and the one the new run woke", got)
	}
}

// A backend without the wait endpoint (Prefect Server) is asked once; the agent then
// polls as usual.
func TestLongPollUnsupported(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	ta := startAgent(t, b, pollOnly(t, b))
	ta.waitLog("The backend cannot wake the agent for new flow runs")
	ta.waitSleeps(1)
	id := b.run(t, b.flow(t, scriptStorage()), localRun("exit 0", nil), nil)
	ta.poke()
	ta.waitLog("Completed deployment of flow run " + id)
}
