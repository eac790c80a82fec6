// Package model holds the GraphQL types of the embedded backend: the Go models gqlgen
// generates from server/graph/schema.graphqls, and the custom scalars below.
package model

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// The scalars are bound by function (gqlgen looks up Marshal<Name>/Unmarshal<Name>), so
// resolvers work with plain string, time.Time and json.RawMessage values.

// MarshalUUID writes a UUID (scalars UUID and uuid) as a JSON string.
func MarshalUUID(id string) graphql.Marshaler {
	return graphql.MarshalString(id)
}

// UnmarshalUUID accepts a UUID as Prefect sends it (a string, dashed or not, any case) and
// returns it in canonical lower-case dashed form.
func UnmarshalUUID(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("a UUID must be a string like \"0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11\", got %T", v)
	}
	return ParseUUID(s)
}

// ParseUUID validates s as a UUID and returns its canonical lower-case dashed form.
func ParseUUID(s string) (string, error) {
	hex := strings.ReplaceAll(strings.ToLower(s), "-", "")
	dashed := len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-'
	if len(hex) != 32 || !(dashed || len(s) == 32) || strings.Trim(hex, "0123456789abcdef") != "" {
		return "", fmt.Errorf("invalid UUID %s: expected 32 hex digits as 8-4-4-4-12", quoteShort(s))
	}
	return hex[0:8] + "-" + hex[8:12] + "-" + hex[12:16] + "-" + hex[16:20] + "-" + hex[20:], nil
}

// timestampLayout is how timestamps leave the API: ISO-8601 with microseconds and a
// numeric offset, the shape pendulum's isoformat() produces.
const timestampLayout = "2006-01-02T15:04:05.000000-07:00"

// timestampLayouts are the shapes accepted on input. Prefect sends pendulum isoformat()
// strings ("2024-05-01T12:00:10.123456+00:00") and, for cache queries, naive UTC ones.
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
}

// naiveLayouts carry no offset and are read as UTC.
var naiveLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// MarshalTimestamp writes a timestamp (scalars DateTime and timestamptz) in UTC.
func MarshalTimestamp(t time.Time) graphql.Marshaler {
	return graphql.MarshalString(FormatTimestamp(t))
}

// FormatTimestamp renders t the way the API returns timestamps.
func FormatTimestamp(t time.Time) string {
	return t.UTC().Format(timestampLayout)
}

// UnmarshalTimestamp accepts an ISO-8601 timestamp string.
func UnmarshalTimestamp(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("a timestamp must be an ISO-8601 string like \"2024-05-01T12:00:10.123456+00:00\", got %T", v)
	}
	return ParseTimestamp(s)
}

// ParseTimestamp parses an ISO-8601 timestamp; one without an offset is UTC.
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range naiveLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %s: use ISO-8601 like \"2024-05-01T12:00:10.123456+00:00\"", quoteShort(s))
}

// MarshalRawJSON writes a JSON document (scalars JSON and jsonb) as a JSON value, not as
// a string holding JSON; an empty document is null.
func MarshalRawJSON(doc json.RawMessage) graphql.ContextMarshaler {
	return graphql.ContextWriterFunc(func(_ context.Context, w io.Writer) error {
		if len(doc) == 0 {
			_, err := io.WriteString(w, "null")
			return err
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, doc); err != nil {
			return fmt.Errorf("stored JSON document is invalid: %w", err)
		}
		_, err := w.Write(buf.Bytes())
		return err
	})
}

// UnmarshalRawJSON accepts any GraphQL input value (an object, list, string, number,
// boolean or null, from a literal or from variables) and returns its JSON text.
func UnmarshalRawJSON(_ context.Context, v any) (json.RawMessage, error) {
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("value cannot be represented as JSON: %w", err)
	}
	return doc, nil
}

// quoteShort quotes s for an error message, cut so a huge input does not flood it.
func quoteShort(s string) string {
	const max = 64
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}
