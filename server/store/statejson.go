package store

import (
	"encoding/json"
	"slices"
	"time"
)

// stateTypes are the state names Prefect's StateSchema accepts.
var stateTypes = []string{"Cancelled", "Cached", "ClientFailed", "Failed", "Finished", "Looped",
	"Mapped", "Paused", "Pending", "Queued", "Resume", "Retrying", "Running", "Cancelling",
	"Scheduled", "Skipped", "Submitted", "Success", "TimedOut", "TriggerFailed", "ValidationFailed"}

// prefectVersion is the __version__ written into states the store creates itself.
const prefectVersion = "1.4.1"

// maxStateBytes is Prefect's limit on one serialized state.
const maxStateBytes = 1_000_000

func isFinished(state string) bool { return slices.Contains(FinishedStates, state) }
func isRunning(state string) bool  { return state == "Running" || state == "Cancelling" }

// claimed reports whether a run in this state has already been taken by an agent, so a
// second Submitted must be refused.
func claimed(state string) bool { return state == "Submitted" || isRunning(state) || isFinished(state) }

// wireState is a serialized Prefect 1.x state, with its keys in Prefect's order.
type wireState struct {
	Type         string         `json:"type"`
	Message      string         `json:"message"`
	StartTime    *string        `json:"start_time,omitempty"`
	Context      map[string]any `json:"context"`
	CachedInputs map[string]any `json:"cached_inputs"`
	Result       wireResult     `json:"_result"`
	Version      string         `json:"__version__"`
}

type wireResult struct {
	Type    string `json:"type"`
	Version string `json:"__version__"`
}

// isoTime formats a time as pendulum's isoformat does.
func isoTime(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.999999-07:00")
}

// serializeState builds a valid serialized state for states the store creates itself.
func serializeState(typ, message string, start *time.Time) json.RawMessage {
	w := wireState{Type: typ, Message: message, Context: map[string]any{}, CachedInputs: map[string]any{},
		Result: wireResult{Type: "NoResultType", Version: prefectVersion}, Version: prefectVersion}
	if start != nil {
		s := isoTime(*start)
		w.StartTime = &s
	}
	b, _ := json.Marshal(w) // plain strings and empty maps always marshal
	return b
}

// normalizeState checks a state and fills what the caller left out: the type, message and
// start time from the serialized form, or the serialized form from them.
func normalizeState(st State) (State, error) {
	if len(st.Serialized) > maxStateBytes {
		return State{}, invalid("state payload is too large (%d bytes, at most %d)", len(st.Serialized), maxStateBytes)
	}
	if !isNullJSON(st.Serialized) {
		var w struct {
			Type      string  `json:"type"`
			Message   *string `json:"message"`
			StartTime *string `json:"start_time"`
		}
		if err := json.Unmarshal(st.Serialized, &w); err != nil {
			return State{}, invalid("serialized state must be a JSON object with a \"type\": %v", err)
		}
		switch {
		case st.Type == "":
			st.Type = w.Type
		case w.Type != "" && w.Type != st.Type:
			return State{}, invalid("state type %q disagrees with the serialized state's type %q", st.Type, w.Type)
		}
		if st.Message == "" && w.Message != nil {
			st.Message = *w.Message
		}
		if st.StartTime == nil && w.StartTime != nil && *w.StartTime != "" {
			t, err := time.Parse(time.RFC3339Nano, *w.StartTime)
			if err != nil {
				return State{}, invalid("serialized state start_time %q is not an ISO-8601 time with an offset", *w.StartTime)
			}
			st.StartTime = &t
		}
	}
	if !slices.Contains(stateTypes, st.Type) {
		return State{}, invalid("unknown state type %q: use one of %v", st.Type, stateTypes)
	}
	if st.StartTime != nil {
		t := st.StartTime.UTC().Truncate(time.Microsecond)
		st.StartTime = &t
	}
	if isNullJSON(st.Serialized) {
		st.Serialized = serializeState(st.Type, st.Message, st.StartTime)
	}
	return st, nil
}

// keepCachedInputs carries the previous cached_inputs into a new task run state that has
// none, as Prefect Server does.
func keepCachedInputs(prev, next json.RawMessage) json.RawMessage {
	var p, n map[string]json.RawMessage
	if json.Unmarshal(prev, &p) != nil || json.Unmarshal(next, &n) != nil {
		return next
	}
	if emptyJSON(p["cached_inputs"]) || !emptyJSON(n["cached_inputs"]) {
		return next
	}
	n["cached_inputs"] = p["cached_inputs"]
	b, err := json.Marshal(n)
	if err != nil {
		return next
	}
	return b
}

func emptyJSON(raw json.RawMessage) bool {
	switch string(raw) {
	case "", "null", "{}":
		return true
	}
	return false
}
