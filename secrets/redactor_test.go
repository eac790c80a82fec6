package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// redactChunks writes chunks through a new Redactor holding values, then flushes.
func redactChunks(t testing.TB, values []string, chunks []string) string {
	t.Helper()
	var out bytes.Buffer
	r := NewRedactor(&out)
	r.Add(values...)
	for _, c := range chunks {
		if n, err := r.Write([]byte(c)); err != nil || n != len(c) {
			t.Fatalf("Write(%d bytes) = %d, %v; want %d, nil", len(c), n, err, len(c))
		}
	}
	if err := r.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return out.String()
}

// randomSplit cuts s into pieces of 0 to 7 bytes.
func randomSplit(rng *rand.Rand, s string) []string {
	var chunks []string
	for len(s) > 0 {
		n := min(rng.IntN(8), len(s))
		chunks = append(chunks, s[:n])
		s = s[n:]
	}
	return chunks
}

var redactCases = []struct {
	name    string
	secrets []string
	input   string
	want    string
}{
	{"no secrets", nil, "plain text\n", "plain text\n"},
	{"exact", []string{"hunter22"}, "hunter22", Redacted},
	{"inside a line", []string{"hunter22"}, "pw=hunter22 ok\n", "pw=" + Redacted + " ok\n"},
	{"at start", []string{"hunter22"}, "hunter22 is it", Redacted + " is it"},
	{"at end", []string{"hunter22"}, "it is hunter22", "it is " + Redacted},
	{"many times", []string{"s3cr3t!"}, "s3cr3t! a s3cr3t!s3cr3t! b s3cr3t",
		Redacted + " a " + Redacted + Redacted + " b s3cr3t"},
	{"multiple values", []string{"alpha-secret", "beta-secret"}, "x alpha-secret y beta-secret z",
		"x " + Redacted + " y " + Redacted + " z"},
	{"almost a value", []string{"hunter22"}, "hunter2 hunter2X hunter222", "hunter2 hunter2X " + Redacted + "2"},
	{"overlap both ways", []string{"abcdef", "cdefgh"}, "abcdefgh", Redacted},
	{"overlap in text", []string{"abcdef", "cdefgh"}, "xxabcdefghyy", "xx" + Redacted + "yy"},
	{"overlap reversed", []string{"abcdef", "cdefgh"}, "cdefgh abcdef", Redacted + " " + Redacted},
	{"overlap chain", []string{"abcdef", "defghi", "ghijkl"}, "_abcdefghijkl_", "_" + Redacted + "_"},
	{"contained", []string{"abcdefgh", "cdefgh"}, "abcdefgh xcdefghx", Redacted + " x" + Redacted + "x"},
	{"longer value unfinished", []string{"abcdefgh12", "cdefgh"}, "abcdefgh!", "ab" + Redacted + "!"},
	{"merge reaches back", []string{"abcdef", "ghijkl", "fghijklmn"}, "abcdefghijklmn.", Redacted + "."},
	{"adjacent stay separate", []string{"abcdef", "ghijkl"}, "abcdefghijkl", Redacted + Redacted},
	{"self overlap", []string{"aaaaaa"}, "aaaaaaaaa b", Redacted + " b"},
	{"periodic overlap", []string{"abcabc"}, "abcabcabcab", Redacted + "ab"},
	{"prefix of another", []string{"secret1", "secret12"}, "secret12 secret13 secret1",
		Redacted + " " + Redacted + "3 " + Redacted},
	{"prefix registered second", []string{"secret12", "secret1"}, "secret12secret1", Redacted + Redacted},
	{"looks like the marker", []string{"[REDACTED]"}, "a [REDACTED] b", "a " + Redacted + " b"},
	{"short values left alone", []string{"abc", "12345"}, "abc 12345", "abc 12345"},
	{"binary", []string{"\x00\xff\x00\xff\x00\xff"}, "\x00\xff\x00\xff\x00\xff\x00", Redacted + "\x00"},
}

