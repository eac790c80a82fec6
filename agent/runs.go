package agent

import (
	"sync"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/launcher"
)

// stopReason says why the agent stopped a run, which decides its final state.
type stopReason int

const (
	notStopped   stopReason = iota
	stopCancel              // the backend asked for it (Cancelling): the run ends Cancelled
	stopShutdown            // the agent is shutting down: the run ends Failed
)

// run is one flow run in flight: from the poll that selected it until its final state
// is owed. Its fields change as it is claimed, launched and stopped.
type run struct {
	meta api.FlowRunMeta

	mu      sync.Mutex
	claimed bool
	handle  launcher.Handle
	reason  stopReason
	// reporting is closed once the report that comes before a shutdown stop is over
	// (nil: no such report); reported says it went through.
	reporting chan struct{}
	reported  bool
}

func (r *run) id() string { return r.meta.ID }

func (r *run) markClaimed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.claimed = true
}

func (r *run) isClaimed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.claimed
}

// setHandle records the launched process and returns the stop already asked for, if
// any: whoever asked found no process to stop, so the caller must stop it now.
func (r *run) setHandle(h launcher.Handle) stopReason {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handle = h
	return r.reason
}

// requestStop records why the run is to stop. Only the first request counts: it gets
// first == true and the handle to stop (nil before launch; the launch then stops it).
func (r *run) requestStop(reason stopReason) (h launcher.Handle, first bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reason != notStopped {
		return nil, false
	}
	r.reason = reason
	if reason == stopShutdown {
		r.reporting = make(chan struct{})
	}
	return r.handle, true
}

// endReport ends the report made before a shutdown stop; ok says it went through.
func (r *run) endReport(ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reported = ok
	close(r.reporting)
}

// wasReported waits for a report made before a shutdown stop, if any, and says whether
// it went through; then the run's final state is delivered already.
func (r *run) wasReported() bool {
	r.mu.Lock()
	reporting := r.reporting
	r.mu.Unlock()
	if reporting == nil {
		return false
	}
	<-reporting
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reported
}

func (r *run) stopReason() stopReason {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reason
}

// runSet is the set of runs in flight and the concurrency semaphore: a slot is taken
// by run id when a run is selected and given back exactly once, when it is released.
type runSet struct {
	limit int // 0: no limit

	mu      sync.Mutex
	runs    map[string]*run
	starved bool          // a run was left unclaimed for want of a slot
	changed chan struct{} // closed and replaced whenever a run leaves
}

func newRunSet(limit int) *runSet {
	return &runSet{limit: limit, runs: map[string]*run{}, changed: make(chan struct{})}
}

// acquire takes a slot for meta's run. It fails when the run is already in flight or
// every slot is taken.
func (s *runSet) acquire(meta api.FlowRunMeta) (*run, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, busy := s.runs[meta.ID]; busy {
		return nil, false
	}
	if s.limit > 0 && len(s.runs) >= s.limit {
		s.starved = true
		return nil, false
	}
	r := &run{meta: meta}
	s.runs[meta.ID] = r
	return r, true
}

// release gives r's slot back; calling it again does nothing. It reports whether a
// poll left runs behind for want of a slot, so that the caller can poll again now.
func (s *runSet) release(r *run) (wanted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runs[r.id()] != r {
		return false
	}
	delete(s.runs, r.id())
	close(s.changed)
	s.changed = make(chan struct{})
	wanted, s.starved = s.starved, false
	return wanted
}

// ids returns the ids of the runs in flight.
func (s *runSet) ids() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make(map[string]bool, len(s.runs))
	for id := range s.runs {
		ids[id] = true
	}
	return ids
}

// all returns the runs in flight.
func (s *runSet) all() []*run {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*run, 0, len(s.runs))
	for _, r := range s.runs {
		out = append(out, r)
	}
	return out
}

// count returns how many runs are in flight and a channel closed when one leaves.
func (s *runSet) count() (int, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.runs), s.changed
}
