package secrets

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// MinRedactLength is the length, in bytes, below which a value is not redacted: masking
// every "prod" or "1234" would mangle unrelated output and hide nothing of value.
const MinRedactLength = 6

// ErrRedactorClosed is returned by Write after Close.
var ErrRedactorClosed = errors.New("secrets: write to a closed redactor; create a new Redactor for a new stream")

// Redactor is an io.Writer that replaces every registered secret value in the stream
// passing through it with Redacted before handing it to the underlying writer.
//
// Matching is leftmost-longest, and occurrences that overlap are merged into one
// Redacted, so no fragment of either value shows. A value split across writes is still
// caught: Write holds back only the tail that could still be the start of a value (never
// more than the longest value's length minus one) and writes everything else at once.
// Flush writes the held tail out; call it at the end of the stream (Close does) or when a
// partial line has waited too long. A value cut by a Flush is redacted from the cut on.
//
// Add may be called at any time, also while another goroutine writes; each value is
// redacted from the next Write or Flush on, including in bytes still held back. Every
// method is safe for concurrent use. A Redactor never prints the values it holds.
type Redactor struct {
	w    io.Writer
	warn func(msg string)

	addMu sync.Mutex
	reg   *registry // guarded by addMu; behind a pointer so no value can print it
	m     atomic.Pointer[matcher]

	mu     sync.Mutex
	s      *redactStream // guarded by mu
	closed bool          // guarded by mu
}

// registry is the set of byte patterns registered so far, and the short values already
// warned about.
type registry struct {
	patterns []string
	known    map[string]bool
	warned   map[string]bool
}

// RedactorOption configures a Redactor.
type RedactorOption func(*Redactor)

// WithWarn sets where warnings go: one for each distinct value too short to redact. The
// message gives the value's length, never the value. Without it warnings are dropped.
func WithWarn(warn func(msg string)) RedactorOption {
	return func(r *Redactor) {
		if warn != nil {
			r.warn = warn
		}
	}
}

// NewRedactor returns a Redactor writing to w, with no values registered yet.
func NewRedactor(w io.Writer, opts ...RedactorOption) *Redactor {
	r := &Redactor{
		w:    w,
		warn: func(string) {},
		reg:  &registry{known: map[string]bool{}, warned: map[string]bool{}},
	}
	for _, opt := range opts {
		opt(r)
	}
	m := newMatcher(nil)
	r.m.Store(m)
	r.s = &redactStream{m: m}
	return r
}

// Add registers values to redact. A value that contains characters JSON escapes is also
// registered in its escaped forms, and a multi-line value with both "\n" and "\r\n" line
// ends. Values shorter than MinRedactLength are not redacted; each is reported once
// through the warn function. Each call that adds something rebuilds the matching
// automaton, so register a batch of values in one call.
func (r *Redactor) Add(values ...string) {
	var warnings []string
	r.addMu.Lock()
	added := false
	for _, v := range values {
		if len(v) < MinRedactLength {
			if !r.reg.warned[v] {
				r.reg.warned[v] = true
				warnings = append(warnings, fmt.Sprintf(
					"a secret value of %d bytes is shorter than %d bytes and will not be redacted from output",
					len(v), MinRedactLength))
			}
			continue
		}
		for _, p := range redactionForms(v) {
			if len(p) >= MinRedactLength && !r.reg.known[p] {
				r.reg.known[p] = true
				r.reg.patterns = append(r.reg.patterns, p)
				added = true
			}
		}
	}
	if added {
		r.m.Store(newMatcher(r.reg.patterns))
	}
	r.addMu.Unlock()
	// Outside the lock, so a warn function that logs through this Redactor cannot deadlock.
	for _, msg := range warnings {
		r.warn(msg)
	}
}

// Write redacts p into the stream and writes out the part of the result that is ready.
// It always consumes all of p, so it returns len(p), together with the underlying
// writer's error (wrapped) when that write failed: writing p again would duplicate it.
func (r *Redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, ErrRedactorClosed
	}
	r.s.write(r.m.Load(), p)
	return len(p), r.emit()
}

