package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pelletier/go-toml/v2"
)

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://localhost:4200", "localhost-4200"},
		{"https://api.prefect.io", "api.prefect.io"},
		{"https://api.prefect.io/graphql", "api.prefect.io"},
		{"http://127.0.0.1:4200/", "127.0.0.1-4200"},
		{"HTTPS://API.Example.COM:443/x?y#z", "api.example.com-443"},
		{"http://user:pw@host:1", "user-pw-host-1"},
		{"http://[::1]:4200", "1-4200"},
		{"localhost:4200", "localhost-4200"}, // no netloc: the whole text
		{"api.prefect.io", "api.prefect.io"},
		{"//host:9/x", "host-9"},
		{"https://it's.example", "it-s.example"},
		{"http://host:1,000", "host-1000"},
		{"http://dömain.example", "d-main.example"},
		{"  http://padded:1  ", "padded-1"},
		{"---", ""},
	}
	for _, tt := range tests {
		if got := Slug(tt.in); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAuthRoundTrip(t *testing.T) {
	home := filepath.Join(t.TempDir(), "new", ".prefect")
	if got, err := ReadAuth(home, "http://localhost:4200"); err != nil || got != (AuthEntry{}) {
		t.Fatalf("ReadAuth without a file = %+v, %v; want empty, nil", got, err)
	}
	local := AuthEntry{APIKey: "key-local", TenantID: "00000000-0000-0000-0000-000000000001"}
	cloud := AuthEntry{APIKey: "key-cloud"}
	if err := WriteAuth(home, "http://localhost:4200", local); err != nil {
		t.Fatal(err)
	}
	if err := WriteAuth(home, "https://api.prefect.io/", cloud); err != nil {
		t.Fatal(err)
	}
	for url, want := range map[string]AuthEntry{
		"http://localhost:4200":  local,
		"https://api.prefect.io": cloud,
		"http://elsewhere:1":     {},
	} {
		got, err := ReadAuth(home, url)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("ReadAuth(%s) = %+v, want %+v", url, got, want)
		}
	}

	path := filepath.Join(home, "auth.toml")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("auth.toml mode = %o, want 600", mode)
	}
	dirInfo, _ := os.Stat(home)
	if mode := dirInfo.Mode().Perm(); mode != 0o700 {
		t.Errorf("directory mode = %o, want 700", mode)
	}
	data, _ := os.ReadFile(path)
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"localhost-4200": map[string]any{"api_key": "key-local", "tenant_id": "00000000-0000-0000-0000-000000000001"},
		"api.prefect.io": map[string]any{"api_key": "key-cloud"},
	}
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("auth.toml mismatch (-want +got):\n%s", diff)
	}
	entries, _ := os.ReadDir(home)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestWriteAuthKeepsOtherTables(t *testing.T) {
	home := t.TempDir()
	writeFile(t, home, "auth.toml", "[other]\napi_key = \"keep\"\nextra = 1\n\n[localhost-4200]\napi_key = \"old\"\ntenant_id = \"old-tenant\"\n")
	if err := WriteAuth(home, "http://localhost:4200", AuthEntry{APIKey: "new"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(home, "auth.toml"))
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"other":          map[string]any{"api_key": "keep", "extra": int64(1)},
		"localhost-4200": map[string]any{"api_key": "new"},
	}
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("auth.toml mismatch (-want +got):\n%s", diff)
	}
	info, _ := os.Stat(filepath.Join(home, "auth.toml"))
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("auth.toml mode = %o, want 600", mode)
	}
}

func TestAuthErrors(t *testing.T) {
	home := t.TempDir()
	writeFile(t, home, "auth.toml", "[localhost-4200]\napi_key = \"s3cr3t\nx\n")
	_, err := ReadAuth(home, "http://localhost:4200")
	var te *TOMLError
	if !errors.As(err, &te) || te.Line != 2 || !strings.HasPrefix(err.Error(), filepath.Join(home, "auth.toml")+":2:") {
		t.Errorf("ReadAuth on bad TOML: %v, want PATH:2:COL", err)
	}
	if err := WriteAuth(home, "http://localhost:4200", AuthEntry{APIKey: "k"}); err == nil {
		t.Error("WriteAuth must not overwrite a file it cannot read")
	}
	if data, _ := os.ReadFile(filepath.Join(home, "auth.toml")); !strings.Contains(string(data), "s3cr3t") {
		t.Error("the unreadable file was changed")
	}
	for name, content := range map[string]string{
		"table is a value":    "\"localhost-4200\" = \"s3cr3t\"\n",
		"key is not a string": "[localhost-4200]\napi_key = [\"s3cr3t\"]\n",
	} {
		dir := t.TempDir()
		writeFile(t, dir, "auth.toml", content)
		_, err := ReadAuth(dir, "http://localhost:4200")
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: error = %v, want one without the value", name, err)
		}
	}
	if err := WriteAuth("", "http://localhost:4200", AuthEntry{}); err == nil {
		t.Error("WriteAuth with no home directory must fail")
	}
	if err := WriteAuth(t.TempDir(), "///", AuthEntry{}); err == nil {
		t.Error("WriteAuth with no server must fail")
	}
}
