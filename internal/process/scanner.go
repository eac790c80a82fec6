package process

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// DefaultScanInterval is the least rest between two passes of a Scanner over /proc.
const DefaultScanInterval = 2 * time.Millisecond

// restFactor makes the rest after a pass at least this many times as long as the pass
// when callers were already waiting for the next one: however many keep asking, passes
// made back to back then take at most a third of a core, though a pass grows with the
// processes on the host. A pass nobody was waiting to follow is followed by the
// interval only, so that runs ending one after another are not kept waiting.
const restFactor = 2

// Clock is the time source of a Scanner's rests; tests inject one to control them.
type Clock interface {
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Scanner answers which live processes are in a process group, from passes over /proc
// shared by all its callers. Reading every process's stat file is the cost: once per
// question, hundreds of runs ending or stopping together would each pay for a pass over
// a host that their own processes make larger.
//
// Every answer comes from a pass that began after the question was asked, so it never
// predates what the caller saw happen (a leader's exit, a signal sent). Callers who ask
// while a pass runs or while the scanner rests wait for the next pass, and share it.
// Between passes the scanner rests for at least the interval and, while callers keep
// asking, for twice the time the last pass took. One Scanner serves a whole launcher;
// it is safe for concurrent use.
type Scanner struct {
	interval time.Duration
	clock    Clock
	onScan   func()

	// turn holds the rest that follows the last pass: taking it is the right to make the
	// next pass once the rest is over. Passes are thus made one at a time.
	turn chan (<-chan time.Time)
	// size is the length of the last pass, to size the next; only the turn's holder
	// touches it.
	size int

	mu     sync.Mutex
	queued *round // the pass that callers asking now will get; nil if none is planned
}

// round is one planned pass and its result, read by every caller that joined it.
type round struct {
	done   chan struct{} // closed once groups and err are set
	groups groups
	err    error
}

// ScannerOption configures a Scanner.
type ScannerOption func(*Scanner)

// WithScanInterval sets the least rest between two passes (DefaultScanInterval).
func WithScanInterval(d time.Duration) ScannerOption {
	return func(s *Scanner) { s.interval = d }
}

// WithScanClock sets the clock that times the rests (the real one by default; nil
// keeps it).
func WithScanClock(c Clock) ScannerOption {
	return func(s *Scanner) {
		if c != nil {
			s.clock = c
		}
	}
}

// WithScanHook sets a function called as each pass begins, to count passes.
func WithScanHook(f func()) ScannerOption {
	return func(s *Scanner) {
		if f != nil {
			s.onScan = f
		}
	}
}

// NewScanner returns a Scanner.
func NewScanner(opts ...ScannerOption) *Scanner {
	s := &Scanner{
		interval: DefaultScanInterval,
		clock:    realClock{},
		onScan:   func() {},
		turn:     make(chan (<-chan time.Time), 1),
	}
	for _, opt := range opts {
		opt(s)
	}
	over := make(chan time.Time)
	close(over)
	s.turn <- over // no rest before the first pass
	return s
}

// Members returns the pids of the live processes in group pgid, in increasing order, as
// seen by a pass that began after the call. Zombies are left out: they have ended and
// only wait for their parent to reap them, which for an orphan is init's job, not ours.
// ctx bounds only the caller's wait; the pass goes on for the others.
func (s *Scanner) Members(ctx context.Context, pgid int) ([]int, error) {
	if err := validGroup(pgid); err != nil {
		return nil, err
	}
	r := s.join()
	select {
	case <-r.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("process: waiting for the members of process group %d: %w", pgid, ctx.Err())
	}
	if r.err != nil {
		return nil, r.err
	}
	return r.groups.members(pgid), nil
}

// join returns the planned pass, planning one if there is none.
func (s *Scanner) join() *round {
	s.mu.Lock()
	r := s.queued
	if r == nil {
		r = &round{done: make(chan struct{})}
		s.queued = r
		go s.run(r)
	}
	s.mu.Unlock()
	return r
}

// run makes the pass r once the rest after the previous one is over.
func (s *Scanner) run(r *round) {
	<-<-s.turn
	// From here on, callers plan the next pass: this one may begin before they asked.
	s.mu.Lock()
	s.queued = nil
	s.mu.Unlock()

	start := time.Now()
	s.onScan()
	r.groups, r.err = scanGroups(s.size)
	s.size = len(r.groups)
	rest := s.interval
	s.mu.Lock()
	if s.queued != nil { // asked for during this pass
		rest = max(rest, restFactor*time.Since(start))
	}
	s.mu.Unlock()
	close(r.done)
	s.turn <- s.clock.After(rest)
}

// GroupMembers returns the pids of the live processes in group pgid from a pass over
// /proc of its own. Where many groups are watched, share passes through a Scanner.
func GroupMembers(pgid int) ([]int, error) {
	if err := validGroup(pgid); err != nil {
		return nil, err
	}
	g, err := scanGroups(0)
	if err != nil {
		return nil, err
	}
	return g.members(pgid), nil
}

// groups is what a pass saw: the live processes of the host, sorted by group, then pid.
type groups []member

type member struct{ pgid, pid int }

func compareMembers(a, b member) int {
	return cmp.Or(cmp.Compare(a.pgid, b.pgid), cmp.Compare(a.pid, b.pid))
}

// members returns a fresh slice of the pids in group pgid, nil if there are none.
func (g groups) members(pgid int) []int {
	i, _ := slices.BinarySearchFunc(g, pgid, func(m member, pgid int) int { return cmp.Compare(m.pgid, pgid) })
	var pids []int
	for ; i < len(g) && g[i].pgid == pgid; i++ {
		pids = append(pids, g[i].pid)
	}
	return pids
}
