package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestSmoke runs the whole harness with tiny numbers: it must build, start the server
// and the agent, see every run start, report positive figures, and leave nothing behind
// (no process, no temporary directory). Speed is not checked.
func TestSmoke(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the harness's workspace goes here, so its removal can be seen

	var out, progress bytes.Buffer
	err := run(t.Context(), []string{"-runs", "3", "-burst", "5", "-idle", "1s", "-json"}, &out, &progress)
	if err != nil {
		t.Fatalf("run: %v\nprogress:\n%s", err, progress.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("the output is not the JSON report: %v\n%s", err, out.String())
	}

	positive := map[string]float64{
		"latency median":           rep.Latency.MedianMS,
		"latency p99":              rep.Latency.P99MS,
		"latency max":              rep.Latency.MaxMS,
		"latency min":              rep.Latency.MinMS,
		"launch rate":              rep.Burst.RunsPerSec,
		"burst span":               rep.Burst.SpanMS,
		"bare sequential rate":     rep.Bare.SequentialPerSec,
		"bare parallel rate":       rep.Bare.ParallelPerSec,
		"idle agent RSS":           float64(rep.Idle.AgentRSSKiB),
		"idle agent HWM":           float64(rep.Idle.AgentHWMKiB),
		"busy agent RSS":           float64(rep.Busy.AgentRSSKiB),
		"busy tree RSS":            float64(rep.Busy.TreeRSSKiB),
		"polls during the latency": float64(rep.Latency.Polls),
		"agent stop":               rep.Shutdown.AgentStopMS,
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
		{"latency runs", rep.Latency.Runs, 3},
		{"burst runs", rep.Burst.Runs, 5},
		{"bare processes", rep.Bare.Processes, 5},
		{"sleeping runs", rep.Busy.Runs, 5},
		{"processes in the agent's tree", rep.Busy.TreeProcs, 6}, // the agent and its 5 runs
		{"runs running at the agent's stop", rep.Shutdown.RunsAtStop, 5},
		{"processes left behind", rep.Shutdown.Leftovers, 0},
		{"agent exit code", rep.Shutdown.AgentExitCode, 0},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if rep.Busy.TreeRSSKiB <= rep.Busy.AgentRSSKiB {
		t.Errorf("tree RSS %d KiB is not more than the agent's own %d KiB: the runs were not counted", rep.Busy.TreeRSSKiB, rep.Busy.AgentRSSKiB)
	}
	if rep.Machine.NumCPU < 1 || rep.Machine.Kernel == "" {
		t.Errorf("machine info incomplete: %+v", rep.Machine)
	}
	if !strings.HasPrefix(rep.Command, "go run ./bench/agentbench -runs 3") {
		t.Errorf("command = %q, want the command line that produced the report", rep.Command)
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in TMPDIR: %s", e.Name())
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
			return o.runs == 200 && o.burst == 500 && o.sleepers == 500 && o.parallel == 16 && !o.jsonOut
		}},
		{name: "sleepers follow burst", args: []string{"-burst", "7"}, check: func(o options) bool { return o.sleepers == 7 }},
		{name: "sleepers given", args: []string{"-burst", "7", "-sleepers", "3"}, check: func(o options) bool { return o.sleepers == 3 }},
		{name: "outpost made absolute", args: []string{"-outpost", "bin/outpost"}, check: func(o options) bool {
			return strings.HasPrefix(o.outpost, "/") && strings.HasSuffix(o.outpost, "/bin/outpost")
		}},
		{name: "zero runs", args: []string{"-runs", "0"}, wantErr: "-runs is 0"},
		{name: "negative parallel", args: []string{"-parallel", "-1"}, wantErr: "-parallel is -1"},
		{name: "zero idle", args: []string{"-idle", "0s"}, wantErr: "-idle is 0s"},
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
