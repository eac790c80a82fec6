package server

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/server/auth"
)

// On first start a key is generated and written to auth.toml (0600) under the slugs
// of the server's URL and of localhost; a client reading it is let in; a restart with
// the same home keeps the same key; the key is never logged.
func TestAdminKeyBootstrap(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		home, dsn := t.TempDir(), e.dsn(t)
		ts := startServer(t, serverConfig{dsn: dsn, home: home})
		if !strings.HasPrefix(ts.key, auth.KeyPrefix) {
			t.Fatalf("auth.toml key %q does not look generated", ts.key)
		}
		info, err := os.Stat(filepath.Join(home, "auth.toml"))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Fatalf("auth.toml mode %04o, want 0600", perm)
		}
		port := strings.TrimPrefix(ts.URL(), "http://127.0.0.1:")
		local, err := config.ReadAuth(home, "http://localhost:"+port)
		if err != nil || local.APIKey != ts.key || local.TenantID != ts.tenant.ID {
			t.Fatalf("auth.toml entry for http://localhost:%s = %+v, %v; want the same key and the tenant", port, local, err)
		}
		ts.mustGQL(t, "query { tenant { id } }", nil, nil)

		for _, entry := range ts.logs.All() {
			line := entry.Message + " " + strings.Join(fieldStrings(entry.ContextMap()), " ")
			if strings.Contains(line, ts.key) {
				t.Fatalf("a log line contains the admin key: %s", line)
			}
		}
		if ts.logs.FilterMessage("server started").Len() != 1 {
			t.Fatalf("want one start line, got %d", ts.logs.FilterMessage("server started").Len())
		}
		started := ts.logs.FilterMessage("server started").All()[0].ContextMap()
		if started["listening_on"] != ts.URL() || started["database"] != dsnForLog(dsn) || started["home"] != home {
			t.Fatalf("start line fields = %v", started)
		}

		// Restart on the same home and database: the key in auth.toml still works and
		// is not replaced.
		if err := ts.stop(); err != nil {
			t.Fatal(err)
		}
		p, _ := strconv.Atoi(port)
		ts2 := startServer(t, serverConfig{dsn: dsn, home: home, port: p})
		if ts2.key != ts.key {
			t.Fatal("a restart replaced the admin key in auth.toml")
		}
		ts2.mustGQL(t, "query { tenant { id } }", nil, nil)
	})
}

func dsnForLog(dsn string) string { return redactDSN(dsn) }

// A key from OUTPOST_ADMIN_KEY is used as is and nothing is written to auth.toml.
func TestAdminKeyFromEnv(t *testing.T) {
	const key = "my-own-admin-key-0123456789-abcdef"
	home := t.TempDir()
	ts := startServer(t, serverConfig{dsn: engines[0].dsn(t), home: home, env: map[string]string{AdminKeyEnv: key}})
	ts.mustGQL(t, "query { tenant { id } }", nil, nil)
	if _, err := os.Stat(filepath.Join(home, "auth.toml")); !os.IsNotExist(err) {
		t.Fatalf("auth.toml written although the key was given: %v", err)
	}
	r := ts.gql(t, "opk_"+strings.Repeat("x", 43), "query { tenant { id } }", nil)
	if !strings.Contains(r.errorText(), "UNAUTHENTICATED") {
		t.Fatalf("another key was accepted: %s", r.Raw)
	}
}

// A too-short OUTPOST_ADMIN_KEY stops the start with an error saying what to do, and
// without echoing the key.
func TestAdminKeyTooShort(t *testing.T) {
	_, err := New(t.Context(), Options{Database: engines[0].dsn(t), Home: t.TempDir(), Env: envOf(map[string]string{AdminKeyEnv: "hunter2"})})
	if err == nil || !strings.Contains(err.Error(), "at least") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("New = %v", err)
	}
}

// With port 0 the key is written once Serve knows the port.
func TestAdminKeyWithPortZero(t *testing.T) {
	ts := startServer(t, serverConfig{dsn: engines[0].dsn(t), port0: true})
	if !strings.HasPrefix(ts.key, auth.KeyPrefix) {
		t.Fatalf("no key in auth.toml for %s", ts.URL())
	}
	r := ts.gql(t, ts.key, "query { tenant { id } }", nil)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("key written for port 0 does not work: %s", r.Raw)
	}
}
