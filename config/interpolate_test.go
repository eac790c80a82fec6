package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// flatOf builds a flat configuration from dotted keys; values (even tables,
// which typing can produce) are leaves.
func flatOf(values map[string]any) *flatConfig {
	fc := &flatConfig{index: map[string]int{}, tables: map[string]string{}}
	for _, key := range sortedKeys(values) {
		fc.add(strings.Split(key, "."), values[key], "test")
	}
	return fc
}

func TestInterpolate(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
		key  string
		want any
	}{
		{"cloud backend", map[string]any{
			"backend": "cloud", "cloud.api": "${${backend}.endpoint}",
			"cloud.endpoint": "https://api.prefect.io", "server.endpoint": "http://localhost:4200",
		}, "cloud.api", "https://api.prefect.io"},
		{"server backend", map[string]any{
			"backend": "server", "cloud.api": "${${backend}.endpoint}",
			"cloud.endpoint": "https://api.prefect.io", "server.endpoint": "${server.host}:${server.port}",
			"server.host": "http://localhost", "server.port": int64(4200),
		}, "cloud.api", "http://localhost:4200"},
		{"whole value keeps its type", map[string]any{"a": "${b}", "b": int64(42)}, "a", int64(42)},
		{"whole value list", map[string]any{"a": "${b}", "b": []any{"x"}}, "a", []any{"x"}},
		{"whole value None", map[string]any{"a": "${b}", "b": nil}, "a", nil},
		{"spliced int", map[string]any{"a": "port ${b}", "b": int64(42)}, "a", "port 42"},
		{"spliced bool", map[string]any{"a": "on=${b}", "b": true}, "a", "on=True"},
		{"spliced None", map[string]any{"a": "x${b}", "b": nil}, "a", "xNone"},
		{"spliced float", map[string]any{"a": "every ${b}s", "b": 30.0}, "a", "every 30.0s"},
		{"spliced big float", map[string]any{"a": "${b}!", "b": 1e16}, "a", "1e+16!"},
		{"spliced list", map[string]any{"a": "l=${b}", "b": []any{"x", int64(1)}}, "a", "l=['x', 1]"},
		{"spliced dict", map[string]any{"a": "d=${b}", "b": map[string]any{"k": "v"}}, "a", "d={'k': 'v'}"},
		{"missing key is empty", map[string]any{"a": "x${nope.nope}y"}, "a", "xy"},
		{"missing whole value is empty", map[string]any{"a": "${nope}"}, "a", ""},
		{"table reference is missing", map[string]any{"a": "${t}", "t.k": int64(1)}, "a", ""},
		{"whole value dict", map[string]any{"a": "${b}", "b": map[string]any{"k": "v"}}, "a", map[string]any{"k": "v"}},
		{"self reference stays", map[string]any{"a": "${a}"}, "a", "${a}"},
		{"not a reference", map[string]any{"a": "$b and {c}"}, "a", "$b and {c}"},
		{"several references", map[string]any{"a": "${b}-${c}-${b}", "b": "B", "c": "C"}, "a", "B-C-B"},
		{"chain", map[string]any{"a": "${b}", "b": "${c}", "c": "${d}", "d": "end"}, "a", "end"},
		// One substitution per key per pass, ten passes: the 11th stays.
		{"pass limit", map[string]any{"a": strings.Repeat("${b}", 11), "b": "v"}, "a", strings.Repeat("v", 10) + "${b}"},
		{"secret values are rewritten too", map[string]any{"context.secrets.S": "pre-${backend}", "backend": "cloud"},
			"context.secrets.S", "pre-cloud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := flatOf(tt.in)
			interpolate(fc)
			got, ok := fc.get(strings.Split(tt.key, "."))
			if !ok {
				t.Fatalf("%s is missing", tt.key)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", tt.key, diff)
			}
		})
	}
}

func TestInterpolateCopiesTypedValues(t *testing.T) {
	fc := flatOf(map[string]any{"a": "${b}", "b": []any{"x"}})
	interpolate(fc)
	a, _ := fc.get([]string{"a"})
	a.([]any)[0] = "changed"
	if b, _ := fc.get([]string{"b"}); b.([]any)[0] != "x" {
		t.Error("a reference must not share its list with the referenced key")
	}
}

func TestLoadInterpolation(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		key  string
		want any
	}{
		{"cloud default", nil, "cloud.api", "https://api.prefect.io"},
		{"server backend", []string{"PREFECT__BACKEND=server"}, "cloud.api", "http://localhost:4200"},
		{"server port moves the endpoint", []string{"PREFECT__BACKEND=server", "PREFECT__SERVER__PORT=5000"},
			"cloud.api", "http://localhost:5000"},
		{"graphql follows api", []string{"PREFECT__BACKEND=server"}, "cloud.graphql", "http://localhost:4200/graphql"},
		{"explicit api wins", []string{"PREFECT__CLOUD__API=http://10.0.0.1:4200"}, "cloud.api", "http://10.0.0.1:4200"},
		{"typed reference", []string{"PREFECT__CUSTOM__PORT=${server.port}"}, "custom.port", int64(4200)},
		{"unknown backend", []string{"PREFECT__BACKEND=nowhere"}, "cloud.api", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, "", "", tt.env...)
			if diff := cmp.Diff(tt.want, mustGet(t, c, tt.key)); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", tt.key, diff)
			}
		})
	}
}
