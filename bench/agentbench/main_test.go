package main

import (
	"strings"
	"testing"

	"github.com/outposthq/outpost/bench/internal/harnesstest"
)

// TestSmoke runs the whole harness with tiny numbers: it must build, start the server
// and the agent, see every run start, report positive figures, and leave nothing behind
// (no process, no temporary directory). Speed is not checked.
func TestSmoke(t *testing.T) {
	var rep report
	tmp := harnesstest.RunJSON(t, run, []string{"-runs", "3", "-burst", "5", "-idle", "1s", "-json"}, &rep)

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
	harnesstest.Positive(t, positive)
	harnesstest.Counts(t, []harnesstest.Count{
		{Name: "latency runs", Got: rep.Latency.Runs, Want: 3},
		{Name: "burst runs", Got: rep.Burst.Runs, Want: 5},
		{Name: "bare processes", Got: rep.Bare.Processes, Want: 5},
		{Name: "sleeping runs", Got: rep.Busy.Runs, Want: 5},
		{Name: "processes in the agent's tree", Got: rep.Busy.TreeProcs, Want: 6}, // the agent and its 5 runs
		{Name: "runs running at the agent's stop", Got: rep.Shutdown.RunsAtStop, Want: 5},
		{Name: "processes left behind", Got: rep.Shutdown.Leftovers, Want: 0},
		{Name: "agent exit code", Got: rep.Shutdown.AgentExitCode, Want: 0},
	})
	if rep.Busy.TreeRSSKiB <= rep.Busy.AgentRSSKiB {
		t.Errorf("tree RSS %d KiB is not more than the agent's own %d KiB: the runs were not counted", rep.Busy.TreeRSSKiB, rep.Busy.AgentRSSKiB)
	}
	if rep.Machine.NumCPU < 1 || rep.Machine.Kernel == "" {
		t.Errorf("machine info incomplete: %+v", rep.Machine)
	}
	if !strings.HasPrefix(rep.Command, "go run ./bench/agentbench -runs 3") {
		t.Errorf("command = %q, want the command line that produced the report", rep.Command)
	}
	harnesstest.NothingLeft(t, tmp)
}

func TestParseFlags(t *testing.T) {
	harnesstest.ParseFlags(t, parseFlags, []harnesstest.FlagCase[options]{
		{Name: "defaults", Args: nil, Check: func(o options) bool {
			return o.runs == 200 && o.burst == 500 && o.sleepers == 500 && o.parallel == 16 && !o.JSON
		}},
		{Name: "sleepers follow burst", Args: []string{"-burst", "7"}, Check: func(o options) bool { return o.sleepers == 7 }},
		{Name: "sleepers given", Args: []string{"-burst", "7", "-sleepers", "3"}, Check: func(o options) bool { return o.sleepers == 3 }},
		{Name: "outpost made absolute", Args: []string{"-outpost", "bin/outpost"}, Check: func(o options) bool {
			return strings.HasPrefix(o.Outpost, "/") && strings.HasSuffix(o.Outpost, "/bin/outpost")
		}},
		{Name: "zero runs", Args: []string{"-runs", "0"}, WantErr: "-runs is 0"},
		{Name: "negative parallel", Args: []string{"-parallel", "-1"}, WantErr: "-parallel is -1"},
		{Name: "zero idle", Args: []string{"-idle", "0s"}, WantErr: "-idle is 0s"},
		{Name: "stray argument", Args: []string{"now"}, WantErr: `unexpected argument "now"`},
		{Name: "unknown flag", Args: []string{"-fast"}, WantErr: "flag provided but not defined"},
	})
}
