package flowrun

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
)

// Logger names of the lines a flow run writes to its logs.
const (
	// OutputLogName names the command's output lines: INFO for stdout, ERROR for stderr.
	OutputLogName = "outpost.flow"
	// RunnerLogName names what outpost execute flow-run itself reports about the run.
	RunnerLogName = "outpost.flowrun"
)

const (
	batchLines = 100       // a batch is sent once this many lines wait, without waiting for a tick
	batchBytes = 512 << 10 // and never holds much more text than this, far below the backend's 5 MB
	// maxPending is how many lines are kept while the backend refuses logs; beyond it the
	// oldest are dropped, and the run's logs say how many.
	maxPending = 10_000
)

// batcher collects log lines and writes them to the backend in batches. A batch that
// fails stays queued and is sent again with the next one, so lines are only lost when
// the queue overflows, and then the logs say so.
type batcher struct {
	runID  string
	write  func(context.Context, []api.LogEntry) error
	now    func() time.Time
	logger *zap.Logger
	limit  int // maxPending; smaller in tests

	mu      sync.Mutex
	pending []queued
	next    uint64 // sequence number of the next line
	dropped int    // lines dropped since the last notice was delivered

	full chan struct{} // a full batch is waiting
}

// queued is a pending line; the sequence number finds it again after a send, even when
// older lines were dropped meanwhile.
type queued struct {
	seq   uint64
	entry api.LogEntry
}

func newBatcher(runID string, write func(context.Context, []api.LogEntry) error, now func() time.Time, logger *zap.Logger) *batcher {
	return &batcher{runID: runID, write: write, now: now, logger: logger, limit: maxPending, full: make(chan struct{}, 1)}
}

// add queues a line; it never blocks on the backend.
func (b *batcher) add(name, level, message string) {
	b.mu.Lock()
	if len(b.pending) >= b.limit {
		b.pending = b.pending[1:]
		b.dropped++
	}
	e := api.LogEntry{FlowRunID: b.runID, Timestamp: b.now(), Name: name, Level: level, Message: message}
	b.pending = append(b.pending, queued{seq: b.next, entry: e})
	b.next++
	n := len(b.pending)
	b.mu.Unlock()
	if n >= batchLines {
		select {
		case b.full <- struct{}{}:
		default:
		}
	}
}

// run sends batches on every tick, and at once when a full batch waits unless the
// last send failed, until stop is closed. Then it sends what is left, retrying on ticks
// until ctx ends, and returns an error saying how many lines were not delivered.
func (b *batcher) run(ctx context.Context, tick <-chan time.Time, stop <-chan struct{}) error {
	failing := false
	for {
		full := b.full
		if failing {
			full = nil // a failing backend is retried on ticks, not on every new line
		}
		select {
		case <-tick:
		case <-full:
		case <-stop:
			return b.drain(ctx, tick)
		}
		err := b.flush(ctx)
		if err != nil && !failing {
			b.logger.Warn("the backend did not take the run's logs; they are kept and sent again", zap.Error(err))
		}
		failing = err != nil
	}
}

// drain sends everything pending, retrying on ticks until ctx ends.
func (b *batcher) drain(ctx context.Context, tick <-chan time.Time) error {
	for {
		err := b.flush(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-tick:
		case <-ctx.Done():
			b.mu.Lock()
			n := len(b.pending) + b.dropped
			b.mu.Unlock()
			return fmt.Errorf("%d log lines of flow run %s could not be delivered: %w", n, b.runID, err)
		}
	}
}

// flush sends the pending lines, oldest first, in batches. It stops at the first
// failure, keeping what was not sent.
func (b *batcher) flush(ctx context.Context) error {
	if err := b.sendDropNotice(ctx); err != nil {
		return err
	}
	for {
		batch, last := b.batch()
		if len(batch) == 0 {
			return nil
		}
		if err := b.write(ctx, batch); err != nil {
			return err
		}
		b.mu.Lock()
		i := 0
		for i < len(b.pending) && b.pending[i].seq <= last {
			i++
		}
		b.pending = b.pending[i:]
		b.mu.Unlock()
	}
}

// batch returns the oldest pending lines that fit in one request, and the sequence
// number of the last.
func (b *batcher) batch() ([]api.LogEntry, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []api.LogEntry
	var last uint64
	size := 0
	for _, q := range b.pending {
		if len(out) == batchLines || (len(out) > 0 && size+len(q.entry.Message) > batchBytes) {
			break
		}
		out = append(out, q.entry)
		last = q.seq
		size += len(q.entry.Message)
	}
	return out, last
}

// sendDropNotice tells the run's logs how many lines were dropped, ahead of the lines
// that were kept.
func (b *batcher) sendDropNotice(ctx context.Context) error {
	b.mu.Lock()
	n := b.dropped
	b.mu.Unlock()
	if n == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d output lines were dropped here: the backend did not take logs for a long time, and only the last %d lines are kept meanwhile", n, b.limit)
	notice := api.LogEntry{FlowRunID: b.runID, Timestamp: b.now(), Name: RunnerLogName, Level: "WARNING", Message: msg}
	if err := b.write(ctx, []api.LogEntry{notice}); err != nil {
		return err
	}
	b.mu.Lock()
	b.dropped -= n
	b.mu.Unlock()
	return nil
}
