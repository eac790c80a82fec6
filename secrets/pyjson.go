package secrets

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strconv"
)

// decodePrefectJSON is step 4 of Prefect's Secret.get: json.loads(value), keeping the
// value unchanged when it is not a string or does not decode.
//
// It follows Python's json module rather than encoding/json, because that is what a
// Prefect flow run applies: NaN, Infinity and -Infinity are accepted, integers stay
// integers (int64, or *big.Int beyond its range, as the config package types them),
// numbers with a fraction or exponent become float64 (overflowing to ±Inf as Python's
// float does), and only JSON whitespace may surround the value.
func decodePrefectJSON(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	d := jsonDecoder{s: s}
	d.skipSpace()
	out, err := d.value(0)
	if err != nil {
		return s
	}
	d.skipSpace()
	if d.i != len(d.s) {
		return s // Python: "Extra data"
	}
	return out
}

// maxJSONDepth bounds nesting. Python would fail on deeper input with a RecursionError;
// here such text is simply not decoded.
const maxJSONDepth = 1000

var errBadJSON = errors.New("not JSON")

type jsonDecoder struct {
	s string
	i int
}

func (d *jsonDecoder) skipSpace() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// consume advances past word if the input continues with it.
func (d *jsonDecoder) consume(word string) bool {
	if len(d.s)-d.i >= len(word) && d.s[d.i:d.i+len(word)] == word {
		d.i += len(word)
		return true
	}
	return false
}

func (d *jsonDecoder) value(depth int) (any, error) {
	if depth > maxJSONDepth || d.i >= len(d.s) {
		return nil, errBadJSON
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		return d.str()
	case d.consume("null"):
		return nil, nil
	case d.consume("true"):
		return true, nil
	case d.consume("false"):
		return false, nil
	case d.consume("NaN"):
		return math.NaN(), nil
	case d.consume("Infinity"):
		return math.Inf(1), nil
	case d.consume("-Infinity"):
		return math.Inf(-1), nil
	case c == '-' || ('0' <= c && c <= '9'):
		return d.number()
	}
	return nil, errBadJSON
}

func (d *jsonDecoder) object(depth int) (any, error) {
	d.i++ // '{'
	out := map[string]any{}
	d.skipSpace()
	if d.consume("}") {
		return out, nil
	}
	for {
		d.skipSpace()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, errBadJSON
		}
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if !d.consume(":") {
			return nil, errBadJSON
		}
		d.skipSpace()
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out[key.(string)] = v // a repeated key keeps the last value, as in Python
		d.skipSpace()
		if d.consume("}") {
			return out, nil
		}
		if !d.consume(",") {
			return nil, errBadJSON
		}
	}
}

func (d *jsonDecoder) array(depth int) (any, error) {
	d.i++ // '['
	out := []any{}
	d.skipSpace()
	if d.consume("]") {
		return out, nil
	}
	for {
		d.skipSpace()
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		d.skipSpace()
		if d.consume("]") {
			return out, nil
		}
		if !d.consume(",") {
			return nil, errBadJSON
		}
	}
}

// str decodes a string token. encoding/json does the unescaping: its rules (escapes,
// no raw control characters) are the JSON ones Python applies too. Only lone UTF-16
// surrogates differ: Python keeps them, Go has no such runes and yields U+FFFD.
func (d *jsonDecoder) str() (any, error) {
	start := d.i
	d.i++ // opening quote
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case '\\':
			d.i += 2
		case '"':
			d.i++
			var out string
			if err := json.Unmarshal([]byte(d.s[start:d.i]), &out); err != nil {
				return nil, errBadJSON
			}
			return out, nil
		default:
			d.i++
		}
	}
	return nil, errBadJSON
}

// number scans Python's JSON number pattern -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?.
func (d *jsonDecoder) number() (any, error) {
	start := d.i
	d.consume("-")
	switch {
	case d.consume("0"):
	case d.i < len(d.s) && '1' <= d.s[d.i] && d.s[d.i] <= '9':
		d.digits()
	default:
		return nil, errBadJSON
	}
	isFloat := false
	if d.i+1 < len(d.s) && d.s[d.i] == '.' && isDigit(d.s[d.i+1]) {
		d.i++
		d.digits()
		isFloat = true
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		j := d.i + 1
		if j < len(d.s) && (d.s[j] == '+' || d.s[j] == '-') {
			j++
		}
		if j < len(d.s) && isDigit(d.s[j]) {
			d.i = j
			d.digits()
			isFloat = true
		}
	}
	text := d.s[start:d.i]
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, errBadJSON
		}
		return f, nil // out of range: ±Inf, as Python's float gives
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, nil
	}
	n, ok := new(big.Int).SetString(text, 10)
	if !ok {
		return nil, errBadJSON
	}
	return n, nil
}

func (d *jsonDecoder) digits() {
	for d.i < len(d.s) && isDigit(d.s[d.i]) {
		d.i++
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
