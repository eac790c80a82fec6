package secrets

import "bytes"

// matcher is an Aho–Corasick automaton over a fixed set of byte patterns. It is immutable
// once built, so a Redactor swaps in a new one when values are added and streams already
// running keep using the old one until their next write.
//
// States are numbered breadth-first. The shallow ones (the root and up to two bytes into a
// pattern, within a budget) get a dense row of 256 transitions, because a log stream
// spends nearly all its bytes there; deeper states keep only their trie edges and follow
// failure links. Memory stays proportional to the total pattern length (a multi-line
// private key has thousands of states) while the common path is one table look-up.
type matcher struct {
	dense  []int32 // dense[s<<8|c]: next state from state s < nDense on byte c
	nDense int32

	// Trie edges of state s are label[first[s]:first[s+1]], leading to next[...].
	first []int32
	label []byte
	next  []int32

	fail  []int32 // the longest proper suffix of the state's string that is also a state
	depth []int32 // length of the state's string
	// longest is the length of the longest pattern that ends at this state (its own
	// string or one of its suffixes), 0 when none does.
	longest []int32

	maxLen int // length of the longest pattern, 0 for an empty matcher
	// The stream skips bytes where no pattern can start without walking the automaton:
	// onlyStart is the byte every pattern starts with, when there is exactly one such byte
	// (else -1), so a vectorised byte search finds candidates; otherwise pairs has a bit
	// set for each two-byte pattern prefix (all patterns have two bytes or more when
	// pairsOK).
	onlyStart int
	pairs     [1 << 16 / 64]uint64
	pairsOK   bool
}

const (
	maxDenseDepth = 2
	maxDenseRows  = 512 // 512 KiB of transitions at most
)

// newMatcher builds the automaton for patterns. Empty patterns are ignored.
func newMatcher(patterns []string) *matcher {
	type edge struct {
		c  byte
		to int32
	}
	// The trie, numbered in insertion order.
	children := [][]edge{nil}
	terminal := []int32{0}
	maxLen := 0
	for _, p := range patterns {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			to := int32(-1)
			for _, e := range children[s] {
				if e.c == p[i] {
					to = e.to
					break
				}
			}
			if to < 0 {
				to = int32(len(children))
				children[s] = append(children[s], edge{p[i], to})
				children = append(children, nil)
				terminal = append(terminal, 0)
			}
			s = to
		}
		if s != 0 {
			terminal[s] = int32(len(p))
			maxLen = max(maxLen, len(p))
		}
	}

	// Renumber breadth-first: order[new] = old.
	n := len(children)
	order := make([]int32, 1, n)
	renum := make([]int32, n)
	for k := 0; k < len(order); k++ {
		for _, e := range children[order[k]] {
			renum[e.to] = int32(len(order))
			order = append(order, e.to)
		}
	}
	m := &matcher{
		first:   make([]int32, n+1),
		fail:    make([]int32, n),
		depth:   make([]int32, n),
		longest: make([]int32, n),
		maxLen:  maxLen,
	}
	for s, old := range order {
		m.first[s+1] = m.first[s] + int32(len(children[old]))
		m.longest[s] = terminal[old]
		for _, e := range children[old] {
			m.label = append(m.label, e.c)
			m.next = append(m.next, renum[e.to])
			m.depth[renum[e.to]] = m.depth[s] + 1
		}
	}
	for m.nDense < int32(min(n, maxDenseRows)) && m.depth[m.nDense] <= maxDenseDepth {
		m.nDense++
	}
	m.dense = make([]int32, int(m.nDense)<<8)
	m.onlyStart = -1
	if m.first[1] == 1 {
		m.onlyStart = int(m.label[0])
	}
	m.pairsOK = true
	for _, p := range patterns {
		if len(p) == 1 {
			m.pairsOK = false
		} else if len(p) > 1 {
			pair := uint16(p[0])<<8 | uint16(p[1])
			m.pairs[pair>>6] |= 1 << (pair & 63)
		}
	}

	// In breadth-first order every failure link points at a state whose own link, longest
	// match and dense row are already final.
	for s := int32(0); s < int32(n); s++ {
		if s < m.nDense && s != 0 {
			copy(m.dense[s<<8:(s+1)<<8], m.dense[m.fail[s]<<8:(m.fail[s]+1)<<8])
		}
		for i := m.first[s]; i < m.first[s+1]; i++ {
			c, to := m.label[i], m.next[i]
			if s != 0 {
				m.fail[to] = m.step(m.fail[s], c)
				m.longest[to] = max(m.longest[to], m.longest[m.fail[to]])
			}
			if s < m.nDense {
				m.dense[s<<8|int32(c)] = to
			}
		}
	}
	return m
}

// step returns the state after reading c in state s.
func (m *matcher) step(s int32, c byte) int32 {
	for s >= m.nDense {
		for i := m.first[s]; i < m.first[s+1]; i++ {
			if m.label[i] == c {
				return m.next[i]
			}
		}
		s = m.fail[s]
	}
	return m.dense[s<<8|int32(c)]
}

// startsPair reports whether some pattern begins with the bytes a, b.
func (m *matcher) startsPair(a, b byte) bool {
	pair := uint16(a)<<8 | uint16(b)
	return m.pairs[pair>>6]&(1<<(pair&63)) != 0
}

