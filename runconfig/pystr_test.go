package runconfig

import (
	"encoding/json"
	"testing"
)

// Expected values are what CPython prints for str(json.loads(text)).
func TestPyStrMatchesPythonStrOfJSON(t *testing.T) {
	tests := []struct {
		json string
		want string
	}{
		{`"abc"`, `abc`},
		{`null`, `None`},
		{`true`, `True`},
		{`false`, `False`},
		{`8080`, `8080`},
		{`-0`, `0`},
		{`12345678901234567890`, `12345678901234567890`},
		{`1.0`, `1.0`},
		{`1.5`, `1.5`},
		{`1e16`, `1e+16`},
		{`1e15`, `1000000000000000.0`},
		{`0.0001`, `0.0001`},
		{`0.00001`, `1e-05`},
		{`-0.0`, `-0.0`},
		{`1E400`, `inf`},
		{`-1e400`, `-inf`},
		{`1e-400`, `0.0`},
		{`5e-324`, `5e-324`},
		{`1.5e-7`, `1.5e-07`},
		{`2.5e100`, `2.5e+100`},
		{`0.1`, `0.1`},
		{`100.0`, `100.0`},
		{`1e22`, `1e+22`},
		{`123456789.123`, `123456789.123`},
		{`9007199254740993.0`, `9007199254740992.0`},
		{`[1, "a", null, true, 2.50]`, `[1, 'a', None, True, 2.5]`},
		{`[]`, `[]`},
		{`{}`, `{}`},
		{`{"b": 1, "a": [2]}`, `{'b': 1, 'a': [2]}`},
		{`{"a": 1, "b": 2, "a": 3}`, `{'a': 3, 'b': 2}`},
		{`["it's"]`, `["it's"]`},
		{`["it's \"x\""]`, `['it\'s "x"']`},
		{`["a\\b"]`, `['a\\b']`},
		{`["\n\t\r\u0001\u007f"]`, `['\n\t\r\x01\x7f']`},
		{`["é\u00a0\u200b\ud83d\ude00\u0085 "]`, `['é\xa0\u200b😀\x85 ']`},
		{`[{"k": ["v"]}]`, `[{'k': ['v']}]`},
	}
	for _, tt := range tests {
		v, err := decodeValue(json.RawMessage(tt.json))
		if err != nil {
			t.Fatalf("decodeValue(%s): %v", tt.json, err)
		}
		if got := pyStr(v); got != tt.want {
			t.Errorf("pyStr(%s) = %s, want %s", tt.json, got, tt.want)
		}
	}
}

func TestPyReprOfGoValues(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"labels", []string{"42", "marvin", "host"}, `['42', 'marvin', 'host']`},
		{"no labels", []string{}, `[]`},
		{"label with quote", []string{"it's"}, `["it's"]`},
		{"string", "x", `'x'`},
		{"map sorted", map[string]any{"b": 1, "a": false}, `{'a': False, 'b': 1}`},
		{"float64", 3.0, `3.0`},
		{"int64", int64(-7), `-7`},
		{"nil", nil, `None`},
		{"label with undecodable byte", []string{"a\xffb"}, `['a\udcffb']`},
		{"numbers nested in a map", map[string]any{"n": []any{json.Number("1e16"), json.Number("-0")}}, `{'n': [1e+16, 0]}`},
		{"object keeps its order in a list", []any{Object{{"z", json.Number("2.50")}, {"a", nil}}}, `[{'z': 2.5, 'a': None}]`},
		{"number that is not one", json.Number("x1"), `x1`},
	}
	for _, tt := range tests {
		if got := PyRepr(tt.v); got != tt.want {
			t.Errorf("%s: PyRepr = %s, want %s", tt.name, got, tt.want)
		}
	}
}
