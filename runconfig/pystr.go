package runconfig

import (
	"encoding/json"
	"math/big"

	"github.com/outposthq/outpost/config"
)

// Object is a JSON object nested inside a run-config env value, with its members in
// document order. Python's json.loads keeps that order and str() prints it, so a Go map
// (which would sort or shuffle the keys) cannot stand in for it.
type Object []Member

// Member is one key of an Object.
type Member struct {
	Key   string
	Value any
}

// PyRepr renders v as Python's repr() would; for a list of labels it gives ['a', 'b'].
// Besides config's value types it takes what this package decodes (json.Number, Object).
func PyRepr(v any) string { return config.PyRepr(pyValue(v)) }

// pyStr renders a decoded run-config value the way Python's str() renders what
// json.loads made of it. Prefect hands run-config env values to child processes through
// str(), so this is how they must appear.
func pyStr(v any) string { return config.PyStr(pyValue(v)) }

// pyValue converts decoded JSON to the types config prints: a json.Number becomes the
// int64, *big.Int or float64 that config's typing (and json.loads) makes of its text,
// and an Object becomes a config.Dict, so that both packages print values alike.
func pyValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		switch n := config.StringToType(string(x)); n.(type) {
		case int64, *big.Int, float64:
			return n
		}
		return x // not a number: printed as its text
	case float32:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = pyValue(item)
		}
		return out
	case Object:
		out := make(config.Dict, len(x))
		for i, m := range x {
			out[i] = config.DictEntry{Key: m.Key, Value: pyValue(m.Value)}
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			out[k] = pyValue(item)
		}
		return out
	}
	return v
}
