// Package testpg gives tests a fresh, empty PostgreSQL database each.
//
// A test binary calls Main from its TestMain. If OUTPOST_TEST_POSTGRES holds the URL of a
// PostgreSQL server, tests use that server. Otherwise Main starts a private, throwaway
// cluster from the PostgreSQL binaries installed on the machine, listening on 127.0.0.1
// only, and stops it when the tests end. Either way Start creates a uniquely named
// database for one test and drops it when the test ends.
package testpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvServer names the environment variable holding a PostgreSQL server URL
// (postgres://user:password@host:port/database) to run tests against.
const EnvServer = "OUTPOST_TEST_POSTGRES"

// envStartError carries, from Main to Start, why the private cluster did not start, so
// that PostgreSQL tests fail with the reason while the binary's other tests still run.
const envStartError = "OUTPOST_TEST_POSTGRES_START_ERROR"

// Main runs the tests of m with a PostgreSQL server available to Start, and exits.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv(EnvServer) != "" {
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	c, err := startCluster(ctx)
	cancel()
	if err != nil {
		_ = os.Setenv(envStartError, err.Error())
		return m.Run()
	}
	defer func() {
		if err := c.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "testpg: %v\n", err)
		}
	}()
	_ = os.Setenv(EnvServer, c.url)
	return m.Run()
}

// Start returns the URL of a new, empty database, dropped when t ends.
func Start(t testing.TB) string {
	t.Helper()
	if msg := os.Getenv(envStartError); msg != "" {
		t.Fatalf("no PostgreSQL for this test: %s", msg)
	}
	server := os.Getenv(EnvServer)
	if server == "" {
		t.Fatalf("no PostgreSQL for this test: call testpg.Main(m) from TestMain, or set %s to a server URL", EnvServer)
	}
	name := "outpost_test_" + randomHex(8)
	dsn, err := withDatabase(server, name)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := admin(ctx, server, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := admin(ctx, server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return dsn
}

// admin runs one statement on the server's own database.
func admin(ctx context.Context, server, stmt string) error {
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return fmt.Errorf("connect to the test server: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

// withDatabase returns the server URL pointing at another database.
func withDatabase(server, name string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("%s must be a postgres:// URL (postgres://user:password@host:port/database)", EnvServer)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return strings.ToLower(hex.EncodeToString(b))
}
