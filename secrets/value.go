// Package secrets holds secret values, resolves them the way Prefect 1.x does, and keeps
// them out of every output through the Redactor.
package secrets

import (
	"fmt"
	"io"

	"go.uber.org/zap/zapcore"
)

// Redacted is what a secret prints as, wherever it is printed.
const Redacted = "[REDACTED]"

// Value holds one secret. It never prints, formats, logs or marshals its contents: every
// such path yields "[REDACTED]". The contents are reached only through Reveal, so each
// place that handles the real value is easy to find.
//
// The contents are the decoded value as Prefect's Secret.get returns it: a string, a
// number (int64, *big.Int or float64), a bool, nil, a []any or a map[string]any.
//
// The contents sit behind a pointer so that even reflection-based printing cannot reach
// them: fmt cannot call Format on a Value held in an unexported struct field and walks
// its fields instead, but it prints a nested pointer as an address, never dereferenced.
type Value struct {
	p *any
}

// NewValue wraps v.
func NewValue(v any) Value { return Value{p: &v} }

// Reveal returns the secret's contents (nil for the zero Value). Call it only where the
// value is handed to the thing that needs it (a child process's environment, an HTTP
// header, a redactor).
func (s Value) Reveal() any {
	if s.p == nil {
		return nil
	}
	return *s.p
}

// String implements fmt.Stringer.
func (s Value) String() string { return Redacted }

// GoString implements fmt.GoStringer, so %#v is covered too.
func (s Value) GoString() string { return Redacted }

// Format implements fmt.Formatter, so every verb and flag (%x, %d, %q, %08s, ...) prints
// the placeholder instead of falling back to formatting the contents.
func (s Value) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, Redacted) }

// MarshalJSON implements json.Marshaler.
func (s Value) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler.
func (s Value) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// MarshalLogObject lets zap.Object print it; zap.Any picks it too (before the Stringer).
func (s Value) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("value", Redacted)
	return nil
}
