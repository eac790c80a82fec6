package secrets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// failingSource always fails; it counts its calls.
type failingSource struct {
	err   error
	calls *int
}

func (f failingSource) Lookup(context.Context, string) (Value, bool, error) {
	*f.calls++
	return Value{}, false, f.err
}

func (f failingSource) String() string { return "a broken store" }

func TestSourcesResolveOrder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "FROM_FILE"), []byte("file-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "BOTH"), []byte("file-both"), 0o600); err != nil {
		t.Fatal(err)
	}
	backend := &fakeBackend{values: map[string]any{"BOTH": "api-both", "FROM_API": "api-value", "ALL": "api-all"}}
	sources := Sources{
		ContextSource{Secrets: map[string]any{"ALL": "ctx-all", "NIL": nil}, From: "config.toml and PREFECT__CONTEXT__SECRETS__*"},
		EnvSource{LookupEnv: EnvList([]string{"FROM_ENV=env-value", "ALL=env-all"})},
		DirSource{Dir: dir},
		BackendSource{Backend: backend},
	}
	tests := []struct {
		name  string
		want  any
		calls []string
	}{
		{"ALL", "ctx-all", nil},
		{"NIL", nil, nil},
		{"FROM_ENV", "env-value", nil},
		{"FROM_FILE", "file-value", nil},
		{"BOTH", "file-both", nil},
		{"FROM_API", "api-value", []string{"value:FROM_API"}},
	}
	for _, tc := range tests {
		backend.calls = nil
		v, err := sources.Resolve(t.Context(), tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !sameValue(v.Reveal(), tc.want) {
			t.Errorf("%s: resolved from the wrong source", tc.name)
		}
		if !slices.Equal(backend.calls, tc.calls) {
			t.Errorf("%s: backend calls = %q, want %q", tc.name, backend.calls, tc.calls)
		}
	}
}

func TestSourcesNotFound(t *testing.T) {
	sources := Sources{
		ContextSource{From: "config.toml and PREFECT__CONTEXT__SECRETS__*"},
		DirSource{Dir: "/run/secrets-that-do-not-exist"},
		BackendSource{Backend: &fakeBackend{}},
	}
	_, err := sources.Resolve(t.Context(), "GITHUB_ACCESS_TOKEN")
	want := `secret "GITHUB_ACCESS_TOKEN" was not found; looked in: context secrets ` +
		`(config.toml and PREFECT__CONTEXT__SECRETS__*), secret files in /run/secrets-that-do-not-exist, ` +
		`the backend's secret store`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) || nf.Name != "GITHUB_ACCESS_TOKEN" || len(nf.Where) != 3 {
		t.Errorf("error is not a *NotFoundError naming the secret and three places: %#v", nf)
	}
	_, err = Sources{}.Resolve(t.Context(), "X")
	if err == nil || err.Error() != `secret "X" was not found` {
		t.Errorf("no sources: error = %v", err)
	}
}

func TestSourcesError(t *testing.T) {
	broken := errors.New("permission denied")
	calls, after := 0, 0
	sources := Sources{
		ContextSource{},
		failingSource{err: broken, calls: &calls},
		failingSource{err: errors.New("must not be asked"), calls: &after},
	}
	_, err := sources.Resolve(t.Context(), "TOKEN")
	if !errors.Is(err, broken) || errors.Is(err, ErrNotFound) {
		t.Fatalf("error %v does not wrap the source's error alone", err)
	}
	for _, part := range []string{`"TOKEN"`, "a broken store", "permission denied"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %s", err, part)
		}
	}
	if calls != 1 || after != 0 {
		t.Errorf("sources asked %d and %d times, want 1 and 0", calls, after)
	}
}

