package secrets

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzRedactor holds the streaming Redactor to the one-shot reference: for any values and
// any write boundaries its output is byte-identical to referenceRedact on the whole input,
// and the reference itself leaves no registered value in clear. A second stream, flushed
// at fuzzer-chosen points, may show part of a value cut by a Flush but never a whole one:
// every occurrence of a value in its output overlaps a Redacted.
//
// Values random to the fuzzer would rarely occur in its input, so each pair of bytes in
// cuts also registers a piece of the input (from offset a, 6 to 29 bytes long): that
// gives occurrences, overlaps and prefixes to work on. Each byte of splits is one write:
// its low six bits are the length, and its top bit asks for a Flush after it in the
// second stream. What is left of the input is the last write. Two more streams, with and
// without flushes, add the values one by one between writes; they are held to the same
// rules whenever no value occurs before the point it was added.
func FuzzRedactor(f *testing.F) {
	key := "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG\n-----END KEY-----\n"
	for _, seed := range []struct {
		input      string
		s1, s2, s3 string
		cuts       []byte
		splits     []byte
	}{
		{"abcdefgh", "abcdef", "cdefgh", "", nil, []byte{3, 1, 4}},
		{"xxabcdefghyy", "cdefgh", "abcdef", "", nil, []byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"secret12 secret13 secret1", "secret1", "secret12", "", nil, []byte{7, 0x81, 8}},
		{"aaaaaaaaaaaaa", "aaaaaa", "aaaaaaa", "aaaaaaaaaaaa", nil, []byte{2, 2, 0x82, 2}},
		{"abcabcabcab abcab", "abcabc", "", "", nil, []byte{4, 4}},
		{"abcdefghijklmn.", "abcdef", "ghijkl", "fghijklmn", nil, []byte{5, 0, 2, 0x87, 1}},
		{"abcdefgh! abcdefgh12", "abcdefgh12", "cdefgh", "", nil, []byte{9, 0x80, 3}},
		{"[REDACTED]secretXYZabc", "ED]abc", "secretXYZ", "[REDACTED]", nil, []byte{10, 3}},
		{key + `"` + strings.ReplaceAll(key, "\n", `\n`) + `"` + strings.ReplaceAll(key, "\n", "\r\n"),
			key, "", "", nil, []byte{20, 0x95, 33, 1, 17}},
		{`{"k":"pa\"ss\\word"} pa"ss\word`, `pa"ss\word`, "", "", nil, []byte{8, 8}},
		{`pässwörd-1 p\u00e4ssw\u00f6rd-1 a\u003cb\u003e&cdef`, "pässwörd-1", "a<b>&cdef", "", nil, nil},
		{"short abc 12345 values", "abc", "12345", "", nil, []byte{1, 2, 3}},
		{"", "", "", "", nil, nil},
		{"token=abcdefghij; again abcdefghij; part ghijkl", "", "", "", []byte{6, 4, 9, 3, 30, 10}, []byte{7, 0x83, 11}},
		{"xyxyxyxyxyxyxyxy", "", "", "", []byte{0, 2, 1, 1}, []byte{3, 3, 0x83}},
	} {
		f.Add([]byte(seed.input), seed.s1, seed.s2, seed.s3, seed.cuts, seed.splits)
	}
	f.Fuzz(func(t *testing.T, input []byte, s1, s2, s3 string, cuts, splits []byte) {
		values := []string{s1, s2, s3}
		for i := 0; i+1 < len(cuts) && i < 8 && len(input) > 0; i += 2 {
			from := int(cuts[i]) % len(input)
			values = append(values, string(input[from:min(len(input), from+6+int(cuts[i+1])%24)]))
		}
		patterns := registeredPatterns(values...)
		want, clear := referenceRedact(string(input), patterns)
		for _, c := range clear {
			for _, p := range patterns {
				if strings.Contains(c, p) {
					t.Fatalf("reference left %q in clear in %q", p, c)
				}
			}
		}
		var writes []fuzzWrite
		rest := input
		for _, b := range splits {
			n := min(int(b&0x3f), len(rest))
			writes = append(writes, fuzzWrite{rest[:n], b&0x80 != 0})
			rest = rest[n:]
		}
		writes = append(writes, fuzzWrite{rest, false})

		r := NewRedactor(io.Discard)
		r.Add(values...)
		if got := r.RedactString(string(input)); got != want {
			t.Fatalf("RedactString differs from the reference\n got: %q\nwant: %q", got, want)
		}
		if got, _ := fuzzStream(t, values, writes, false, false); got != want {
			t.Fatalf("streamed output differs from the reference\n got: %q\nwant: %q", got, want)
		}
		flushed, _ := fuzzStream(t, values, writes, true, false)
		if p, at, ok := valueInClear(flushed, patterns); ok {
			t.Fatalf("with flushes, %q shows whole at %d in %q", p, at, flushed)
		}
		// Values added one by one between writes: where no occurrence of a value begins
		// before it was added, the output must match the reference, and with flushes no
		// value may show whole.
		got, addedAt := fuzzStream(t, values, writes, false, true)
		for i, v := range values {
			for _, p := range registeredPatterns(v) {
				if k := strings.Index(string(input), p); k >= 0 && k < addedAt[i] {
					return
				}
			}
		}
		if got != want {
			t.Fatalf("with values added between writes at %v, output differs from the reference\n got: %q\nwant: %q",
				addedAt, got, want)
		}
		flushed, _ = fuzzStream(t, values, writes, true, true)
		if p, at, ok := valueInClear(flushed, patterns); ok {
			t.Fatalf("with values added between writes at %v and flushes, %q shows whole at %d in %q",
				addedAt, p, at, flushed)
		}
	})
}

