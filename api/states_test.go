package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const noResult = `"context": {}, "cached_inputs": {}, "_result": {"type": "NoResultType", "__version__": "1.4.1"}, "__version__": "1.4.1"`

func TestStateSerialization(t *testing.T) {
	start := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	scheduled := `{"type":"Scheduled","message":"Flow run scheduled.","start_time":"2024-05-01T12:00:00+00:00",` +
		`"context":{},"cached_inputs":{},"_result":{"type":"NoResultType","__version__":"1.4.1"},"__version__":"1.4.1"}`
	submitted := Submitted("Submitted for execution")
	submitted.Inner = json.RawMessage(scheduled)
	tests := []struct {
		name  string
		state State
		want  string
	}{
		{"running", Running("Running flow."), `{"type": "Running", "message": "Running flow.", ` + noResult + `}`},
		{"failed", Failed("boom"), `{"type": "Failed", "message": "boom", ` + noResult + `}`},
		{"success", Success("All reference tasks succeeded."), `{"type": "Success", "message": "All reference tasks succeeded.", ` + noResult + `}`},
		{"cancelled", Cancelled("Flow run is cancelled"), `{"type": "Cancelled", "message": "Flow run is cancelled", ` + noResult + `}`},
		{"scheduled, in UTC with microseconds", Scheduled(start.In(time.FixedZone("CEST", 2*3600)).Add(123456 * time.Microsecond)),
			`{"type": "Scheduled", "message": "Flow run scheduled.", "start_time": "2024-05-01T12:00:00.123456+00:00", ` + noResult + `}`},
		// The reference's example of the Submitted state an agent sets.
		{"submitted wrapping the scheduled state", submitted,
			`{"type":"Submitted","message":"Submitted for execution","context":{},"cached_inputs":{},
			 "_result":{"type":"NoResultType","__version__":"1.4.1"},"__version__":"1.4.1","state":` + scheduled + `}`},
		{"context kept", State{Type: "Running", Context: map[string]any{"k": "v"}},
			`{"type": "Running", "message": "", "context": {"k": "v"}, "cached_inputs": {}, "_result": {"type": "NoResultType", "__version__": "1.4.1"}, "__version__": "1.4.1"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.state)
			if err != nil {
				t.Fatal(err)
			}
			assertJSONEqual(t, "state", string(got), tc.want)
		})
	}
}

func TestStateRoundTrip(t *testing.T) {
	in := Scheduled(time.Date(2024, 5, 1, 12, 0, 0, 5000, time.UTC))
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out State
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if out.Type != in.Type || out.Message != in.Message || !out.StartTime.Equal(in.StartTime) {
		t.Errorf("round trip: %+v != %+v", out, in)
	}
}

func TestStateUnmarshal(t *testing.T) {
	tests := []struct {
		name, in  string
		typ, msg  string
		start     string // RFC 3339, "" for none
		inner     bool
		errSubstr string
	}{
		{name: "pendulum offset", in: `{"type":"Scheduled","message":"m","start_time":"2024-05-01T12:00:00.5+02:00"}`, typ: "Scheduled", msg: "m", start: "2024-05-01T10:00:00.5Z"},
		{name: "naive is UTC", in: `{"type":"Retrying","start_time":"2024-05-01T12:00:00"}`, typ: "Retrying", start: "2024-05-01T12:00:00Z"},
		{name: "null message and start", in: `{"type":"Paused","message":null,"start_time":null}`, typ: "Paused"},
		{name: "unknown keys ignored", in: `{"type":"Mapped","n_map_states":3,"extra":{}}`, typ: "Mapped"},
		{name: "meta-state", in: `{"type":"Submitted","state":{"type":"Scheduled"}}`, typ: "Submitted", inner: true},
		{name: "bad start time", in: `{"type":"Scheduled","start_time":"noon"}`, errSubstr: "start_time"},
		{name: "not an object", in: `"Running"`, errSubstr: "serialized state"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s State
			err := json.Unmarshal([]byte(tc.in), &s)
			if tc.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errSubstr) {
					t.Fatalf("error %v does not say %q", err, tc.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Type != tc.typ || s.Message != tc.msg || (len(s.Inner) > 0) != tc.inner {
				t.Errorf("got %+v", s)
			}
			if tc.start == "" {
				if !s.StartTime.IsZero() {
					t.Errorf("start time %v, want none", s.StartTime)
				}
			} else if !s.StartTime.Equal(mustTime(t, tc.start)) {
				t.Errorf("start time %v, want %s", s.StartTime, tc.start)
			}
		})
	}
}

func TestStatePredicates(t *testing.T) {
	tests := []struct {
		name                         string
		scheduled, running, finished bool
	}{
		{"Scheduled", true, false, false},
		{"Queued", true, false, false},
		{"Retrying", true, false, false},
		{"Submitted", false, false, false},
		{"Pending", false, false, false},
		{"Running", false, true, false},
		{"Cancelling", false, true, false},
		{"Success", false, false, true},
		{"Failed", false, false, true},
		{"Cancelled", false, false, true},
		{"TimedOut", false, false, true},
		{"Cached", false, false, true},
	}
	for _, tc := range tests {
		if IsScheduled(tc.name) != tc.scheduled || IsRunning(tc.name) != tc.running || IsFinished(tc.name) != tc.finished {
			t.Errorf("%s: scheduled %v running %v finished %v", tc.name, IsScheduled(tc.name), IsRunning(tc.name), IsFinished(tc.name))
		}
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), "2024-05-01T12:00:00.000000+00:00"},
		{time.Date(2024, 5, 1, 14, 0, 0, 123456789, time.FixedZone("", 2*3600)), "2024-05-01T12:00:00.123456+00:00"},
	}
	for _, tc := range tests {
		if got := FormatTime(tc.in); got != tc.want {
			t.Errorf("FormatTime(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
