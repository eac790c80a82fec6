package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the whole harness with tiny numbers against the real engine: it must
// build the binaries and the image, start the server and the agent, see every
// container start, report positive figures, and leave nothing behind (no container,
// no image, no temporary directory). Speed is not checked.
func TestSmoke(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the harness's workspace goes here, so its removal can be seen

	var out, progress bytes.Buffer
	err := run(t.Context(), []string{"-runs", "2", "-burst", "3", "-parallel", "2", "-json"}, &out, &progress)
	if err != nil {
		t.Fatalf("run: %v\nprogress:\n%s", err, progress.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("the output is not the JSON report: %v\n%s", err, out.String())
	}
	positive := map[string]float64{
		"agent latency median":  rep.Agent.MedianMS,
		"agent latency min":     rep.Agent.MinMS,
		"bare latency median":   rep.Bare.MedianMS,
		"bare latency min":      rep.Bare.MinMS,
		"agent launch rate":     rep.Burst.PerMinute,
		"agent burst span":      rep.Burst.SpanMS,
		"agent burst creation":  rep.Burst.CreateMS,
		"bare launch rate":      rep.BareBurst.PerMinute,
		"bare burst span":       rep.BareBurst.SpanMS,
		"bare burst median":     rep.BareBurst.MedianMS,
		"agent burst max":       rep.Burst.MaxMS,
		"agent latency p99":     rep.Agent.P99MS,
		"bare latency p99":      rep.Bare.P99MS,
		"agent latency maximum": rep.Agent.MaxMS,
	}
	for name, v := range positive {
		if v <= 0 {
			t.Errorf("%s = %v, want > 0", name, v)
		}
	}
	counts := []struct {
		name      string
		got, want int
	}{
		{"agent runs", rep.Agent.Runs, 2},
		{"bare runs", rep.Bare.Runs, 2},
		{"agent burst", rep.Burst.Containers, 3},
		{"bare burst", rep.BareBurst.Containers, 3},
		{"bare parallel", rep.BareBurst.Parallel, 2},
		{"containers left behind", rep.Leftovers, 0},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if rep.Machine.NumCPU < 1 || rep.Machine.Engine == "" || rep.Machine.Engine == "unknown" {
		t.Errorf("machine info incomplete: %+v", rep.Machine)
	}
	if !strings.HasPrefix(rep.Command, "go run ./bench/dockerbench -runs 2") {
		t.Errorf("command = %q, want the command line that produced the report", rep.Command)
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in TMPDIR: %s", e.Name())
	}
	images, err := dockerCmd(t.Context(), "images", "-q", "--filter", fmt.Sprintf("reference=outpost-dockerbench:%d-*", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	if images != "" {
		t.Errorf("the harness left its images behind: %s", images)
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string // "" for success
		check   func(options) bool
	}{
		{name: "defaults", args: nil, check: func(o options) bool {
			return o.runs == 50 && o.burst == 60 && o.parallel == 8 && o.creators == 8 && !o.jsonOut && o.outpost == ""
		}},
		{name: "outpost made absolute", args: []string{"-outpost", "bin/outpost"}, check: func(o options) bool {
			return strings.HasPrefix(o.outpost, "/") && strings.HasSuffix(o.outpost, "/bin/outpost")
		}},
		{name: "zero runs", args: []string{"-runs", "0"}, wantErr: "-runs is 0"},
		{name: "negative parallel", args: []string{"-parallel", "-1"}, wantErr: "-parallel is -1"},
		{name: "zero burst", args: []string{"-burst", "0"}, wantErr: "-burst is 0"},
		{name: "stray argument", args: []string{"now"}, wantErr: `unexpected argument "now"`},
		{name: "unknown flag", args: []string{"-fast"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args, &bytes.Buffer{})
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("parseFlags(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Fatalf("parseFlags(%q): %v", tt.args, err)
			case tt.check != nil && !tt.check(o):
				t.Errorf("parseFlags(%q) = %+v", tt.args, o)
			}
		})
	}
}

func TestSummaries(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var ds []time.Duration
		for _, v := range n {
			ds = append(ds, time.Duration(v)*time.Millisecond)
		}
		return ds
	}
	tests := []struct {
		name string
		in   []time.Duration
		want latencies
	}{
		{"none", nil, latencies{}},
		{"one", ms(7), latencies{Runs: 1, MedianMS: 7, P90MS: 7, P99MS: 7, MinMS: 7, MaxMS: 7}},
		{"unsorted ten", ms(10, 1, 9, 2, 8, 3, 7, 4, 6, 5), latencies{Runs: 10, MedianMS: 5, P90MS: 9, P99MS: 10, MinMS: 1, MaxMS: 10}},
	}
	for _, tt := range tests {
		if got := toLatencies(tt.in); got != tt.want {
			t.Errorf("%s: toLatencies = %+v, want %+v", tt.name, got, tt.want)
		}
	}
	rates := []struct {
		n    int
		d    time.Duration
		want float64
	}{{60, time.Minute, 60}, {30, 15 * time.Second, 120}, {5, 0, 0}}
	for _, r := range rates {
		if got := perMinute(r.n, r.d); got != r.want {
			t.Errorf("perMinute(%d, %s) = %v, want %v", r.n, r.d, got, r.want)
		}
	}
}
