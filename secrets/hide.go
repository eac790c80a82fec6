package secrets

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// secretSuffixes mark variable names whose values the agent treats as secrets.
var secretSuffixes = []string{"_TOKEN", "_PASSWORD", "_SECRET", "_KEY", "_CREDENTIALS"}

// SecretLooking reports whether an environment variable's name says it holds a secret:
// a name ending (in any case) in _TOKEN, _PASSWORD, _SECRET, _KEY or _CREDENTIALS, one
// of those words alone, a well-known secret name, or a PREFECT__CONTEXT__SECRETS__
// variable. The agent registers such values with the redactor.
func SecretLooking(name string) bool {
	upper := strings.ToUpper(name)
	if WellKnown(upper) || strings.HasPrefix(upper, "PREFECT__CONTEXT__SECRETS__") {
		return true
	}
	for _, suffix := range secretSuffixes {
		if upper == suffix[1:] || strings.HasSuffix(upper, suffix) {
			return true
		}
	}
	return false
}

// Strings returns every text a redactor must hide for this secret: a string value
// itself; for numbers their Python text; for lists and mappings every string and
// number inside them, plus the compact JSON encoding of the whole when they hold any.
// Booleans, None and empty strings give nothing: hiding "True" or "" everywhere would
// hide nothing secret. Map keys are names, not secrets, and are not listed on their own.
func Strings(v Value) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	raw := v.Reveal()
	leafStrings(raw, add, 0)
	if len(out) == 0 {
		return nil // nothing secret inside: hiding "{}" or "[true]" everywhere would hurt
	}
	switch raw.(type) {
	case []any, map[string]any:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(raw) == nil { // NaN has no JSON form; its leaves are listed anyway
			add(strings.TrimSuffix(buf.String(), "\n"))
		}
	}
	return out
}

func leafStrings(x any, add func(string), depth int) {
	if depth > maxJSONDepth {
		return
	}
	switch t := x.(type) {
	case string:
		add(t)
	case int:
		add(strconv.Itoa(t))
	case int64:
		add(strconv.FormatInt(t, 10))
	case *big.Int:
		if t != nil {
			add(t.String())
		}
	case float64:
		if !math.IsNaN(t) && !math.IsInf(t, 0) {
			add(pyFloat(t))
		}
	case []any:
		for _, item := range t {
			leafStrings(item, add, depth+1)
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			leafStrings(t[k], add, depth+1)
		}
	}
}
