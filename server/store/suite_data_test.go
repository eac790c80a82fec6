package store

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func testLogs(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	r := e.run(t, FlowRun{})
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	// Written out of time order, with two lines sharing a timestamp.
	batch := []Log{
		{FlowRunID: r.ID, Timestamp: at(3), Level: "ERROR", Name: "flow", Message: "third"},
		{FlowRunID: r.ID, Timestamp: at(1), Level: "INFO", Name: "agent", Message: "first", Info: json.RawMessage(`{"pid":42}`)},
		{FlowRunID: r.ID, Timestamp: at(2), Message: "second-a", TaskRunID: "t1"},
		{FlowRunID: r.ID, Timestamp: at(2), Message: "second-b"},
	}
	if err := e.s.WriteLogs(e.ctx, batch); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	if err := e.s.WriteLogs(e.ctx, []Log{{FlowRunID: r.ID, Message: "defaults"}}); err != nil {
		t.Fatal(err)
	}
	all := must(e.s.Logs(e.ctx, r.ID, "", 0))(t)
	var msgs []string
	for _, l := range all {
		msgs = append(msgs, l.Message)
	}
	if want := []string{"first", "second-a", "second-b", "third", "defaults"}; !slices.Equal(msgs, want) {
		t.Fatalf("logs in order %v, want %v", msgs, want)
	}
	first, last := all[0], all[4]
	if first.Level != "INFO" || first.Name != "agent" || first.TenantID != e.tenant.ID || !first.Timestamp.Equal(micro(at(1))) {
		t.Fatalf("first log %+v", first)
	}
	jsonEqual(t, "info", first.Info, json.RawMessage(`{"pid":42}`))
	if last.Level != "INFO" || !last.Timestamp.Equal(micro(t0.Add(time.Minute))) || all[1].TaskRunID != "t1" {
		t.Fatalf("defaults: level %q time %v; task run %q", last.Level, last.Timestamp, all[1].TaskRunID)
	}
	// Paging two at a time, as a follower tails, visits each line once.
	var paged []string
	after := ""
	for range 10 {
		page := must(e.s.Logs(e.ctx, r.ID, after, 2))(t)
		if len(page) == 0 {
			break
		}
		for _, l := range page {
			paged = append(paged, l.Message)
		}
		after = page[len(page)-1].ID
	}
	if !slices.Equal(paged, msgs) {
		t.Fatalf("paged %v, want %v", paged, msgs)
	}
	// A batch with a line for an unknown run is refused whole.
	err := e.s.WriteLogs(e.ctx, []Log{{FlowRunID: r.ID, Message: "lost"}, {FlowRunID: "no-such-run", Message: "x"}})
	wantErr(t, err, ErrNotFound)
	if n := len(must(e.s.Logs(e.ctx, r.ID, "", 0))(t)); n != 5 {
		t.Fatalf("a refused batch was partly written: %d logs", n)
	}
	_, err = e.s.Logs(e.ctx, r.ID, "999999", 0)
	wantErr(t, err, ErrNotFound)
	_, err = e.s.Logs(e.ctx, r.ID, "abc", 0)
	wantErr(t, err, ErrInvalid)
	_, err = e.s.Logs(e.ctx, "no-such-run", "", 0)
	wantErr(t, err, ErrNotFound)
	other := e.run(t, FlowRun{})
	if got := must(e.s.Logs(e.ctx, other.ID, "", 0))(t); len(got) != 0 {
		t.Fatalf("another run's logs: %+v", got)
	}
}

func testSecrets(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	tenant := e.tenant.ID
	for _, n := range []string{"SLACK", "AWS_CREDENTIALS", "GITHUB_ACCESS_TOKEN"} {
		if err := e.s.PutSecret(e.ctx, SecretRecord{TenantID: tenant, Name: n, Ciphertext: []byte("ct-" + n)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := must(e.s.SecretNames(e.ctx, tenant))(t); !slices.Equal(got, []string{"AWS_CREDENTIALS", "GITHUB_ACCESS_TOKEN", "SLACK"}) {
		t.Fatalf("names %v", got)
	}
	e.clock.Advance(time.Minute)
	if err := e.s.PutSecret(e.ctx, SecretRecord{TenantID: tenant, Name: "SLACK", Ciphertext: []byte{0, 1, 2, 255}}); err != nil {
		t.Fatal(err)
	}
	got := must(e.s.GetSecret(e.ctx, tenant, "SLACK"))(t)
	if !bytes.Equal(got.Ciphertext, []byte{0, 1, 2, 255}) || !got.Updated.Equal(micro(t0.Add(time.Minute))) || got.Name != "SLACK" || got.TenantID != tenant {
		t.Fatalf("after replacing: %+v", got)
	}
	if got := must(e.s.SecretNames(e.ctx, "another-tenant"))(t); len(got) != 0 {
		t.Fatalf("another tenant sees %v", got)
	}
	if err := e.s.DeleteSecret(e.ctx, tenant, "SLACK"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.s.DeleteSecret(e.ctx, tenant, "SLACK"), ErrNotFound)
	_, err := e.s.GetSecret(e.ctx, tenant, "SLACK")
	wantErr(t, err, ErrNotFound)
	if got := must(e.s.SecretNames(e.ctx, tenant))(t); len(got) != 2 {
		t.Fatalf("names after delete %v", got)
	}
	// Errors never carry the ciphertext.
	secret := "TOP-SECRET-CIPHERTEXT"
	bad := []SecretRecord{
		{TenantID: "no-such-tenant", Name: "X", Ciphertext: []byte(secret)},
		{TenantID: tenant, Name: "", Ciphertext: []byte(secret)},
		{TenantID: tenant, Name: "EMPTY"},
	}
	for _, r := range bad {
		err := e.s.PutSecret(e.ctx, r)
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Fatalf("PutSecret(%q) error %v", r.Name, err)
		}
	}
}

func testAPIKeys(t *testing.T, dsn newDSN) {
	e := newEnv(t, dsn)
	hash := []byte{0xde, 0xad, 0xbe, 0xef}
	k := must(e.s.CreateAPIKey(e.ctx, APIKey{TenantID: e.tenant.ID, Name: "ci", Hash: hash}))(t)
	if k.ID == "" || !k.Created.Equal(micro(t0)) {
		t.Fatalf("created %+v", k)
	}
	got := must(e.s.APIKeyByHash(e.ctx, hash))(t)
	if got.ID != k.ID || got.Name != "ci" || got.TenantID != e.tenant.ID || !bytes.Equal(got.Hash, hash) {
		t.Fatalf("lookup %+v, want %+v", got, k)
	}
	_, err := e.s.CreateAPIKey(e.ctx, APIKey{TenantID: e.tenant.ID, Name: "dup", Hash: hash})
	wantErr(t, err, ErrConflict)
	_, err = e.s.APIKeyByHash(e.ctx, []byte{1, 2, 3})
	wantErr(t, err, ErrNotFound)
	_, err = e.s.CreateAPIKey(e.ctx, APIKey{TenantID: e.tenant.ID, Name: "nohash"})
	wantErr(t, err, ErrInvalid)
}
