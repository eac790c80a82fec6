package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// tsLayout is fixed-width UTC with microseconds: SQLite compares these as text in time
// order, and PostgreSQL parses them into timestamptz.
const tsLayout = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Truncate(time.Microsecond).Format(tsLayout) }

func nullTS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// timeCol scans a timestamp: time.Time from PostgreSQL, text from SQLite.
type timeCol struct {
	t     time.Time
	valid bool
}

func (c *timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c = timeCol{}
		return nil
	case time.Time:
		*c = timeCol{t: v.UTC(), valid: true}
		return nil
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	}
	return fmt.Errorf("scan timestamp: unexpected %T", src)
}

func (c *timeCol) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("scan timestamp %q: %w", s, err)
	}
	*c = timeCol{t: t.UTC(), valid: true}
	return nil
}

func (c timeCol) ptr() *time.Time {
	if !c.valid {
		return nil
	}
	t := c.t
	return &t
}

// jsonArg validates a JSON document for storage. Empty and JSON null are stored as NULL.
func jsonArg(field string, raw json.RawMessage) (any, error) {
	if isNullJSON(raw) {
		return nil, nil
	}
	if !json.Valid(raw) {
		return nil, invalid("%s is not valid JSON", field)
	}
	return string(raw), nil
}

func isNullJSON(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// jsonCol scans a JSON document (jsonb text from PostgreSQL, text from SQLite).
type jsonCol struct{ raw json.RawMessage }

func (c *jsonCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		c.raw = nil
	case string:
		c.raw = json.RawMessage(v)
	case []byte:
		c.raw = append(json.RawMessage(nil), v...) // the driver may reuse v
	default:
		return fmt.Errorf("scan JSON: unexpected %T", src)
	}
	return nil
}

// normLabels returns labels as a set: sorted, without duplicates, never nil.
func normLabels(labels []string) []string {
	out := slices.Clone(labels)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// labelsArg is the stored form of a normalised label set: a JSON array, so equal sets are
// equal strings.
func labelsArg(labels []string) string {
	b, _ := json.Marshal(normLabels(labels)) // a []string always marshals
	return string(b)
}

// labelsCol scans a stored label set.
type labelsCol struct{ labels []string }

func (c *labelsCol) Scan(src any) error {
	var j jsonCol
	if err := j.Scan(src); err != nil {
		return err
	}
	c.labels = []string{}
	if isNullJSON(j.raw) {
		return nil
	}
	if err := json.Unmarshal(j.raw, &c.labels); err != nil {
		return fmt.Errorf("scan labels: %w", err)
	}
	return nil
}

// labelsOf reads a "labels" list from a run config or environment document, as Prefect
// does to find a flow's labels.
func labelsOf(doc json.RawMessage) ([]string, bool) {
	if isNullJSON(doc) {
		return nil, false
	}
	var v struct {
		Labels []string `json:"labels"`
	}
	if err := json.Unmarshal(doc, &v); err != nil || v.Labels == nil {
		return nil, false
	}
	return v.Labels, true
}
