package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/outposthq/outpost/internal/testpg"
)

const createRunDoc = `mutation($input: create_flow_run_input!) { create_flow_run(input: $input) { id } }`

// A long poll on one replica is released by a run created through either replica of
// the same PostgreSQL database.
func TestRunWaitAcrossReplicas(t *testing.T) {
	dsn := testpg.Start(t)
	env := map[string]string{AdminKeyEnv: "replica-admin-key-0123456789-abcdef"}
	a := startServer(t, serverConfig{dsn: dsn, env: env})
	b := startServer(t, serverConfig{dsn: dsn, env: env})
	if a.tenant.ID != b.tenant.ID {
		t.Fatalf("replicas disagree on the default tenant: %s, %s", a.tenant.ID, b.tenant.ID)
	}
	flow := createFlow(t, a)

	tests := []struct {
		name    string
		creator *testServer
	}{
		{"run created on the other replica", a},
		{"run created on the waiting replica", b},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			since := b.Notifier().Seq(b.tenant.ID)
			type answer struct {
				status int
				seq    uint64
				err    error
			}
			got := make(chan answer, 1)
			go func() {
				status, seq, err := waitGET(b, b.key, fmt.Sprintf("since=%d&timeout=60s", since))
				got <- answer{status, seq, err}
			}()
			// The waiter may arrive after the run; a stale since answers at once then.
			tc.creator.mustGQL(t, createRunDoc, map[string]any{"input": map[string]any{"flow_id": flow.ID}}, nil)
			select {
			case r := <-got:
				if r.err != nil || r.status != 200 || r.seq <= since {
					t.Fatalf("wait = %d, %d, %v; want 200 and a sequence past %d", r.status, r.seq, r.err, since)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("create_flow_run did not release the agent waiting on the other replica")
			}
		})
	}
}

// When the listening connection is cut, the listener reconnects, wakes the tenants it
// knows (a run may have been announced meanwhile), and hears later runs again.
func TestRunListenerReconnects(t *testing.T) {
	dsn := testpg.Start(t)
	ts := startServer(t, serverConfig{dsn: dsn})
	flow := createFlow(t, ts)
	n, tenant := ts.Notifier(), ts.tenant.ID

	waitPast := func(t *testing.T, since uint64, what string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		if seq, err := n.Wait(ctx, tenant, since); err != nil || seq <= since {
			t.Fatalf("%s: Wait = %d, %v; want a sequence past %d", what, seq, err, since)
		}
	}

	admin, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	since := n.Seq(tenant)
	var cut int
	err = admin.QueryRow(t.Context(),
		`WITH l AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE application_name = $1)
		 SELECT count(*) FROM l WHERE pg_terminate_backend(l.pid)`,
		listenerAppName).Scan(&cut)
	if err != nil || cut != 1 {
		t.Fatalf("terminate the listening connection: %d cut, %v; want 1", cut, err)
	}
	waitPast(t, since, "after reconnecting")
	if ts.logs.FilterMessage("the run listener lost its PostgreSQL connection; reconnecting").Len() == 0 {
		t.Error("the lost connection was not logged")
	}

	since = n.Seq(tenant)
	ts.mustGQL(t, createRunDoc, map[string]any{"input": map[string]any{"flow_id": flow.ID}}, nil)
	waitPast(t, since, "create_flow_run after reconnecting")
}

func TestNotifyAllWakesKnownTenants(t *testing.T) {
	n := NewNotifier()
	n.Notify("a")
	_ = n.Seq("b")
	n.NotifyAll()
	tests := []struct {
		tenant string
		want   uint64
	}{
		{"a", 2},
		{"b", 1},
		{"never seen", 0},
	}
	for _, tc := range tests {
		if got := n.Seq(tc.tenant); got != tc.want {
			t.Errorf("Seq(%q) after NotifyAll = %d, want %d", tc.tenant, got, tc.want)
		}
	}
	n.Close()
	n.NotifyAll() // no panic on a closed notifier
}
