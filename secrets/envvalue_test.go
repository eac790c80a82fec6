package secrets

import (
	"math"
	"math/big"
	"strings"
	"testing"
)

// TestEnvValue pins the text for each value. The expectations follow spec §7.2-§7.3: the
// text is expanded and typed by string_to_type, then (still a string) typed again, so
// strings that either pass would change are written as a literal of a literal.
func TestEnvValue(t *testing.T) {
	huge := new(big.Int).Lsh(big.NewInt(1), 16000) // 4817 decimal digits
	negHuge := new(big.Int).Neg(huge)
	tests := []struct {
		name string
		in   any
		want string
	}{
		// Strings Prefect leaves alone are written as they are.
		{"token", "ghp_abc123", "ghp_abc123"},
		{"empty", "", ""},
		{"words", "a b c", "a b c"},
		{"dashes", "abc-def", "abc-def"},
		{"call of a name", "print(1)", "print(1)"},
		{"name starting with None", "None_x", "None_x"},
		{"name starting with set", "setx", "setx"},
		{"tilde inside", "a~b", "a~b"},
		{"keyword expression", "not 1", "not 1"},
		// Strings Prefect would type are wrapped twice.
		{"integer text", "42", `"'42'"`},
		{"negative integer text", "-7", `"'-7'"`},
		{"float text", "7.5", `"'7.5'"`},
		{"leading zero", "0123", `"'0123'"`},
		{"True", "True", `"'True'"`},
		{"lower-case true", "true", `"'true'"`},
		{"mixed-case true", "tRuE", `"'tRuE'"`},
		{"FALSE", "FALSE", `"'FALSE'"`},
		{"None", "None", `"'None'"`},
		{"set", "set", `"'set'"`},
		{"set call", "set()", `"'set()'"`},
		{"list text", "[1]", `"'[1]'"`},
		{"dict text", "{'a': 1}", `'"{\'a\': 1}"'`},
		{"bytes prefix", "b'x'", `'"b\'x\'"'`},
		{"already quoted", "'42'", `'"\'42\'"'`},
		{"leading space", " 42", `"' 42'"`},
		{"JSON text", `{"a": true}`, `'\'{"a": true}\''`},
		// Strings that would be expanded ($VAR, ~) or garbled (non-ASCII) are escaped.
		{"dollar", "pa$word", `"'pa\\x24word'"`},
		{"variable", "$HOME", `"'\\x24HOME'"`},
		{"lone dollar", "$", `"'\\x24'"`},
		{"dollar brace without close", "${", `"'\\x24{'"`},
		{"home", "~/x", `"'~/x'"`},
		{"single quote", "it's", `'"it\'s"'`},
		{"double quotes", `say "hi"`, `'\'say "hi"\''`},
		{"both quotes", `both ' and "`, `'\'both \\\' and "\''`},
		{"backslash", `back\slash`, `"'back\\\\slash'"`},
		{"newline", "line\nbreak", `"'line\\nbreak'"`},
		{"tab", "\t1", `"'\\t1'"`},
		{"NUL", "\x00nul", `"'\\x00nul'"`},
		{"DEL", "\x7f", `"'\\x7f'"`},
		{"latin-1", "héllo", `"'h\\xe9llo'"`},
		{"long s that upper-cases to FALSE", "falſe", `"'fal\\u017fe'"`},
		{"emoji", "emoji 😀", `"'emoji \\U0001f600'"`},
		// Other values are Python literals.
		{"int", int64(42), "42"},
		{"negative int", int64(-10), "-10"},
		{"Go int", 7, "7"},
		{"big int", new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil), "1000000000000000000000000000000"},
		{"integral float", 100.0, "100.0"},
		{"zero", 0.0, "0.0"},
		{"negative zero", math.Copysign(0, -1), "-0.0"},
		{"float", 1.5, "1.5"},
		{"large float", 1e16, "1e+16"},
		{"below exponent form", 1e15, "1000000000000000.0"},
		{"small float", 1e-5, "1e-05"},
		{"above exponent form", 0.0001, "0.0001"},
		{"tiny float", 5e-324, "5e-324"},
		{"max float", math.MaxFloat64, "1.7976931348623157e+308"},
		{"inf", math.Inf(1), "1e999"},
		{"-inf", math.Inf(-1), "-1e999"},
		{"true", true, "True"},
		{"false", false, "False"},
		{"nil", nil, "None"},
		{"empty list", []any{}, "[]"},
		{"empty dict", map[string]any{}, "{}"},
		{"list", []any{int64(1), "a", true, nil, 2.5, []any{"$x", "it's"}}, `[1, 'a', True, None, 2.5, ['\x24x', "it's"]]`},
		{"dict strings keep their type", map[string]any{"l": []any{"42", "True"}}, `{'l': ['42', 'True']}`},
		{"dict", map[string]any{"SECRET_ACCESS_KEY": `x'y"z`, "ACCESS_KEY": "abc$def", "n": int64(1), "k'ey": "ü"},
			`{'ACCESS_KEY': 'abc\x24def', 'SECRET_ACCESS_KEY': 'x\'y"z', "k'ey": '\xfc', 'n': 1}`},
	}
	for _, tc := range tests {
		got, err := EnvValue(NewValue(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: text differs from the expected literal", tc.name)
		}
	}
	for name, v := range map[string]*big.Int{"huge": huge, "negative huge": negHuge} {
		got, err := EnvValue(NewValue(v))
		prefix := "0x"
		if v.Sign() < 0 {
			prefix = "-0x"
		}
		if err != nil || !strings.HasPrefix(got, prefix) {
			t.Errorf("%s: an integer Python cannot read in decimal is not hexadecimal", name)
			continue
		}
		back, ok := new(big.Int).SetString(strings.Replace(got, "0x", "", 1), 16)
		if !ok || back.Cmp(v) != 0 {
			t.Errorf("%s: the hexadecimal text does not read back", name)
		}
	}
}

func TestEnvValueErrors(t *testing.T) {
	deep := any("x")
	for range maxLiteralDepth + 1 {
		deep = []any{deep}
	}
	tests := []struct {
		name   string
		in     any
		errHas string
	}{
		{"reference", "${server.endpoint}", "${...} reference"},
		{"reference inside", "pre-${a}-post", "${...} reference"},
		{"NaN", math.NaN(), "NaN"},
		{"NaN inside", []any{1.0, math.NaN()}, "NaN"},
		{"invalid UTF-8", "s3cr3t\xff", "UTF-8"},
		{"invalid UTF-8 inside", map[string]any{"k": "s3cr3t\xff"}, "UTF-8"},
		{"invalid UTF-8 key", map[string]any{"\xff": "s3cr3t"}, "UTF-8"},
		{"unsupported type", struct{ S string }{"s3cr3t"}, "not a decoded secret"},
		{"unsupported inside", []any{int32(1)}, "int32"},
		{"too deep", deep, "nested deeper"},
	}
	for _, tc := range tests {
		got, err := EnvValue(NewValue(tc.in))
		if err == nil {
			t.Errorf("%s: no error (text of %d bytes)", tc.name, len(got))
			continue
		}
		if !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("%s: error %q lacks %q", tc.name, err, tc.errHas)
		}
		if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "server.endpoint") {
			t.Errorf("%s: the error contains the value", tc.name)
		}
	}
	// A ${ that Prefect's pattern does not match is passed on.
	if _, err := EnvValue(NewValue("${}")); err != nil {
		t.Errorf("${} refused: %v", err)
	}
}
