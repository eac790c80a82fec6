package local

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/outposthq/outpost/launcher"
)

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	exe := write("tool", 0o755)
	write("plain", 0o644)
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	otherExe := filepath.Join(other, "tool")
	if err := os.WriteFile(otherExe, nil, 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		argv0   string
		env     []string
		want    string
		notFind bool
	}{
		{"found", "tool", []string{"PATH=/nonexistent:" + dir}, exe, false},
		{"first match wins", "tool", []string{"PATH=" + other + ":" + dir}, otherExe, false},
		{"last PATH entry in env wins", "tool", []string{"PATH=" + other, "PATH=" + dir}, exe, false},
		{"slash used as is", "./x/tool", nil, "./x/tool", false},
		{"absolute used as is", "/no/such/tool", nil, "/no/such/tool", false},
		{"not executable", "plain", []string{"PATH=" + dir}, "", true},
		{"directory", "adir", []string{"PATH=" + dir}, "", true},
		{"relative PATH entries skipped", "tool", []string{"PATH=.:rel:" + filepath.Base(dir)}, "", true},
		{"no PATH", "tool", []string{"HOME=" + dir}, "", true},
		{"empty PATH", "tool", []string{"PATH="}, "", true},
		{"PATH-like name is not PATH", "tool", []string{"MYPATH=" + dir}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lookPath(tt.argv0, tt.env)
			if tt.notFind {
				if !errors.Is(err, launcher.ErrCommandNotFound) {
					t.Fatalf("lookPath = %q, %v; want ErrCommandNotFound", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("lookPath = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