type fuzzWrite struct {
	p     []byte
	flush bool // Flush after it, in a stream that flushes
}

// fuzzStream writes through a new Redactor and closes it. With flush, it flushes where
// writes ask; with staggered, values[0] is added first and values[i] before write i (or
// the last write), and addedAt tells at which input offset each value was added.
func fuzzStream(t *testing.T, values []string, writes []fuzzWrite, flush, staggered bool) (out string, addedAt []int) {
	var b bytes.Buffer
	r := NewRedactor(&b)
	addedAt = make([]int, len(values))
	if !staggered {
		r.Add(values...)
	}
	offset := 0
	for i, w := range writes {
		for k := range values {
			if staggered && (k == i || (i == len(writes)-1 && k > i)) {
				r.Add(values[k])
				addedAt[k] = offset
			}
		}
		if n, err := r.Write(w.p); err != nil || n != len(w.p) {
			t.Fatalf("Write(%d bytes) = %d, %v", len(w.p), n, err)
		}
		offset += len(w.p)
		if flush && w.flush {
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), addedAt
}

// valueInClear reports an occurrence of a pattern in out that overlaps no Redacted.
func valueInClear(out string, patterns []string) (pattern string, at int, found bool) {
	var markers []int
	for i := 0; ; {
		k := strings.Index(out[i:], Redacted)
		if k < 0 {
			break
		}
		markers = append(markers, i+k)
		i += k + 1
	}
	for _, p := range patterns {
		for i := 0; ; {
			k := strings.Index(out[i:], p)
			if k < 0 {
				break
			}
			start, end := i+k, i+k+len(p)
			covered := false
			for _, m := range markers {
				if m < end && start < m+len(Redacted) {
					covered = true
					break
				}
			}
			if !covered {
				return p, start, true
			}
			i = start + 1
		}
	}
	return "", 0, false
}

// referenceRedact is the specification the streaming Redactor must match byte for byte:
// scan the whole input at once, take the longest pattern at each position, merge
// occurrences that overlap (share a byte) into one run, and replace each run with
// Redacted. It also returns the input left in clear, for leak checks.
func referenceRedact(input string, patterns []string) (out string, clear []string) {
	type span struct{ start, end int }
	var spans []span
	for i := range len(input) {
		longest := 0
		for _, p := range patterns {
			if len(p) > longest && strings.HasPrefix(input[i:], p) {
				longest = len(p)
			}
		}
		if longest > 0 {
			spans = append(spans, span{i, i + longest})
		}
	}
	var b strings.Builder
	done := 0
	for k := 0; k < len(spans); {
		run := spans[k]
		for k++; k < len(spans) && spans[k].start < run.end; k++ {
			run.end = max(run.end, spans[k].end)
		}
		clear = append(clear, input[done:run.start])
		b.WriteString(input[done:run.start])
		b.WriteString(Redacted)
		done = run.end
	}
	clear = append(clear, input[done:])
	b.WriteString(input[done:])
	return b.String(), clear
}

// registeredPatterns is what Add registers for values.
func registeredPatterns(values ...string) []string {
	var ps []string
	for _, v := range values {
		if len(v) < MinRedactLength {
			continue
		}
		for _, p := range redactionForms(v) {
			if len(p) >= MinRedactLength {
				ps = append(ps, p)
			}
		}
	}
	return ps
}
