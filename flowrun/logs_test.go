package flowrun

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
)

// Lines survive log writes the backend refuses: they are sent again with later batches.
func TestLogsSurviveBackendFailures(t *testing.T) {
	b := startBackend(t)
	const lines = 250
	b.failLogs = 3
	runID := b.newRun(t, script(fmt.Sprintf(`i=0; while [ $i -lt %d ]; do echo "line $i"; i=$((i+1)); done`, lines)))
	r, tk, out := newRunner(t, b, flowEnv(t, b, runID))
	stop := make(chan struct{})
	var ticking sync.WaitGroup
	ticking.Go(func() { tk.keepTicking(DefaultLogInterval, stop) })
	err := wait(t, start(t.Context(), r, runID))
	close(stop)
	ticking.Wait()
	if err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	failed := b.logsFailed
	b.mu.Unlock()
	if failed != 3 {
		t.Fatalf("the backend refused %d log writes, want 3: the test did not exercise failures", failed)
	}
	var want []string
	for i := range lines {
		want = append(want, fmt.Sprintf("INFO line %d", i))
	}
	got := messages(b.logs(t, runID), OutputLogName)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the run's logs hold %d output lines, want each of the %d exactly once", len(got), lines)
	}
	if n := strings.Count(out.String(), "\n"); n != lines {
		t.Errorf("stdout has %d lines, want %d", n, lines)
	}
}

// cloud.send_flow_run_logs = false keeps output off the backend, not off stdout.
func TestSendFlowRunLogsOff(t *testing.T) {
	b := startBackend(t)
	runID := b.newRun(t, script("echo kept local"))
	r, _, out := newRunner(t, b, flowEnv(t, b, runID, "PREFECT__CLOUD__SEND_FLOW_RUN_LOGS=false"))
	if err := wait(t, start(t.Context(), r, runID)); err != nil {
		t.Fatal(err)
	}
	if logs := b.logs(t, runID); len(logs) != 0 {
		t.Errorf("the backend got %d log lines, want none: %+v", len(logs), logs)
	}
	if out.String() != "kept local\n" {
		t.Errorf("stdout = %q, want the output", out.String())
	}
	if state, _ := b.final(t, runID); state != "Success" {
		t.Errorf("final state %s, want Success", state)
	}
}

// recorder is a log writer that fails while failing is set.
type recorder struct {
	mu      sync.Mutex
	failing bool
	batches [][]api.LogEntry
}

func (w *recorder) write(_ context.Context, e []api.LogEntry) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failing {
		return errors.New("backend down")
	}
	w.batches = append(w.batches, slices.Clone(e))
	return nil
}

func TestBatcher(t *testing.T) {
	now := func() time.Time { return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) }
	texts := func(batches [][]api.LogEntry) []string {
		var out []string
		for _, b := range batches {
			for _, e := range b {
				out = append(out, e.Message)
			}
		}
		return out
	}
	lineTexts := func(from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprintf("l%d", i))
		}
		return out
	}
	tests := []struct {
		name        string
		lines       int
		limit       int
		failFirst   bool // one flush fails before the one that succeeds
		wantBatches []int
		wantTexts   []string
	}{
		{name: "batches of 100", lines: 250, limit: 1000, wantBatches: []int{100, 100, 50}, wantTexts: lineTexts(0, 250)},
		{name: "kept across a failure", lines: 30, limit: 1000, failFirst: true, wantBatches: []int{30}, wantTexts: lineTexts(0, 30)},
		{name: "oldest dropped, and said so", lines: 25, limit: 10, failFirst: true, wantBatches: []int{1, 10},
			wantTexts: append([]string{"15 output lines were dropped here: the backend did not take logs for a long time, and only the last 10 lines are kept meanwhile"},
				lineTexts(15, 25)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &recorder{failing: tt.failFirst}
			b := newBatcher("run-1", w.write, now, zap.NewNop())
			b.limit = tt.limit
			for i := range tt.lines {
				b.add(OutputLogName, "INFO", fmt.Sprintf("l%d", i))
			}
			if tt.failFirst {
				if err := b.flush(t.Context()); err == nil {
					t.Fatal("flush to a failing backend succeeded")
				}
				w.failing = false
			}
			if err := b.flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			var sizes []int
			for _, batch := range w.batches {
				sizes = append(sizes, len(batch))
			}
			if !slices.Equal(sizes, tt.wantBatches) {
				t.Errorf("batch sizes %v, want %v", sizes, tt.wantBatches)
			}
			if got := texts(w.batches); !slices.Equal(got, tt.wantTexts) {
				t.Errorf("sent %q,\nwant %q", got, tt.wantTexts)
			}
			if err := b.flush(t.Context()); err != nil || len(w.batches) != len(tt.wantBatches) {
				t.Errorf("a second flush sent more (%d batches, %v): lines were sent twice", len(w.batches), err)
			}
		})
	}
}

// Once stopped, the batcher keeps retrying on ticks until its context ends, and then
// says how many lines it could not deliver.
func TestBatcherDrain(t *testing.T) {
	w := &recorder{failing: true}
	b := newBatcher("run-1", w.write, time.Now, zap.NewNop())
	for i := range 5 {
		b.add(OutputLogName, "INFO", fmt.Sprintf("l%d", i))
	}
	ctx, cancel := context.WithCancel(t.Context())
	tick, stop := make(chan time.Time), make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- b.run(ctx, tick, stop) }()
	close(stop)
	tick <- time.Now() // a retry, still failing
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "5 log lines of flow run run-1 could not be delivered") {
			t.Errorf("run = %v, want it to count the 5 undelivered lines", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("the batcher did not give up once its context ended")
	}
}
