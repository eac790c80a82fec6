package flowrun

import (
	"slices"
	"strings"
	"testing"
)

func TestLineWriter(t *testing.T) {
	long := strings.Repeat("x", maxLineBytes)
	// A multi-byte character straddling the cut goes whole into the next piece.
	straddle := strings.Repeat("a", maxLineBytes-1) + "é" + "b"
	tests := []struct {
		name   string
		writes []string
		want   []string
	}{
		{"lines", []string{"a\nb\n"}, []string{"a", "b"}},
		{"split writes", []string{"he", "llo\nwor", "ld\n"}, []string{"hello", "world"}},
		{"CRLF", []string{"a\r\nb\r\n"}, []string{"a", "b"}},
		{"empty lines", []string{"\n\n"}, []string{"", ""}},
		{"no final newline", []string{"a\nlast"}, []string{"a", "last"}},
		{"long line in pieces", []string{long + "tail\n"}, []string{long, "tail"}},
		{"long line without newline", []string{long, "more"}, []string{long, "more"}},
		{"cut at a character", []string{straddle + "\n"}, []string{strings.Repeat("a", maxLineBytes-1), "éb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			w := &lineWriter{emit: func(s string) { got = append(got, s) }}
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			w.flush()
			if !slices.Equal(got, tt.want) {
				t.Errorf("lines = %q, want %q", shorten(got), shorten(tt.want))
			}
		})
	}
}

func shorten(lines []string) []string {
	out := slices.Clone(lines)
	for i, l := range out {
		if len(l) > 20 {
			out[i] = l[:10] + "..." + l[len(l)-5:]
		}
	}
	return out
}

func TestSecretValues(t *testing.T) {
	got := secretValues(
		map[string]any{"TOKEN": "context-token", "CREDS": map[string]any{"KEY": "inner-value"}, "FLAG": true},
		[]string{"MY_PASSWORD=env-password", "PATH=/usr/bin", "GREETING=plain", "broken"},
		"api-key-1", "",
	)
	for _, want := range []string{"context-token", "inner-value", "env-password", "api-key-1"} {
		if !slices.Contains(got, want) {
			t.Errorf("secretValues lacks %q: %q", want, got)
		}
	}
	for _, not := range []string{"/usr/bin", "plain", "", "True"} {
		if slices.Contains(got, not) {
			t.Errorf("secretValues hides %q, which is no secret", not)
		}
	}
}
