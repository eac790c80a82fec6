package secrets

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// EnvValue returns the text to put in PREFECT__CONTEXT__SECRETS__NAME=<text> so that the
// flow run's Prefect config hands the same value back in prefect.context.secrets.
//
// Why this is not simply the value as text: Prefect types every PREFECT__* value
// (spec §7.2-§7.3) and does it twice. The variable's text is expanded ($VAR, ~) and
// passed through string_to_type ("true"/"false" in any case become booleans, anything
// ast.literal_eval accepts becomes that literal); then every string config value is
// expanded and typed again; then ${a.b} references in strings are replaced. So:
//   - numbers, booleans, None, lists and dicts are written as Python literals, which
//     come back typed after the first pass and are left alone by the second;
//   - a string that neither pass can change (a plain token such as "ghp_abc") is
//     written as is;
//   - any other string ("42", "True", "[1]", "a b$c", text with quotes) is written as a
//     Python string literal of a Python string literal: the first pass unwraps one
//     level, the second the other, and the string comes out unchanged;
//   - every string literal is ASCII-only and writes "$" as \x24, so neither the $VAR
//     expansion nor the locale of the flow run's Python can alter it.
//
// Errors (which never contain the value) are for values that cannot survive: a string
// holding a ${...} reference (rewritten by Prefect, with no escape), NaN (no Python
// literal), invalid UTF-8, or a type that is not a decoded secret.
func EnvValue(v Value) (string, error) {
	s, isString := v.Reveal().(string)
	if !isString {
		return pyLiteral(v.Reveal(), 0)
	}
	if configReference.MatchString(s) {
		return "", errors.New("the secret contains a ${...} reference, which Prefect's " +
			"configuration would replace in the flow run: it cannot be passed as a context secret")
	}
	if !utf8.ValidString(s) {
		return "", errInvalidUTF8
	}
	if keptAsText(s) {
		return s, nil
	}
	return pyString(pyString(s)), nil
}

// configReference is Prefect's cross-key interpolation pattern (spec §7.4).
var configReference = regexp.MustCompile(`\$\{(.[^${}]*)\}`)

var errInvalidUTF8 = errors.New("the secret is not valid UTF-8 text, which a Python string cannot hold")

// keptAsText reports whether Prefect's typing leaves s alone. It is deliberately
// conservative: a printable ASCII string starting with a Python name, with nothing to
// expand ($, a leading ~) and no quotes or backslashes (so no string prefix such as b'x'
// can follow the name). ast.literal_eval refuses every expression whose leftmost token
// is a name, except None, True, False and set(); those, and "true"/"false" in any case,
// are typed.
func keptAsText(s string) bool {
	if s == "" {
		return true // literal_eval("") fails, so "" stays ""
	}
	if !isNameStart(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || strings.IndexByte(`$'"\`, c) >= 0 {
			return false
		}
	}
	end := 1
	for end < len(s) && (isNameStart(s[end]) || isDigit(s[end])) {
		end++
	}
	switch s[:end] {
	case "None", "True", "False", "set":
		return false
	}
	return !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false")
}

func isNameStart(c byte) bool { return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// maxPythonIntDigits is Python's limit (3.11+) on decimal int literals; literal_eval
// fails on longer ones, and the value would arrive as a string.
const maxPythonIntDigits = 4300

// maxLiteralDepth keeps nesting well inside what Python's parser accepts.
const maxLiteralDepth = 100

// pyLiteral writes a decoded secret as a Python literal that ast.literal_eval reads back.
func pyLiteral(x any, depth int) (string, error) {
	if depth > maxLiteralDepth {
		return "", fmt.Errorf("the secret is nested deeper than %d levels", maxLiteralDepth)
	}
	switch t := x.(type) {
	case nil:
		return "None", nil
	case bool:
		if t {
			return "True", nil
		}
		return "False", nil
	case string:
		if !utf8.ValidString(t) {
			return "", errInvalidUTF8
		}
		return pyString(t), nil
	case int:
		return strconv.Itoa(t), nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case *big.Int:
		if t == nil {
			return "None", nil
		}
		if text := t.String(); len(strings.TrimPrefix(text, "-")) <= maxPythonIntDigits {
			return text, nil
		}
		// Python refuses longer decimal literals but reads hexadecimal ones of any size.
		if t.Sign() < 0 {
			return "-0x" + new(big.Int).Neg(t).Text(16), nil
		}
		return "0x" + t.Text(16), nil
	case float64:
		switch {
		case math.IsNaN(t):
			return "", errors.New("the secret holds NaN, which has no Python literal")
		case math.IsInf(t, 1):
			return "1e999", nil // overflows to inf when Python reads it
		case math.IsInf(t, -1):
			return "-1e999", nil
		}
		return pyFloat(t), nil
	case []any:
		items := make([]string, len(t))
		for i, item := range t {
			lit, err := pyLiteral(item, depth+1)
			if err != nil {
				return "", err
			}
			items[i] = lit
		}
		return "[" + strings.Join(items, ", ") + "]", nil
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		items := make([]string, len(keys))
		for i, k := range keys {
			if !utf8.ValidString(k) {
				return "", errInvalidUTF8
			}
			lit, err := pyLiteral(t[k], depth+1)
			if err != nil {
				return "", err
			}
			items[i] = pyString(k) + ": " + lit
		}
		return "{" + strings.Join(items, ", ") + "}", nil
	}
	return "", fmt.Errorf("the secret holds a value of type %T, which is not a decoded secret "+
		"(string, number, boolean, None, list or mapping)", x)
}

// pyString writes s as Python's repr would (single quotes unless s holds a single
// quote and no double quote), but ASCII-only, as Python's ascii() is, and with "$"
// escaped as \x24. s must be valid UTF-8.
func pyString(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '$' || r < 0x20 || (r >= 0x7f && r < 0x100):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f:
			b.WriteRune(r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// pyFloat writes a finite float as Python's repr does: the shortest digits that read
// back exactly, in positional form with at least one decimal ("100.0") when the
// exponent is in [-4, 16), else in exponent form ("1e+16", "1.5e-07").
func pyFloat(f float64) string {
	sign := ""
	if math.Signbit(f) {
		sign, f = "-", -f
	}
	mant, expText, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	exp, _ := strconv.Atoi(expText) // FormatFloat's exponent always parses
	digits := strings.Replace(mant, ".", "", 1)
	if f == 0 {
		return sign + "0.0"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		esign := "+"
		if exp < 0 {
			esign, exp = "-", -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, esign, exp)
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}
