package secrets

import (
	"errors"
	"math"
	"math/big"
	"slices"
	"testing"
)

const tenantNotFound = "The secret X was not found.  Please ensure that it was set correctly " +
	"in your tenant: https://docs.prefect.io/orchestration/concepts/secrets.html"

func TestChainGet(t *testing.T) {
	apiDown := errors.New("401 Unauthorized: invalid API key")
	tests := []struct {
		name     string
		context  map[string]any
		backend  string
		useLocal bool
		api      *fakeBackend // nil: no API client at all
		want     any
		wantErr  string // exact text; "" for success
		notFound bool
		wantIs   error
		fails    bool // fails with some other error
		calls    []string
	}{
		{name: "context wins on server", context: map[string]any{"X": "ctx"}, backend: "server",
			api: &fakeBackend{values: map[string]any{"X": "api"}}, want: "ctx"},
		{name: "context wins on cloud with use_local_secrets false", context: map[string]any{"X": "ctx"},
			backend: "cloud", api: &fakeBackend{values: map[string]any{"X": "api"}}, want: "ctx"},
		{name: "context nil value is found", context: map[string]any{"X": nil}, backend: "cloud",
			api: &fakeBackend{values: map[string]any{"X": "api"}}, want: nil},
		{name: "context Value is unwrapped", context: map[string]any{"X": NewValue("7")}, backend: "server", want: int64(7)},
		{name: "server never queries the API", backend: "server", api: &fakeBackend{values: map[string]any{"X": "api"}},
			wantErr: `Local Secret "X" was not found.`, notFound: true},
		{name: "server with use_local_secrets true", backend: "server", useLocal: true, api: &fakeBackend{},
			wantErr: `Local Secret "X" was not found.`, notFound: true},
		{name: "cloud with use_local_secrets true", backend: "cloud", useLocal: true,
			api: &fakeBackend{values: map[string]any{"X": "api"}}, wantErr: `Local Secret "X" was not found.`, notFound: true},
		{name: "cloud with use_local_secrets false queries", backend: "cloud",
			api: &fakeBackend{values: map[string]any{"X": "api"}}, want: "api", calls: []string{"value:X"}},
		{name: "API value is JSON-decoded", backend: "cloud",
			api: &fakeBackend{values: map[string]any{"X": `{"x": 42}`}}, want: map[string]any{"x": int64(42)}, calls: []string{"value:X"}},
		{name: "API structured value kept", backend: "cloud",
			api: &fakeBackend{values: map[string]any{"X": []any{"a"}}}, want: []any{"a"}, calls: []string{"value:X"}},
		{name: "API says not found", backend: "cloud", api: &fakeBackend{},
			wantErr: tenantNotFound, notFound: true, calls: []string{"value:X"}},
		{name: "other API error wrapped", backend: "cloud", api: &fakeBackend{err: apiDown},
			wantIs: apiDown, calls: []string{"value:X"}},
		{name: "cloud without an API client", backend: "cloud", fails: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Chain{Context: tc.context, Backend: tc.backend, UseLocalSecrets: tc.useLocal}
			if tc.api != nil {
				c.API = tc.api
			}
			v, err := c.Get(t.Context(), "X")
			if tc.api != nil && !slices.Equal(tc.api.calls, tc.calls) {
				t.Errorf("backend calls = %q, want %q", tc.api.calls, tc.calls)
			}
			if !tc.fails && tc.wantErr == "" && tc.wantIs == nil {
				if err != nil {
					t.Fatalf("Get: unexpected error: %v", err)
				}
				if !sameValue(v.Reveal(), tc.want) {
					t.Error("Get returned a different value than expected")
				}
				return
			}
			if err == nil {
				t.Fatal("Get succeeded, want an error")
			}
			if tc.wantErr != "" && err.Error() != tc.wantErr {
				t.Errorf("error = %q, want %q", err, tc.wantErr)
			}
			if errors.Is(err, ErrNotFound) != tc.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", !tc.notFound, tc.notFound)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %q does not wrap the backend's error", err)
			}
		})
	}
}

func TestChainNotFoundError(t *testing.T) {
	tests := []struct {
		chain Chain
		where []string
	}{
		{Chain{Backend: "server"}, []string{"context secrets"}},
		{Chain{Backend: "cloud", API: &fakeBackend{}}, []string{"context secrets", "the backend's secret store"}},
	}
	for _, tc := range tests {
		_, err := tc.chain.Get(t.Context(), "X")
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("backend %s: error is not a *NotFoundError: %v", tc.chain.Backend, err)
		}
		if nf.Name != "X" || !slices.Equal(nf.Where, tc.where) {
			t.Errorf("backend %s: NotFoundError{Name: %q, Where: %q}, want X and %q", tc.chain.Backend, nf.Name, nf.Where, tc.where)
		}
	}
}

