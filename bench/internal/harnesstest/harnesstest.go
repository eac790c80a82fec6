// Package harnesstest holds the smoke-test checks the bench commands share.
package harnesstest

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// RunJSON runs a whole harness with args (which must ask for -json) in a TMPDIR of its
// own, decodes the report into rep, and returns that TMPDIR for NothingLeft.
func RunJSON(t *testing.T, run harness.RunFunc, args []string, rep any) string {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the harness's workspace goes here, so its removal can be seen

	var out, progress bytes.Buffer
	if err := run(t.Context(), args, &out, &progress); err != nil {
		t.Fatalf("run: %v\nprogress:\n%s", err, progress.String())
	}
	if err := json.Unmarshal(out.Bytes(), rep); err != nil {
		t.Fatalf("the output is not the JSON report: %v\n%s", err, out.String())
	}
	return tmp
}

// Positive fails for every figure that is not above zero.
func Positive(t *testing.T, figures map[string]float64) {
	t.Helper()
	for name, v := range figures {
		if v <= 0 {
			t.Errorf("%s = %v, want > 0", name, v)
		}
	}
}

// Count is a count a report must have.
type Count struct {
	Name      string
	Got, Want int
}

// Counts fails for every count that is not as wanted.
func Counts(t *testing.T, counts []Count) {
	t.Helper()
	for _, c := range counts {
		if c.Got != c.Want {
			t.Errorf("%s = %d, want %d", c.Name, c.Got, c.Want)
		}
	}
}

// NothingLeft fails for everything in dir, the harness's TMPDIR.
func NothingLeft(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in TMPDIR: %s", e.Name())
	}
}

// FlagCase is one command line for ParseFlags: WantErr "" expects success, then Check
// (if any) must hold for the options.
type FlagCase[O any] struct {
	Name    string
	Args    []string
	WantErr string
	Check   func(O) bool
}

// ParseFlags runs parse on each case's arguments.
func ParseFlags[O any](t *testing.T, parse func([]string, io.Writer) (O, error), cases []FlagCase[O]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			o, err := parse(tt.Args, &bytes.Buffer{})
			switch {
			case tt.WantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.WantErr)):
				t.Fatalf("parseFlags(%q) error = %v, want one containing %q", tt.Args, err, tt.WantErr)
			case tt.WantErr == "" && err != nil:
				t.Fatalf("parseFlags(%q): %v", tt.Args, err)
			case tt.Check != nil && !tt.Check(o):
				t.Errorf("parseFlags(%q) = %+v", tt.Args, o)
			}
		})
	}
}
