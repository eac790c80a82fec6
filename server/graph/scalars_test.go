package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/outposthq/outpost/server/graph/model"
)

func TestParseTimestamp(t *testing.T) {
	want := time.Date(2024, 5, 1, 12, 0, 10, 123456000, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-05-01T12:00:10.123456+00:00", want, true},
		{"2024-05-01T14:00:10.123456+02:00", want, true},
		{"2024-05-01T12:00:10.123456Z", want, true},
		{"2024-05-01T12:00:10.123456", want, true}, // naive: UTC, as Prefect's cache query sends
		{"2024-05-01 12:00:10.123456+00:00", want, true},
		{"2024-05-01T12:00:10.123456+0000", want, true},
		{"2024-05-01T12:00:10+00:00", want.Truncate(time.Second), true},
		{"2024-05-01", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), true},
		{"yesterday", time.Time{}, false},
		{"2024-13-01T00:00:00+00:00", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := model.ParseTimestamp(tt.in)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if _, err := model.UnmarshalTimestamp(1714564810); err == nil {
		t.Error("a number was accepted as a timestamp")
	}
	if got := model.FormatTimestamp(want.In(time.FixedZone("x", 3600))); got != "2024-05-01T12:00:10.123456+00:00" {
		t.Errorf("FormatTimestamp = %q", got)
	}
}

func TestParseUUID(t *testing.T) {
	const canonical = "0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11"
	tests := []struct {
		in string
		ok bool
	}{
		{canonical, true},
		{"0C8A3C2E-6E35-4D0E-9A9E-2B8F1F7D3A11", true},
		{"0c8a3c2e6e354d0e9a9e2b8f1f7d3a11", true},
		{"0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a1", false},
		{"0c8a3c2e-6e35-4d0e-9a9e2-b8f1f7d3a11", false},
		{"0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a1g", false},
		{"", false},
		{"not-a-uuid", false},
	}
	for _, tt := range tests {
		got, err := model.ParseUUID(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != canonical) {
			t.Errorf("ParseUUID(%q) = %q, %v; want ok %v", tt.in, got, err, tt.ok)
		}
	}
	if _, err := model.UnmarshalUUID(42); err == nil {
		t.Error("a number was accepted as a UUID")
	}
}

func TestRawJSONScalar(t *testing.T) {
	tests := []struct {
		doc  json.RawMessage
		want string
		ok   bool
	}{
		{json.RawMessage(`{ "a" : [1, 2] }`), `{"a":[1,2]}`, true},
		{nil, `null`, true},
		{json.RawMessage(`"text"`), `"text"`, true},
		{json.RawMessage(`{"a":`), ``, false},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		err := model.MarshalRawJSON(tt.doc).MarshalGQLContext(context.Background(), &buf)
		if (err == nil) != tt.ok || (tt.ok && buf.String() != tt.want) {
			t.Errorf("MarshalRawJSON(%s) wrote %q, %v; want %q (ok %v)", tt.doc, buf.String(), err, tt.want, tt.ok)
		}
	}
	got, err := model.UnmarshalRawJSON(context.Background(), map[string]any{"n": json.Number("1.50"), "s": "x"})
	if err != nil || string(got) != `{"n":1.50,"s":"x"}` {
		t.Errorf("UnmarshalRawJSON = %s, %v", got, err)
	}
}

func TestUUIDArgumentsAreValidated(t *testing.T) {
	e := newEnv(t)
	res := e.do(`query { flow_run_by_pk(id: "nope") { id } }`, "")
	if res.HTTPErr == nil && len(res.Errors) == 0 {
		t.Fatal("an invalid UUID was accepted")
	}
	msg := ""
	if res.HTTPErr != nil {
		msg = res.HTTPErr.Error()
	} else {
		msg = res.Errors[0].Message
	}
	if !bytes.Contains([]byte(msg), []byte(`invalid UUID "nope"`)) {
		t.Errorf("error %q does not name the bad UUID", msg)
	}
}
