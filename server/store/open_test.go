package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestOpenSQLiteFileIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "dir")
	path := filepath.Join(dir, "outpost.db")
	openStore(t, path)
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{{dir, 0o700}, {path, 0o600}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != c.mode {
			t.Errorf("%s has mode %o, want %o", c.path, got, c.mode)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dsn, want, never string
	}{
		{"empty", "", "pass a SQLite file path or a postgres:// URL", ""},
		{"question mark in path", filepath.Join(t.TempDir(), "a?b.db"), "must not contain", ""},
		{"parent is a file", filepath.Join(file, "x.db"), "create its directory", ""},
		{"not a database", file, "file is not a database", ""},
		{"unreachable server", "postgres://outpost:s3cret-pw@127.0.0.1:1/db?connect_timeout=5", "connect", "s3cret-pw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.dsn)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if tt.never != "" && strings.Contains(err.Error(), tt.never) {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

// testConcurrentFirstOpen opens a fresh database from several handles at once, as
// replicas starting together do: the migrations run once, and every handle works.
func testConcurrentFirstOpen(t *testing.T, dsn newDSN) {
	d := dsn(t)
	const n = 4
	stores := make([]Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(context.Background(), d) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	var applied int
	if err := stores[0].(*sqlStore).db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if want := len(must(loadMigrations(stores[0].(*sqlStore).d.migrations))(t)); applied != want {
		t.Fatalf("%d migrations recorded, want %d", applied, want)
	}
	for i, s := range stores {
		if _, err := s.DefaultTenant(context.Background()); err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
	}
}

func TestRebind(t *testing.T) {
	tests := []struct {
		dollar   bool
		in, want string
	}{
		{false, "a = ? AND b IN (?, ?)", "a = ? AND b IN (?, ?)"},
		{true, "a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"},
		{true, "SELECT 1", "SELECT 1"},
	}
	for _, tt := range tests {
		if got := (dialect{dollar: tt.dollar}).rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
