package testpg

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// TestStart checks that each call gives a distinct, empty, writable database, and that
// the database is gone once its test has ended.
func TestStart(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("first", func(t *testing.T) {
		first = Start(t)
		conn, err := pgx.Connect(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var tables int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Fatalf("new database has %d tables, want 0", tables)
		}
		if _, err := conn.Exec(ctx, `CREATE TABLE t (x int)`); err != nil {
			t.Fatal(err)
		}
	})
	second := Start(t)
	if second == first {
		t.Fatalf("two calls returned the same database %s", first)
	}
	conn, err := pgx.Connect(ctx, first)
	if err == nil {
		conn.Close(ctx)
		t.Fatalf("database %s still exists after its test ended", first)
	}
	if !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("connect to dropped database: %v, want a \"does not exist\" error", err)
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		server, want string
		wantErr      bool
	}{
		{"postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable", "postgres://u:p@127.0.0.1:5432/db?sslmode=disable", false},
		{"postgresql://127.0.0.1/", "postgresql://127.0.0.1/db", false},
		{"host=127.0.0.1 dbname=postgres", "", true},
	}
	for _, tt := range tests {
		got, err := withDatabase(tt.server, "db")
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q, error %v", tt.server, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFindBinaries(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no initdb on PATH
	root := t.TempDir()
	install := func(version string, names ...string) {
		dir := filepath.Join(root, version, "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	pattern := filepath.Join(root, "*", "bin")

	_, err := findBinaries(pattern)
	if err == nil || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Fatalf("with no binaries: error %v, want one saying `apt-get install postgresql`", err)
	}

	install("9", "initdb", "pg_ctl", "postgres")
	install("15", "initdb", "pg_ctl", "postgres")
	install("16", "initdb", "pg_ctl") // incomplete: no server binary
	got, err := findBinaries(pattern)
	if want := filepath.Join(root, "15", "bin"); err != nil || got != want {
		t.Fatalf("findBinaries() = %q, %v; want the newest complete version %q", got, err, want)
	}
}