// redactStream applies a matcher to a stream that arrives in pieces. It replaces each run
// of overlapping matches with Redacted, choosing the same runs as a scan of the whole
// stream at once would, whatever the write boundaries (the fuzz test holds it to that).
//
// Positions are offsets in the input stream. Matches are found at their end, so a match
// can still grow leftwards until no pending state could begin before it; release writes
// out only what no later byte can change.
type redactStream struct {
	m     *matcher
	state int32
	pos   int64 // input bytes consumed
	// done: input before it is resolved (written out, or swallowed by a Redacted). open:
	// the bytes just before done were swallowed, so a match reaching back over done extends
	// that Redacted instead of starting another.
	done    int64
	open    bool
	pending []redactSpan // merged matches in [done, pos), sorted, not overlapping

	// win keeps the last input bytes (from winStart): everything not yet resolved, plus
	// enough context to rebuild the state when a new matcher replaces m.
	win      []byte
	winStart int64
	cur      []byte // the write being processed; it follows win

	out []byte // redacted output ready for the underlying writer
}

type redactSpan struct{ start, end int64 }

// write consumes p and appends to out what can be written now.
func (s *redactStream) write(m *matcher, p []byte) {
	s.use(m)
	s.cur = p
	st := s.state
	dense, nDense, longest := m.dense, m.nDense, m.longest
	for i := 0; i < len(p); i++ {
		if st == 0 {
			// Most log bytes start no value: skip them without the automaton's chain of
			// dependent look-ups.
			if m.onlyStart >= 0 {
				k := bytes.IndexByte(p[i:], byte(m.onlyStart))
				if k < 0 {
					break
				}
				i += k
			} else if m.pairsOK {
				// A byte that begins no two-byte prefix leaves the automaton at the root
				// after the next byte too, so it can be skipped.
				for i+1 < len(p) && !m.startsPair(p[i], p[i+1]) {
					i++
				}
			}
		}
		if st < nDense {
			st = dense[st<<8|int32(p[i])]
		} else {
			st = m.step(st, p[i])
		}
		if l := longest[st]; l != 0 {
			end := s.pos + int64(i) + 1
			s.match(end-int64(l), end)
		}
	}
	s.state = st
	s.pos += int64(len(p))
	s.release(s.pos - int64(m.depth[st]))
	s.remember(p)
	s.cur = nil
}

// flush appends everything still held back to out.
func (s *redactStream) flush(m *matcher) {
	s.use(m)
	s.release(s.pos)
}

// use switches to matcher m, rescanning the remembered input so that values added since
// the last write are found in the bytes still held back, and so that the state carries on
// as if m had been in use all along.
func (s *redactStream) use(m *matcher) {
	if s.m == m {
		return
	}
	s.m, s.state, s.pending = m, 0, s.pending[:0]
	for i, c := range s.win {
		s.state = m.step(s.state, c)
		end := s.winStart + int64(i) + 1
		if l := m.longest[s.state]; l != 0 && end > s.done {
			s.match(end-int64(l), end)
		}
	}
}

// match records that input [start, end) is a value; end is the current position.
func (s *redactStream) match(start, end int64) {
	if start < s.done {
		if s.open {
			// It overlaps the Redacted already written: swallow up to end, and with it
			// every pending match, all of which lie inside.
			s.pending, s.done = s.pending[:0], end
			return
		}
		start = s.done // the beginning was written out before the value was known
	}
	n := len(s.pending)
	for ; n > 0 && s.pending[n-1].end > start; n-- {
		start = min(start, s.pending[n-1].start)
	}
	s.pending = append(s.pending[:n], redactSpan{start, end})
}

// release resolves input up to limit: no match found later can begin before it.
func (s *redactStream) release(limit int64) {
	k := 0
	for ; k < len(s.pending) && s.pending[k].start <= limit; k++ {
		sp := s.pending[k]
		s.appendInput(s.done, sp.start)
		s.out = append(s.out, Redacted...)
		s.done, s.open = sp.end, true
	}
	s.pending = s.pending[:copy(s.pending, s.pending[k:])]
	if limit > s.done {
		s.appendInput(s.done, limit)
		s.done, s.open = limit, false
	}
}

// appendInput appends input [from, to) to out; those bytes are in win or cur.
func (s *redactStream) appendInput(from, to int64) {
	winEnd := s.winStart + int64(len(s.win))
	if from < winEnd && from < to {
		e := min(to, winEnd)
		s.out = append(s.out, s.win[from-s.winStart:e-s.winStart]...)
		from = e
	}
	if from < to {
		s.out = append(s.out, s.cur[from-winEnd:to-winEnd]...)
	}
}

// remember keeps the tail of the input in win after p has been processed: at least what
// is unresolved, and as much as the longest value, so a rescan in use finds every match
// that ends in unresolved input.
func (s *redactStream) remember(p []byte) {
	keep := max(s.m.maxLen, int(s.pos-s.done))
	if len(p) >= keep {
		s.win = append(s.win[:0], p[len(p)-keep:]...)
	} else {
		if drop := len(s.win) + len(p) - keep; drop > 0 {
			s.win = s.win[:copy(s.win, s.win[drop:])]
		}
		s.win = append(s.win, p...)
	}
	s.winStart = s.pos - int64(len(s.win))
}
