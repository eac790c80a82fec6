package config

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
)

func TestPyRepr(t *testing.T) {
	huge, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"none", nil, "None"},
		{"true", true, "True"},
		{"false", false, "False"},
		{"int", int64(-42), "-42"},
		{"big int", huge, "-123456789012345678901234567890"},
		{"whole float", 30.0, "30.0"},
		{"fraction", 7.5, "7.5"},
		{"1e16 uses an exponent", 1e16, "1e+16"},
		{"1e15 does not", 1e15, "1000000000000000.0"},
		{"small fixed", 0.0001, "0.0001"},
		{"small exponent", 0.00001, "1e-05"},
		{"shortest digits", 0.1, "0.1"},
		{"exponent with digits", 1.5e-7, "1.5e-07"},
		{"large exponent", 1e22, "1e+22"},
		{"largest float", math.MaxFloat64, "1.7976931348623157e+308"},
		{"smallest float", 5e-324, "5e-324"},
		{"negative small exponent", -2.5e-5, "-2.5e-05"},
		{"sixteen digits fixed", 1234567890123456.7, "1234567890123456.8"},
		{"seventeen digits exponent", 12345678901234567.0, "1.2345678901234568e+16"},
		{"beyond 2**53", 9007199254740993.0, "9007199254740992.0"},
		{"fixed with fraction", 123456789.123, "123456789.123"},
		{"negative zero", math.Copysign(0, -1), "-0.0"},
		{"inf", math.Inf(1), "inf"},
		{"minus inf", math.Inf(-1), "-inf"},
		{"string", "abc", "'abc'"},
		{"single quote inside", "it's", `"it's"`},
		{"both quotes", `it's "x"`, `'it\'s "x"'`},
		{"escapes", "a\\b\n\t\r\x00\x7f", `'a\\b\n\t\r\x00\x7f'`},
		{"printable unicode", "é😀", "'é😀'"},
		{"non-printable unicode", "\u00a0\u2028\U000e0001", `'\xa0\u2028\U000e0001'`},
		{"format and space separators", "\u0085\u200b\ufeff\u3000 😀", `'\x85\u200b\ufeff\u3000 😀'`},
		{"invalid utf-8", "a\xffb", `'a\udcffb'`},
		{"list", []any{int64(1), "a", nil, []any{}}, "[1, 'a', None, []]"},
		{"dict sorted", map[string]any{"b": 1.0, "a": []any{true}}, "{'a': [True], 'b': 1.0}"},
		{"dict in insertion order", Dict{{"z", int64(1)}, {"a", []any{true, Dict{{"y", nil}, {"b", 2.0}}}}}, "{'z': 1, 'a': [True, {'y': None, 'b': 2.0}]}"},
		{"empty dict", Dict{}, "{}"},
		{"dict key quoting", []any{Dict{{"it's", "v"}}}, `[{"it's": 'v'}]`},
		{"map inside dict", Dict{{"m", map[string]any{"b": nil, "a": int64(0)}}}, "{'m': {'a': 0, 'b': None}}"},
		{"strings", []string{"x", "y"}, "['x', 'y']"},
		{"duration", 5 * time.Second, "0:00:05"},
		{"local date", toml.LocalDate{Year: 1979, Month: 5, Day: 27}, "1979-05-27"},
		{"local time", toml.LocalTime{Hour: 7, Minute: 32, Nanosecond: 5000}, "07:32:00.000005"},
		{"datetime", time.Date(1979, 5, 27, 7, 32, 0, 0, time.FixedZone("", -7*3600)), "1979-05-27 07:32:00-07:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PyRepr(tt.in); got != tt.want {
				t.Errorf("PyRepr(%#v) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestPyStr(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{"plain", "plain"},
		{"it's", "it's"},
		{true, "True"},
		{nil, "None"},
		{int64(4200), "4200"},
		{30.0, "30.0"},
		{[]any{"a", int64(1)}, "['a', 1]"},
		{map[string]any{"k": "v"}, "{'k': 'v'}"},
	}
	for _, tt := range tests {
		if got := PyStr(tt.in); got != tt.want {
			t.Errorf("PyStr(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTimedeltaStr(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0:00:00"},
		{5 * time.Second, "0:00:05"},
		{90 * time.Minute, "1:30:00"},
		{25 * time.Hour, "1 day, 1:00:00"},
		{49 * time.Hour, "2 days, 1:00:00"},
		{-5 * time.Second, "-1 day, 23:59:55"},
		{1500 * time.Millisecond, "0:00:01.500000"},
	}
	for _, tt := range tests {
		if got := timedeltaStr(tt.in); got != tt.want {
			t.Errorf("timedeltaStr(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
