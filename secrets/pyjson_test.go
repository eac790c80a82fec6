package secrets

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// FuzzDecodePrefectJSON checks the decoder never panics and agrees with encoding/json on
// every document that is standard JSON (Python's extras, NaN and Infinity, are not).
func FuzzDecodePrefectJSON(f *testing.F) {
	for _, seed := range []string{`"1234"`, `{"x": 42}`, "42", "true", "NaN", " -Infinity ", "1e400",
		`[1, [2, {"a": null}]]`, `{"a":1,}`, "01", `"\u00e9\ud83d\ude00"`, "123456789012345678901234567890", "-0.0e-0"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := decodePrefectJSON(in)
		if !json.Valid([]byte(in)) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(in)))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			return // encoding/json's own depth limit
		}
		if !sameValue(got, fromStdlib(t, want)) {
			t.Errorf("decoding of a standard JSON document of %d bytes differs from encoding/json", len(in))
		}
	})
}

// fromStdlib converts encoding/json's numbers to the types Python's json gives.
func fromStdlib(t *testing.T, v any) any {
	switch x := v.(type) {
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil && !strings.Contains(err.Error(), "range") {
				t.Fatal(err)
			}
			return f
		}
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return n
		}
		n, _ := new(big.Int).SetString(string(x), 10)
		return n
	case []any:
		for i := range x {
			x[i] = fromStdlib(t, x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = fromStdlib(t, x[k])
		}
	}
	return v
}