// Flush writes out the tail held back in case it was the start of a value.
func (r *Redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.s.flush(r.m.Load())
	return r.emit()
}

// Close flushes the stream. It does not close the underlying writer. Writes after Close
// fail with ErrRedactorClosed; Close and Flush after Close do nothing.
func (r *Redactor) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.s.flush(r.m.Load())
	return r.emit()
}

// emit hands the stream's pending output to the underlying writer. Called with mu held.
func (r *Redactor) emit() error {
	out := r.s.out
	r.s.out = out[:0]
	if len(out) == 0 {
		return nil
	}
	n, err := r.w.Write(out)
	if err == nil && n < len(out) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("secrets: writing redacted output: %w", err)
	}
	return nil
}

// RedactString returns s with every registered value redacted, independently of the
// stream: for error messages, log fields and other one-shot text.
func (r *Redactor) RedactString(s string) string {
	m := r.m.Load()
	if m.maxLen == 0 || len(s) == 0 {
		return s
	}
	st := &redactStream{m: m}
	st.write(m, []byte(s))
	st.flush(m)
	return string(st.out)
}

// String implements fmt.Stringer without revealing anything registered.
func (r *Redactor) String() string { return "secrets.Redactor{" + Redacted + "}" }

// GoString implements fmt.GoStringer, for %#v.
func (r *Redactor) GoString() string { return r.String() }

// Format implements fmt.Formatter, so every verb (%x included) prints String.
func (r *Redactor) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// redactionForms returns the byte sequences under which v may show in output: v itself;
// for a multi-line value, its "\n" and "\r\n" spellings (a terminal turns one into the
// other); and for each of those, the escaped text that JSON encoders and Go's %q produce
// when the value sits inside a string literal.
func redactionForms(v string) []string {
	lines := []string{v}
	if strings.Contains(v, "\n") {
		lf := strings.ReplaceAll(v, "\r\n", "\n")
		lines = append(lines, lf, strings.ReplaceAll(lf, "\n", "\r\n"))
	}
	var forms []string
	seen := map[string]bool{}
	for _, l := range lines {
		quoted := strconv.Quote(l)
		for _, f := range []string{
			l,
			jsonEscape(l, jsonMinimal), // encoders that escape only what JSON requires
			jsonEscape(l, jsonHTML),    // Go's encoding/json
			jsonEscape(l, jsonASCII),   // Python's json.dumps
			quoted[1 : len(quoted)-1],  // Go's %q
		} {
			if !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	return forms
}

type jsonStyle int

const (
	jsonMinimal jsonStyle = iota // quote, backslash and control characters only
	jsonHTML                     // also <, >, &, U+2028 and U+2029
	jsonASCII                    // also everything outside printable ASCII
)

// jsonEscape returns s as the inside of a JSON string literal in the given style. Bytes
// that are not valid UTF-8 are kept as they are.
func jsonEscape(s string, style jsonStyle) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\b':
				b.WriteString(`\b`)
			case c == '\f':
				b.WriteString(`\f`)
			case c < 0x20 || (c == 0x7f && style == jsonASCII) ||
				(style == jsonHTML && (c == '<' || c == '>' || c == '&')):
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			default:
				b.WriteByte(c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		escape := style == jsonASCII || (style == jsonHTML && (r == '\u2028' || r == '\u2029'))
		if r == utf8.RuneError && size == 1 || !escape {
			b.WriteString(s[i : i+size])
		} else {
			units := []rune{r}
			if r > 0xffff {
				r -= 0x10000
				units = []rune{0xd800 + r>>10, 0xdc00 + r&0x3ff}
			}
			for _, u := range units {
				b.WriteString(`\u`)
				for shift := 12; shift >= 0; shift -= 4 {
					b.WriteByte(hex[u>>shift&0xf])
				}
			}
		}
		i += size
	}
	return b.String()
}
