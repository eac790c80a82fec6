package config

import (
	"math"
	"math/big"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// bigIntEqual lets go-cmp compare *big.Int by value.
var bigIntEqual = cmp.Comparer(func(a, b *big.Int) bool { return a.Cmp(b) == 0 })

func mustBig(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("bad big int %q", s)
	}
	return n
}

func TestStringToType(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		// booleans, any case
		{"true", true}, {"True", true}, {"TRUE", true}, {"tRuE", true},
		{"false", false}, {"FALSE", false}, {"fAlSe", false},
		// ints
		{"42", int64(42)}, {"-10", int64(-10)}, {"+7", int64(7)}, {"1_000", int64(1000)},
		{"0x10", int64(16)}, {"0X1f", int64(31)}, {"0o17", int64(15)}, {"0b11", int64(3)},
		{"0x_ff", int64(255)}, {"-0x10", int64(-16)}, {"0", int64(0)}, {"00", int64(0)}, {"0_0", int64(0)},
		{"9223372036854775807", int64(math.MaxInt64)},
		{"-9223372036854775808", int64(math.MinInt64)},
		// leading zeros are a syntax error: the string stays
		{"0123", "0123"}, {"0_1", "0_1"}, {"-0123", "-0123"},
		// bad digits and underscores
		{"1__0", "1__0"}, {"1_", "1_"}, {"_1", "_1"}, {"0b12", "0b12"}, {"0x", "0x"}, {"1abc", "1abc"},
		// floats
		{"7.5", 7.5}, {"1e3", 1000.0}, {".5", 0.5}, {"5.", 5.0}, {"1.e2", 100.0}, {"1_0.5", 10.5},
		{"-2.5e-3", -0.0025}, {"0123.5", 123.5}, {"1E+2", 100.0}, {"1e999", math.Inf(1)},
		{"-1e999", math.Inf(-1)},
		// not literals
		{"inf", "inf"}, {"nan", "nan"}, {"1e", "1e"}, {"1j", "1j"}, {"1+2j", "1+2j"}, {"1 + 2", "1 + 2"},
		{"--1", "--1"}, {"-(-1)", "-(-1)"}, {"-True", "-True"}, {"-'a'", "-'a'"}, {"~1", "~1"},
		// constants
		{"None", nil}, {"none", "none"}, {"null", "null"},
		// strings
		{"'42'", "42"}, {`"abc"`, "abc"}, {`'''a'b'''`, "a'b"}, {`"""x"y"""`, `x"y`},
		{`'a\nb'`, "a\nb"}, {`'\x41\u00e9\U0001F600'`, "Aé😀"}, {`'\101'`, "A"}, {`'\q'`, `\q`},
		{`r'\n'`, `\n`}, {`R"a\"b"`, `a\"b`}, {`u'x'`, "x"}, {`'a' "b"`, "ab"}, {"'a'\n", "a"},
		{"'''a\nb'''", "a\nb"}, {`'\
x'`, "x"},
		{`b'x'`, `b'x'`}, {`f'x'`, `f'x'`}, {`'\N{DASH}'`, `'\N{DASH}'`}, {`'\ud800'`, `'\ud800'`},
		{`'\x4'`, `'\x4'`}, {"'a\nb'", "'a\nb'"}, {`'abc`, `'abc`},
		// containers
		{"[]", []any{}}, {"[1, 'a', None]", []any{int64(1), "a", nil}}, {"[1, 2,]", []any{int64(1), int64(2)}},
		{"()", []any{}}, {"(1,)", []any{int64(1)}}, {"(1)", int64(1)}, {"1, 2", []any{int64(1), int64(2)}},
		{"{1, 2, 2}", []any{int64(1), int64(2)}}, {"{1, 1.0, True}", []any{int64(1)}}, {"set()", []any{}},
		{"{}", map[string]any{}},
		{"{'a': 1, 'b': [2, {'c': None}]}", map[string]any{"a": int64(1), "b": []any{int64(2), map[string]any{"c": nil}}}},
		{"{1: 'x', None: 2, 1.5: 3, (1, 'a'): 4, True: 5}",
			map[string]any{"1": int64(5), "None": int64(2), "1.5": int64(3), "(1, 'a')": int64(4)}},
		{"{'a': 1, 'a': 2}", map[string]any{"a": int64(2)}},
		{"[\n  1,\n  2,  # two\n]", []any{int64(1), int64(2)}},
		// not literals
		{"[1 2]", "[1 2]"}, {"{[1]: 2}", "{[1]: 2}"}, {"{[1]}", "{[1]}"}, {"{1: 2, 3}", "{1: 2, 3}"},
		{"[*a]", "[*a]"}, {"(1, 2", "(1, 2"}, {"1)", "1)"}, {"set([])", "set([])"}, {"x", "x"},
		{"True()", "True()"}, {"None.x", "None.x"}, {"1\n2", "1\n2"},
		// JSON is not Python
		{`{"a": true}`, `{"a": true}`}, {`[null]`, `[null]`},
		// whitespace and comments
		{" 42", int64(42)}, {"\t42", int64(42)}, {"42 ", int64(42)}, {"42\n", int64(42)}, {"\n42", int64(42)},
		{"42 # answer", int64(42)}, {"\n 42", "\n 42"}, {"", ""}, {"   ", "   "}, {"# c", "# c"},
		{"4\x002", "4\x002"},
		// ordinary text
		{"cloud", "cloud"}, {"http://localhost:4200", "http://localhost:4200"}, {"~/.prefect", "~/.prefect"},
		{"${backend}", "${backend}"}, {"[%(asctime)s]", "[%(asctime)s]"},
	}
	for _, tt := range tests {
		got := StringToType(tt.in)
		if diff := cmp.Diff(tt.want, got, bigIntEqual); diff != "" {
			t.Errorf("StringToType(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestStringToTypeBigInts(t *testing.T) {
	tests := []struct {
		in   string
		want *big.Int
	}{
		{"9223372036854775808", mustBig(t, "9223372036854775808")},
		{"-9223372036854775809", mustBig(t, "-9223372036854775809")},
		{"0xffffffffffffffffff", mustBig(t, "4722366482869645213695")},
		{"123_456_789_012_345_678_901", mustBig(t, "123456789012345678901")},
	}
	for _, tt := range tests {
		got, ok := StringToType(tt.in).(*big.Int)
		if !ok || got.Cmp(tt.want) != 0 {
			t.Errorf("StringToType(%q) = %v, want big int %v", tt.in, got, tt.want)
		}
	}
}

func TestStringToTypeNestingLimit(t *testing.T) {
	deep := ""
	for i := 0; i < maxNesting+1; i++ {
		deep = "[" + deep + "]"
	}
	if got := StringToType(deep); got != deep {
		t.Errorf("nesting beyond %d brackets should keep the string, got %T", maxNesting, got)
	}
	ok := "[[[[1]]]]"
	want := []any{[]any{[]any{[]any{int64(1)}}}}
	if diff := cmp.Diff(want, StringToType(ok)); diff != "" {
		t.Errorf("nested list mismatch:\n%s", diff)
	}
}