func TestBackendSource(t *testing.T) {
	down := errors.New("503 Service Unavailable")
	tests := []struct {
		name    string
		src     BackendSource
		found   bool
		wantErr error
		fails   bool
	}{
		{"found", BackendSource{Backend: &fakeBackend{values: map[string]any{"X": `"json stays text"`}}}, true, nil, false},
		{"not found is no error", BackendSource{Backend: &fakeBackend{}}, false, nil, false},
		{"other errors are errors", BackendSource{Backend: &fakeBackend{err: down}}, false, down, true},
		{"no backend", BackendSource{}, false, nil, true},
	}
	for _, tc := range tests {
		v, found, err := tc.src.Lookup(t.Context(), "X")
		if (err != nil) != tc.fails || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
			t.Errorf("%s: error = %v", tc.name, err)
		}
		if found != tc.found {
			t.Errorf("%s: found = %v, want %v", tc.name, found, tc.found)
		}
		// Sources do not JSON-decode: the flow run's Secret.get does.
		if found && v.Reveal() != `"json stays text"` {
			t.Errorf("%s: the value was altered", tc.name)
		}
	}
	if got := (BackendSource{Where: "the secret store at http://127.0.0.1:4200"}).String(); got != "the secret store at http://127.0.0.1:4200" {
		t.Errorf("String() = %q", got)
	}
}

func TestEnvSource(t *testing.T) {
	env := []string{"TOKEN=first", "TOKEN=second", "EMPTY=", "OUTPOST_SECRET_DB=pw", "JSON=[1]", "BROKEN"}
	tests := []struct {
		src   EnvSource
		name  string
		want  any
		found bool
	}{
		{EnvSource{LookupEnv: EnvList(env)}, "TOKEN", "second", true},
		{EnvSource{LookupEnv: EnvList(env)}, "EMPTY", "", true},
		{EnvSource{LookupEnv: EnvList(env)}, "JSON", "[1]", true},
		{EnvSource{LookupEnv: EnvList(env)}, "MISSING", nil, false},
		{EnvSource{LookupEnv: EnvList(env)}, "BROKEN", nil, false},
		{EnvSource{LookupEnv: EnvList(env), Prefix: "OUTPOST_SECRET_"}, "DB", "pw", true},
		{EnvSource{LookupEnv: EnvList(env), Prefix: "OUTPOST_SECRET_"}, "TOKEN", nil, false},
	}
	for _, tc := range tests {
		v, found, err := tc.src.Lookup(t.Context(), tc.name)
		if err != nil || found != tc.found || (found && v.Reveal() != tc.want) {
			t.Errorf("%s (prefix %q): found = %v, err = %v; want found = %v and the listed value", tc.name, tc.src.Prefix, found, err, tc.found)
		}
	}
	t.Setenv("OUTPOST_TEST_ENV_SOURCE", "from-process")
	v, found, err := EnvSource{}.Lookup(t.Context(), "OUTPOST_TEST_ENV_SOURCE")
	if err != nil || !found || v.Reveal() != "from-process" {
		t.Error("EnvSource without LookupEnv does not read the process environment")
	}
	if got := (EnvSource{Prefix: "OUTPOST_SECRET_"}).String(); got != "environment variables OUTPOST_SECRET_*" {
		t.Errorf("String() = %q", got)
	}
}

func TestContextSource(t *testing.T) {
	src := ContextSource{Secrets: map[string]any{"NIL": nil, "WRAPPED": NewValue("w"), "N": int64(3)}}
	tests := []struct {
		name  string
		want  any
		found bool
	}{
		{"NIL", nil, true},
		{"WRAPPED", "w", true},
		{"N", int64(3), true},
		{"n", nil, false}, // names are case-sensitive, as context secret keys are
	}
	for _, tc := range tests {
		v, found, err := src.Lookup(t.Context(), tc.name)
		if err != nil || found != tc.found || !sameValue(v.Reveal(), tc.want) {
			t.Errorf("%s: found = %v, err = %v, want found = %v and the listed value", tc.name, found, err, tc.found)
		}
	}
	if got := src.String(); got != "context secrets" {
		t.Errorf("String() = %q", got)
	}
}