func TestRedactorCases(t *testing.T) {
	for _, tc := range redactCases {
		t.Run(tc.name, func(t *testing.T) {
			if ref, _ := referenceRedact(tc.input, registeredPatterns(tc.secrets...)); ref != tc.want {
				t.Fatalf("reference gives %q, want %q", ref, tc.want)
			}
			if got := redactChunks(t, tc.secrets, []string{tc.input}); got != tc.want {
				t.Errorf("one write: got %q, want %q", got, tc.want)
			}
			for i := range len(tc.input) + 1 {
				for j := i; j <= len(tc.input); j++ {
					chunks := []string{tc.input[:i], tc.input[i:j], tc.input[j:]}
					if got := redactChunks(t, tc.secrets, chunks); got != tc.want {
						t.Fatalf("writes %q: got %q, want %q", chunks, got, tc.want)
					}
				}
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for range 50 {
				chunks := randomSplit(rng, tc.input)
				if got := redactChunks(t, tc.secrets, chunks); got != tc.want {
					t.Fatalf("writes %q: got %q, want %q", chunks, got, tc.want)
				}
			}
			r := NewRedactor(io.Discard)
			r.Add(tc.secrets...)
			if got := r.RedactString(tc.input); got != tc.want {
				t.Errorf("RedactString: got %q, want %q", got, tc.want)
			}
		})
	}
}

// fakePrivateKey is shaped like the private key of a GCP service account: PEM armour and
// 64-character base64 lines.
func fakePrivateKey(lineEnd string) string {
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	b.WriteString("-----BEGIN PRIVATE KEY-----" + lineEnd)
	for range 26 {
		for range 64 {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		b.WriteString(lineEnd)
	}
	b.WriteString("-----END PRIVATE KEY-----" + lineEnd)
	return b.String()
}

func TestRedactorMultiLineValue(t *testing.T) {
	key := fakePrivateKey("\n")
	crlf := fakePrivateKey("\r\n")
	escaped := strings.ReplaceAll(key, "\n", `\n`)
	tests := []struct {
		name, registered, input, want string
	}{
		{"as is", key, "key:\n" + key + "done\n", "key:\n" + Redacted + "done\n"},
		{"json escaped", key, `{"private_key": "` + escaped + `", "x": 1}`,
			`{"private_key": "` + Redacted + `", "x": 1}`},
		{"crlf line ends", key, "key:\r\n" + crlf + "done\r\n", "key:\r\n" + Redacted + "done\r\n"},
		{"crlf json escaped", key, `"` + strings.ReplaceAll(crlf, "\r\n", `\r\n`) + `"`, `"` + Redacted + `"`},
		{"registered with crlf, printed with lf", crlf, key + "!", Redacted + "!"},
		{"registered with crlf, json escaped lf", crlf, `"` + escaped + `"`, `"` + Redacted + `"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := redactChunks(t, []string{tc.registered}, []string{tc.input}); got != tc.want {
				t.Fatalf("one write: got %q, want %q", got, tc.want)
			}
			// Building the matcher for a key takes longer than streaming it, so every split
			// shares one.
			m := newMatcher(registeredPatterns(tc.registered))
			for i := range len(tc.input) + 1 {
				s := &redactStream{m: m}
				s.write(m, []byte(tc.input[:i]))
				s.write(m, []byte(tc.input[i:]))
				s.flush(m)
				if got := string(s.out); got != tc.want {
					t.Fatalf("split at %d: got %q, want %q", i, got, tc.want)
				}
			}
		})
	}
}

// TestRedactorEscapedForms checks the escaped forms against what real encoders print.
func TestRedactorEscapedForms(t *testing.T) {
	tests := []struct {
		name, value, printed string
	}{
		{"quote and backslash", `pa"ss\word`, `pa\"ss\\word`},
		{"go json escapes html", "a<b>&cdef", `a\u003cb\u003e\u0026cdef`},
		{"python json escapes non-ascii", "pässwörd-1", `p\u00e4ssw\u00f6rd-1`},
		{"astral plane as surrogates", "key-\U0001F511-x", `key-\ud83d\udd11-x`},
		{"control characters", "tab\there\x01", `tab\there\u0001`},
		{"go %q", "bell\a-value", strings.Trim(fmt.Sprintf("%q", "bell\a-value"), `"`)},
		{"go %q non-printable", "esc\x1b-value", strings.Trim(fmt.Sprintf("%q", "esc\x1b-value"), `"`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			input := `{"v":"` + tc.printed + `"} and ` + tc.value
			want := `{"v":"` + Redacted + `"} and ` + Redacted
			if got := redactChunks(t, []string{tc.value}, []string{input}); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestRedactorWarnsShortValuesOnce(t *testing.T) {
	var warnings []string
	var out bytes.Buffer
	r := NewRedactor(&out, WithWarn(func(msg string) { warnings = append(warnings, msg) }))
	r.Add("xyz", "q9Z!k", "xyz", "long-enough")
	r.Add("q9Z!k", "")
	if _, err := io.WriteString(r, "xyz q9Z!k long-enough"); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := "xyz q9Z!k " + Redacted; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	if len(warnings) != 3 {
		t.Fatalf("got %d warnings %q, want one for each distinct short value (3)", len(warnings), warnings)
	}
	for i, n := range []string{"3 bytes", "5 bytes", "0 bytes"} {
		if !strings.Contains(warnings[i], n) {
			t.Errorf("warning %q does not give the length %q", warnings[i], n)
		}
		if strings.Contains(warnings[i], "xyz") || strings.Contains(warnings[i], "q9Z!k") {
			t.Errorf("warning %q contains a value", warnings[i])
		}
	}
}

func TestRedactorClose(t *testing.T) {
	var out bytes.Buffer
	r := NewRedactor(&out)
	r.Add("secret-value")
	if _, err := io.WriteString(r, "ends with secret-val"); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if out.String() != "ends with secret-val" {
		t.Errorf("Close did not flush: %q", out.String())
	}
	if _, err := r.Write([]byte("more")); !errors.Is(err, ErrRedactorClosed) {
		t.Errorf("Write after Close: %v, want ErrRedactorClosed", err)
	}
}

// TestRedactorConcurrent is meant for -race: values are added while another goroutine
// writes, and a value added before the line that carries it is written never shows.
func TestRedactorConcurrent(t *testing.T) {
	const lines = 200
	var out bytes.Buffer
	r := NewRedactor(&out)
	values := make([]string, lines)
	for i := range values {
		values[i] = fmt.Sprintf("value-%03d-%x", i, i*7919)
	}
	ready := make(chan int)
	noiseDone := make(chan struct{})
	go func() { // adds each line's value, then lets the writer write that line
		for i, v := range values {
			r.Add(v)
			ready <- i
		}
		close(ready)
	}()
	go func() { // churns the matcher, and checks each value is in force once Add returns
		defer close(noiseDone)
		for i := range lines {
			noise := fmt.Sprintf("noise-%d-never-written", i)
			r.Add(noise)
			if got := r.RedactString("x " + noise + " y"); got != "x "+Redacted+" y" {
				t.Errorf("RedactString right after Add returned %q", got)
			}
		}
	}()
	for i := range ready {
		line := fmt.Sprintf("line %d: token=%s end\n", i, values[i])
		mid := len(line) / 2
		for _, part := range []string{line[:mid], line[mid:]} {
			if _, err := io.WriteString(r, part); err != nil {
				t.Fatal(err)
			}
		}
	}
	<-noiseDone
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, v := range values {
		if strings.Contains(got, v) {
			t.Fatalf("value %d leaked", len(v))
		}
	}
	if n := strings.Count(got, Redacted); n != lines {
		t.Errorf("%d values redacted, want %d", n, lines)
	}
}

type failingWriter struct {
	err   error
	short bool
}

func (w failingWriter) Write(p []byte) (int, error) {
	if w.short {
		return len(p) / 2, nil
	}
	return 0, w.err
}

func TestRedactorWriterError(t *testing.T) {
	errDisk := errors.New("disk full")
	tests := []struct {
		name string
		w    io.Writer
		want error
	}{
		{"error", failingWriter{err: errDisk}, errDisk},
		{"short write", failingWriter{short: true}, io.ErrShortWrite},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRedactor(tc.w)
			r.Add("secret-value")
			n, err := r.Write([]byte("some output, then secret-"))
			if !errors.Is(err, tc.want) {
				t.Errorf("Write error %v, want %v", err, tc.want)
			}
			if n != len("some output, then secret-") {
				t.Errorf("Write returned %d, want all of p consumed", n)
			}
			if err := r.Flush(); !errors.Is(err, tc.want) {
				t.Errorf("Flush error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRedactorPrintsNoValue(t *testing.T) {
	const value = "do-not-print-me"
	r := NewRedactor(io.Discard)
	r.Add(value)
	holder := struct{ R *Redactor }{r}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		for _, arg := range []any{r, holder} {
			got := fmt.Sprintf(verb, arg)
			if strings.Contains(got, value) || strings.Contains(got, fmt.Sprintf("%x", value)) ||
				strings.Contains(got, fmt.Sprintf("%X", value)) {
				t.Errorf("%s printed %q", verb, got)
			}
		}
	}
}

func TestRedactStringLeavesStreamAlone(t *testing.T) {
	var out bytes.Buffer
	r := NewRedactor(&out)
	r.Add("secret-value")
	if _, err := io.WriteString(r, "held secret-"); err != nil {
		t.Fatal(err)
	}
	if got := r.RedactString("value here, secret-value"); got != "value here, "+Redacted {
		t.Errorf("RedactString: %q", got)
	}
	if _, err := io.WriteString(r, "value!"); err != nil {
		t.Fatal(err)
	}
	if want := "held " + Redacted + "!"; out.String() != want {
		t.Errorf("stream: %q, want %q", out.String(), want)
	}
}
