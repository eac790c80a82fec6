package config

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzStringToType checks that typing never panics, and that any parsed value
// prints (as Python's repr) to text that parses back to an equal value.
func FuzzStringToType(f *testing.F) {
	for _, seed := range []string{
		"", "true", "FALSE", "None", "42", "-0x_1f", "0123", "1_000", "7.5", ".5", "1e999", "1e-400",
		"'it''s'", `"\x41\u00e9\U0001F600\101\q"`, `r'\'`, "'''a\nb'''", "[1, (2,), {3, 3.0}]",
		"{'a': {'b': [None, True]}, 1: 2, (1, 'x'): 3}", "set()", "1, 2,", "-(1)", "--1",
		"\n 42", "42 # c", "[\n1,\n]", `{"a": true}`, "123456789012345678901234567890", "~/x", "${a.b}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := StringToType(s)
		if str, ok := v.(string); ok && str == s {
			return // not a literal: the input comes back unchanged
		}
		if hasNonFinite(v) {
			return // Python's repr of inf is not a literal either
		}
		repr := PyRepr(v)
		again := StringToType(repr)
		if diff := cmp.Diff(v, again, bigIntEqual); diff != "" {
			t.Fatalf("StringToType(%q) = %#v; its repr %q parses to %#v (-first +second):\n%s", s, v, repr, again, diff)
		}
	})
}

func hasNonFinite(v any) bool {
	switch x := v.(type) {
	case float64:
		return math.IsInf(x, 0) || math.IsNaN(x)
	case []any:
		for _, it := range x {
			if hasNonFinite(it) {
				return true
			}
		}
	case map[string]any:
		for _, it := range x {
			if hasNonFinite(it) {
				return true
			}
		}
	}
	return false
}
