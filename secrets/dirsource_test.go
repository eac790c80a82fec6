package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDirSourceRead(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"TOKEN":      "tok\n",
		"TWO_LINES":  "a\nb\n\n",
		"CRLF":       "win\r\n",
		"NO_NEWLINE": "plain",
		"EMPTY":      "",
		"ONLY_NL":    "\n",
		"SPACES":     "  padded  \n",
		"JSON":       `{"a": 1}` + "\n",
		".hidden":    "h",
		"with.dot":   "d",
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	// Kubernetes mounts each key as a symlink into a ..data directory: allowed, as it
	// stays inside the directory.
	writeFile(t, filepath.Join(dir, "..2024_01", "K8S"), "from-k8s\n")
	if err := os.Symlink("..2024_01", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..data", "K8S"), filepath.Join(dir, "K8S")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		want  string
		found bool
	}{
		{"TOKEN", "tok", true},
		{"TWO_LINES", "a\nb\n", true},
		{"CRLF", "win", true},
		{"NO_NEWLINE", "plain", true},
		{"EMPTY", "", true},
		{"ONLY_NL", "", true},
		{"SPACES", "  padded  ", true},
		{"JSON", `{"a": 1}`, true},
		{".hidden", "h", true},
		{"with.dot", "d", true},
		{"K8S", "from-k8s", true},
		{"MISSING", "", false},
		{"token", "", false},
	}
	src := DirSource{Dir: dir}
	for _, tc := range tests {
		v, found, err := src.Lookup(t.Context(), tc.name)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if found != tc.found {
			t.Errorf("%s: found = %v, want %v", tc.name, found, tc.found)
		}
		if found && v.Reveal() != tc.want {
			t.Errorf("%s: content differs from the expected one", tc.name)
		}
	}
	if got := src.String(); got != "secret files in "+dir {
		t.Errorf("String() = %q", got)
	}
}

func TestDirSourceMissingDir(t *testing.T) {
	src := DirSource{Dir: filepath.Join(t.TempDir(), "absent")}
	if _, found, err := src.Lookup(t.Context(), "TOKEN"); found || err != nil {
		t.Errorf("missing directory: found = %v, err = %v; want not found and no error", found, err)
	}
	if _, _, err := (DirSource{}).Lookup(t.Context(), "TOKEN"); err == nil {
		t.Error("an empty directory setting was accepted")
	}
}

func TestDirSourceRefusesPaths(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "secrets")
	writeFile(t, filepath.Join(base, "outside"), "outside-s3cr3t")
	writeFile(t, filepath.Join(dir, "inside"), "in")
	src := DirSource{Dir: dir}
	for _, name := range []string{"../outside", "..", ".", "", "a/b", "/etc/passwd", `..\outside`, `a\b`, "x..y", "..data", "nul\x00"} {
		_, found, err := src.Lookup(t.Context(), name)
		if err == nil || found {
			t.Errorf("name %q: found = %v, err = %v; want a refusal", name, found, err)
			continue
		}
		if name != "" && !strings.Contains(err.Error(), "cannot name a secret file") {
			t.Errorf("name %q: error %q does not say why", name, err)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("name %q: the error contains file content", name)
		}
	}
}

func TestDirSourceUnreadable(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "secrets")
	writeFile(t, filepath.Join(base, "outside"), "outside-s3cr3t")
	writeFile(t, filepath.Join(dir, "SUBDIR", "x"), "sub-s3cr3t")
	// A symlink out of the directory: os.Root refuses to follow it.
	if err := os.Symlink(filepath.Join(base, "outside"), filepath.Join(dir, "ESCAPE")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside", filepath.Join(dir, "RELATIVE_ESCAPE")); err != nil {
		t.Fatal(err)
	}
	src := DirSource{Dir: dir}
	for _, name := range []string{"SUBDIR", "ESCAPE", "RELATIVE_ESCAPE"} {
		_, found, err := src.Lookup(t.Context(), name)
		if err == nil || found {
			t.Errorf("%s: found = %v, err = %v; want an error", name, found, err)
			continue
		}
		if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: the error contains file content", name)
		}
		if errors.Is(err, ErrNotFound) {
			t.Errorf("%s: an unreadable file is reported as not found", name)
		}
	}
	// A file in place of the directory.
	if _, _, err := (DirSource{Dir: filepath.Join(base, "outside")}).Lookup(t.Context(), "X"); err == nil {
		t.Error("a file given as the directory was accepted")
	}
}
