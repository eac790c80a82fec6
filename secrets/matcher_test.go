package secrets

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMatcherStates checks, after every byte, the two facts the stream relies on against
// a brute-force scan: the longest pattern ending there, and the length of the longest
// suffix read so far that begins some pattern.
func TestRedactorMatcherStates(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	randomText := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abc\n"[rng.IntN(4)]
		}
		return string(b)
	}
	tests := []struct {
		name     string
		patterns []string
		input    string
	}{
		{"none", nil, "abcabc"},
		{"one", []string{"abcabd"}, "abcabcabdabcabd"},
		{"suffix of another", []string{"bcd", "abcde", "cd"}, "abcdeabcdxbcd"},
		{"prefix of another", []string{"ab", "abab", "ababab"}, "abababababxab"},
		{"empty pattern ignored", []string{"", "ab"}, "xaby"},
		{"all bytes", []string{"\x00\xff", "\xff\x00\xff"}, "\xff\x00\xff\x00\xff"},
		{"random", []string{randomText(5), randomText(7), randomText(3), "abca", "aaaa"}, randomText(2000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newMatcher(tc.patterns)
			var s int32
			for i := range len(tc.input) {
				s = m.step(s, tc.input[i])
				read := tc.input[:i+1]
				wantLongest, wantDepth := 0, 0
				for _, p := range tc.patterns {
					if p != "" && strings.HasSuffix(read, p) {
						wantLongest = max(wantLongest, len(p))
					}
					for k := min(len(p), len(read)); k > wantDepth; k-- {
						if strings.HasSuffix(read, p[:k]) {
							wantDepth = k
							break
						}
					}
				}
				if int(m.longest[s]) != wantLongest || int(m.depth[s]) != wantDepth {
					t.Fatalf("after %q: longest %d, depth %d; want %d, %d",
						read, m.longest[s], m.depth[s], wantLongest, wantDepth)
				}
			}
		})
	}
}
