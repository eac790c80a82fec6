package api

import (
	"encoding/json"
	"fmt"
	"time"
)

// State is a Prefect 1.x state as sent in set_flow_run_states and set_task_run_states and
// stored in serialized_state.
type State struct {
	Type      string         // class name: Scheduled, Submitted, Running, Success, ...
	Message   string         // free text shown with the state
	StartTime time.Time      // Scheduled family and Queued; zero when there is none
	Context   map[string]any // nil is sent as {}
	// Inner is the wrapped state of a meta-state (Submitted, Queued, ClientFailed), as
	// serialized JSON: an agent wraps the serialized_state it read, as Prefect's does.
	Inner json.RawMessage
}

// Submitted is the state an agent claims a run with.
func Submitted(msg string) State { return State{Type: "Submitted", Message: msg} }

// Running is the state a flow-run process starts with.
func Running(msg string) State { return State{Type: "Running", Message: msg} }

// Failed is a finished, failed run.
func Failed(msg string) State { return State{Type: "Failed", Message: msg} }

// Success is a finished, successful run.
func Success(msg string) State { return State{Type: "Success", Message: msg} }

// Cancelled is a run that was stopped on request.
func Cancelled(msg string) State { return State{Type: "Cancelled", Message: msg} }

// Scheduled is a run due at start.
func Scheduled(start time.Time) State {
	return State{Type: "Scheduled", Message: "Flow run scheduled.", StartTime: start}
}

// wireState is the marshmallow StateSchema shape (prefect/serialization/state.py).
type wireState struct {
	Type         string          `json:"type"`
	Message      *string         `json:"message"`
	Context      map[string]any  `json:"context"`
	CachedInputs map[string]any  `json:"cached_inputs"`
	Result       json.RawMessage `json:"_result"`
	Version      string          `json:"__version__"`
	StartTime    *string         `json:"start_time,omitempty"`
	State        json.RawMessage `json:"state,omitempty"`
}

// MarshalJSON writes the state the way Prefect's client serializes it.
func (s State) MarshalJSON() ([]byte, error) {
	if s.Type == "" {
		return nil, fmt.Errorf("a state needs a type such as Running or Failed")
	}
	w := wireState{
		Type:         s.Type,
		Message:      &s.Message,
		Context:      s.Context,
		CachedInputs: map[string]any{},
		Result:       json.RawMessage(`{"type":"NoResultType","__version__":"` + PrefectVersion + `"}`),
		Version:      PrefectVersion,
		State:        s.Inner,
	}
	if w.Context == nil {
		w.Context = map[string]any{}
	}
	if !s.StartTime.IsZero() {
		ts := FormatTime(s.StartTime)
		w.StartTime = &ts
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a serialized state; fields it does not model are ignored, as
// Prefect ignores unknown keys.
func (s *State) UnmarshalJSON(b []byte) error {
	var w wireState
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("serialized state: %w", err)
	}
	*s = State{Type: w.Type, Context: w.Context}
	if w.Message != nil {
		s.Message = *w.Message
	}
	if w.StartTime != nil && *w.StartTime != "" {
		t, err := ParseTime(*w.StartTime)
		if err != nil {
			return fmt.Errorf("serialized state: start_time: %w", err)
		}
		s.StartTime = t
	}
	if len(w.State) > 0 && string(w.State) != "null" {
		s.Inner = w.State
	}
	return nil
}

// IsScheduled reports whether a state name is waiting to run (Prefect's is_scheduled).
func IsScheduled(name string) bool {
	switch name {
	case "Scheduled", "Paused", "Resume", "Retrying", "Queued":
		return true
	}
	return false
}

// IsRunning reports whether a state name is running (Prefect's is_running).
func IsRunning(name string) bool { return name == "Running" || name == "Cancelling" }

// IsFinished reports whether a state name is final (Prefect's is_finished).
func IsFinished(name string) bool {
	switch name {
	case "Finished", "Looped", "Success", "Cached", "Mapped", "Skipped",
		"Cancelled", "Failed", "TimedOut", "TriggerFailed", "ValidationFailed":
		return true
	}
	return false
}

// FormatTime renders t as Prefect does: ISO-8601 in UTC with microseconds and +00:00.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000") + "+00:00"
}

// ParseTime reads an ISO-8601 timestamp as backends write them. One without an offset
// is UTC, as Prefect's naive timestamps are.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an ISO-8601 timestamp", s)
	}
	return t, nil
}
