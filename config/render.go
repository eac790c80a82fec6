package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/pelletier/go-toml/v2"
)

const redacted = "[REDACTED]"

// sensitivePaths are credentials outside context.secrets that rendering masks
// when they are set.
var sensitivePaths = [][]string{
	{"cloud", "api_key"},
	{"cloud", "agent", "auth_token"},
}

// RenderTOML prints the effective configuration as TOML with sorted keys.
// Every secret under context.secrets, and the API key and agent token, show
// as "[REDACTED]".
func (c *Config) RenderTOML() ([]byte, error) {
	out, err := toml.Marshal(renderable(c.tree, false))
	if err != nil {
		return nil, fmt.Errorf("rendering the configuration as TOML: %w", err)
	}
	return out, nil
}

// RenderJSON prints the effective configuration as indented JSON, redacted as
// RenderTOML is.
func (c *Config) RenderJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(renderable(c.tree, true)); err != nil {
		return nil, fmt.Errorf("rendering the configuration as JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// renderable copies the tree with secrets replaced and every value made
// printable in the target format.
func renderable(tree map[string]any, forJSON bool) map[string]any {
	out := renderValue(tree, forJSON).(map[string]any)
	v, _, _ := lookup(out, []string{"context", "secrets"})
	if secrets, ok := v.(map[string]any); ok {
		// A secret whose value is a table becomes one "[REDACTED]" too.
		for name := range secrets {
			secrets[name] = redacted
		}
	}
	for _, path := range sensitivePaths {
		parent, ok, _ := lookup(out, path[:len(path)-1])
		table, isTable := parent.(map[string]any)
		if !ok || !isTable {
			continue
		}
		if v, set := table[path[len(path)-1]]; set && v != "" && v != nil {
			table[path[len(path)-1]] = redacted
		}
	}
	return out
}

func renderValue(v any, forJSON bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[k] = renderValue(it, forJSON)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = renderValue(it, forJSON)
		}
		return out
	case nil:
		if forJSON {
			return nil
		}
		// TOML has no null, so None is written as the string "None" (what
		// Python's str() gives).
		return "None"
	case *big.Int:
		if forJSON {
			return json.Number(x.String())
		}
		return x.String() // TOML integers are 64-bit
	case float64:
		if forJSON && (math.IsInf(x, 0) || math.IsNaN(x)) {
			return floatRepr(x) // JSON has no inf or nan
		}
		return x
	case time.Duration:
		return timedeltaStr(x)
	}
	return v
}
