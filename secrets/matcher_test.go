package secrets

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRedactorMatcherStates checks, after every byte, the two facts the stream relies on
// against a brute-force scan: the longest pattern ending there, and the length of the
// longest suffix read so far that begins some pattern. It also streams the input in
// random pieces and compares with the reference.
func TestRedactorMatcherStates(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	randomText := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	// 32 letters give more shallow states than get dense rows, so both kinds are used.
	const wide = "abcdefghijklmnopqrstuvwxyz012345"
	var many []string
	for range 1000 {
		many = append(many, randomText(wide, 3+rng.IntN(4)))
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
		{"random", []string{randomText("abc\n", 5), randomText("abc\n", 7), randomText("abc\n", 3), "abca", "aaaa"},
			randomText("abc\n", 2000)},
		{"beyond the dense budget", many, randomText(wide, 1500)},
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
			want, _ := referenceRedact(tc.input, tc.patterns)
			st := &redactStream{m: m}
			for _, c := range randomSplit(rng, tc.input) {
				st.write(m, []byte(c))
			}
			st.flush(m)
			if string(st.out) != want {
				t.Errorf("streamed %q, want %q", st.out, want)
			}
		})
	}
}

func TestRedactorFlush(t *testing.T) {
	tests := []struct {
		name      string
		secrets   []string
		writes    []string
		beforeEnd string // output before the final Flush
		want      string
	}{
		{"nothing held without a possible start", []string{"token-123456"}, []string{"log line\npartial"},
			"log line\npartial", "log line\npartial"},
		{"holds only the possible start", []string{"token-123456"}, []string{"line\nwaiting for tok"},
			"line\nwaiting for ", "line\nwaiting for tok"},
		{"holds at most the longest value less one", []string{"token-123456"}, []string{"x token-12345"},
			"x ", "x token-12345"},
		{"held start that turns out not to be a value", []string{"token-123456"}, []string{"a tok", "en-1234 b"},
			"a token-1234 b", "a token-1234 b"},
		{"stream ends mid-line", []string{"abcdefgh12", "cdefgh"}, []string{"no newline abcdefgh"},
			"no newline ", "no newline ab" + Redacted},
		{"flush between writes cuts a value", []string{"token-123456"}, []string{"a token-", "FLUSH", "123456 b"},
			"a token-" + Redacted + " b", "a token-" + Redacted + " b"},
		{"flush inside overlapping values", []string{"abcdef", "cdefgh"}, []string{"abcdef", "FLUSH", "gh."},
			Redacted + ".", Redacted + "."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			r := NewRedactor(&out)
			r.Add(tc.secrets...)
			for _, w := range tc.writes {
				if w == "FLUSH" {
					if err := r.Flush(); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if _, err := io.WriteString(r, w); err != nil {
					t.Fatal(err)
				}
			}
			if out.String() != tc.beforeEnd {
				t.Errorf("before Flush: %q, want %q", out.String(), tc.beforeEnd)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("after Close: %q, want %q", out.String(), tc.want)
			}
		})
	}
}

func TestRedactorAddWhileStreaming(t *testing.T) {
	// Steps write, except "add:VALUE" and "flush".
	tests := []struct {
		name  string
		steps []string
		want  string
	}{
		{"added before its bytes arrive", []string{"a ", "add:gamma-secret", "gamma-secret b"},
			"a " + Redacted + " b"},
		{"completes a held tail", []string{"add:alpha-secret-1", "x alpha-se", "add:alpha-sec-BETA", "c-BETA y"},
			"x " + Redacted + " y"},
		{"held tail of the new value only", []string{"add:alpha-secret-1", "x alpha-secret", "add:secret-42", "-42 y"},
			"x alpha-" + Redacted + " y"},
		{"extends a written marker", []string{"add:abcdef", "abcdef", "add:cdefgh", "gh."}, Redacted + "."},
		{"value cut by a flush survives the rescan",
			[]string{"add:token-123456", "a token-", "flush", "123456", "add:other-secret", " b"},
			"a token-" + Redacted + " b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			r := NewRedactor(&out)
			for _, step := range tc.steps {
				switch {
				case strings.HasPrefix(step, "add:"):
					r.Add(strings.TrimPrefix(step, "add:"))
				case step == "flush":
					if err := r.Flush(); err != nil {
						t.Fatal(err)
					}
				default:
					if _, err := io.WriteString(r, step); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("got %q, want %q", out.String(), tc.want)
			}
		})
	}
}
