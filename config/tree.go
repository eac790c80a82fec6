package config

import (
	"fmt"
	"math/big"
)

// mergeTrees is Prefect's merge_dicts: tables present on both sides are merged
// recursively, anything else in over replaces what base had. base is not
// modified.
func mergeTrees(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		b, bok := out[k].(map[string]any)
		o, ook := v.(map[string]any)
		if bok && ook {
			out[k] = mergeTrees(b, o)
		} else {
			out[k] = v
		}
	}
	return out
}

// walkLeaves calls fn for every leaf of tree (empty tables have none).
func walkLeaves(tree map[string]any, prefix []string, fn func(path []string)) {
	for k, v := range tree {
		path := append(append([]string(nil), prefix...), k)
		if sub, ok := v.(map[string]any); ok {
			walkLeaves(sub, path, fn)
		} else {
			fn(path)
		}
	}
}

// lookup walks a key path. A path that runs through something other than a
// table is an error; a missing key is not.
func lookup(tree map[string]any, path []string) (any, bool, error) {
	var cur any = tree
	for i, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false, fmt.Errorf("%s must be a table, got %s", dotted(path[:i]), typeName(cur))
		}
		if cur, ok = m[k]; !ok {
			return nil, false, nil
		}
	}
	return cur, true, nil
}

// deepCopy copies tables and lists so callers cannot change the Config.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[k] = deepCopy(it)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = deepCopy(it)
		}
		return out
	case *big.Int:
		return new(big.Int).Set(x)
	}
	return v
}

// typeName describes a value's type for error messages, which must never
// show the value itself (it may be a secret).
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case int64, int, *big.Int:
		return "an integer"
	case float64:
		return "a float"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("a value of type %T", v)
}