// TestChainJSONDecoding is step 4 of Secret.get, fed through the context secrets.
// Integers decode to int64 (as the config package types them; Prefect gives a Python
// int), or *big.Int beyond int64.
func TestChainJSONDecoding(t *testing.T) {
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"quoted string", `"1234"`, "1234"},
		{"object", `{"x": 42}`, map[string]any{"x": int64(42)}},
		{"integer", "42", int64(42)},
		{"negative zero integer", "-0", int64(0)},
		{"big integer", "123456789012345678901234567890", huge},
		{"float", "1.5", 1.5},
		{"exponent is a float", "1e3", 1000.0},
		{"float overflow", "1e400", math.Inf(1)},
		{"true", "true", true},
		{"false", "false", false},
		{"null", "null", nil},
		{"NaN", "NaN", math.NaN()},
		{"Infinity", "Infinity", math.Inf(1)},
		{"-Infinity", "-Infinity", math.Inf(-1)},
		{"NaN inside", `[NaN, Infinity, 1]`, []any{math.NaN(), math.Inf(1), int64(1)}},
		{"surrounding whitespace", " \t\n42\r\n ", int64(42)},
		{"nested", `{"a": [1, {"b": null}], "c": "d"}`, map[string]any{"a": []any{int64(1), map[string]any{"b": nil}}, "c": "d"}},
		{"repeated key keeps the last", `{"a": 1, "a": 2}`, map[string]any{"a": int64(2)}},
		{"escapes", `"a\/b\u00e9\n"`, "a/bé\n"},
		{"undecodable stays", "ghp_abc123", "ghp_abc123"},
		{"empty stays", "", ""},
		{"Python True stays", "True", "True"},
		{"leading zero stays", "0123", "0123"},
		{"trailing comma stays", `[1, 2,]`, `[1, 2,]`},
		{"single quotes stay", `{'a': 1}`, `{'a': 1}`},
		{"form feed is not JSON whitespace", "\f42", "\f42"},
		{"extra data stays", `"a" "b"`, `"a" "b"`},
		{"byte order mark stays", "\ufeff42", "\ufeff42"},
		{"bare minus stays", "-", "-"},
		{"NaN prefix stays", "NaNa", "NaNa"},
		{"nil stays nil", nil, nil},
		{"int stays", int64(7), int64(7)},
		{"bool stays", true, true},
		{"map stays", map[string]any{"k": "42"}, map[string]any{"k": "42"}},
		{"list stays", []any{"1"}, []any{"1"}},
	}
	for _, tc := range tests {
		c := Chain{Context: map[string]any{"X": tc.in}, Backend: "server"}
		v, err := c.Get(t.Context(), "X")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !sameValue(v.Reveal(), tc.want) {
			t.Errorf("%s: decoded value differs from the expected one", tc.name)
		}
	}
}

func TestChainJSONDepthLimit(t *testing.T) {
	deep := ""
	for range maxJSONDepth + 10 {
		deep += "["
	}
	c := Chain{Context: map[string]any{"X": deep}, Backend: "server"}
	v, err := c.Get(t.Context(), "X")
	if err != nil || v.Reveal() != deep {
		t.Error("overly nested text was not returned unchanged")
	}
}

func TestChainExists(t *testing.T) {
	apiDown := errors.New("connection refused")
	tests := []struct {
		name     string
		context  map[string]any
		backend  string
		useLocal bool
		api      Backend
		want     bool
		wantErr  error
		calls    []string
	}{
		{name: "in context", context: map[string]any{"X": nil}, backend: "cloud", api: &fakeBackend{}, want: true},
		{name: "server never asks", backend: "server", api: &fakeBackend{values: map[string]any{"X": 1}}, want: false},
		{name: "cloud with local secrets never asks", backend: "cloud", useLocal: true,
			api: &fakeBackend{values: map[string]any{"X": 1}}, want: false},
		{name: "cloud lists names", backend: "cloud",
			api: listingBackend{fakeBackend: &fakeBackend{values: map[string]any{"X": 1}}}, want: true, calls: []string{"names"}},
		{name: "cloud lists names without it", backend: "cloud",
			api: listingBackend{fakeBackend: &fakeBackend{values: map[string]any{"Y": 1}}}, want: false, calls: []string{"names"}},
		{name: "listing fails", backend: "cloud",
			api: listingBackend{fakeBackend: &fakeBackend{}, listErr: apiDown}, wantErr: apiDown, calls: []string{"names"}},
		{name: "cloud probes the value", backend: "cloud", api: &fakeBackend{values: map[string]any{"X": 1}},
			want: true, calls: []string{"value:X"}},
		{name: "probe not found", backend: "cloud", api: &fakeBackend{}, want: false, calls: []string{"value:X"}},
		{name: "probe fails", backend: "cloud", api: &fakeBackend{err: apiDown}, wantErr: apiDown, calls: []string{"value:X"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Chain{Context: tc.context, Backend: tc.backend, UseLocalSecrets: tc.useLocal, API: tc.api}
			got, err := c.Exists(t.Context(), "X")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Exists error = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("Exists = %v, want %v", got, tc.want)
			}
			var calls []string
			switch b := tc.api.(type) {
			case *fakeBackend:
				calls = b.calls
			case listingBackend:
				calls = b.calls
			}
			if !slices.Equal(calls, tc.calls) {
				t.Errorf("backend calls = %q, want %q", calls, tc.calls)
			}
		})
	}
	if _, err := (Chain{Backend: "cloud"}).Exists(t.Context(), "X"); err == nil {
		t.Error("Exists on cloud without an API client succeeded")
	}
}
