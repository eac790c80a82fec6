package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/outposthq/outpost/bench/internal/harnesstest"
)

// TestSmoke runs the whole harness with tiny numbers against the real engine: it must
// build the binaries and the image, start the server and the agent, see every
// container start, report positive figures, and leave nothing behind (no container,
// no image, no temporary directory). Speed is not checked.
func TestSmoke(t *testing.T) {
	var rep report
	tmp := harnesstest.RunJSON(t, run, []string{"-runs", "2", "-burst", "3", "-parallel", "2", "-json"}, &rep)

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
	harnesstest.Positive(t, positive)
	harnesstest.Counts(t, []harnesstest.Count{
		{Name: "agent runs", Got: rep.Agent.Runs, Want: 2},
		{Name: "bare runs", Got: rep.Bare.Runs, Want: 2},
		{Name: "agent burst", Got: rep.Burst.Containers, Want: 3},
		{Name: "bare burst", Got: rep.BareBurst.Containers, Want: 3},
		{Name: "bare parallel", Got: rep.BareBurst.Parallel, Want: 2},
		{Name: "containers left behind", Got: rep.Leftovers, Want: 0},
	})
	if rep.Machine.NumCPU < 1 || rep.Machine.Engine == "" || rep.Machine.Engine == "unknown" {
		t.Errorf("machine info incomplete: %+v", rep.Machine)
	}
	if !strings.HasPrefix(rep.Command, "go run ./bench/dockerbench -runs 2") {
		t.Errorf("command = %q, want the command line that produced the report", rep.Command)
	}
	harnesstest.NothingLeft(t, tmp)
	images, err := dockerCmd(t.Context(), "images", "-q", "--filter", fmt.Sprintf("reference=outpost-dockerbench:%d-*", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	if images != "" {
		t.Errorf("the harness left its images behind: %s", images)
	}
}

func TestParseFlags(t *testing.T) {
	harnesstest.ParseFlags(t, parseFlags, []harnesstest.FlagCase[options]{
		{Name: "defaults", Args: nil, Check: func(o options) bool {
			return o.runs == 50 && o.burst == 60 && o.parallel == 8 && o.Creators == 8 && !o.JSON && o.Outpost == ""
		}},
		{Name: "outpost made absolute", Args: []string{"-outpost", "bin/outpost"}, Check: func(o options) bool {
			return strings.HasPrefix(o.Outpost, "/") && strings.HasSuffix(o.Outpost, "/bin/outpost")
		}},
		{Name: "zero runs", Args: []string{"-runs", "0"}, WantErr: "-runs is 0"},
		{Name: "negative parallel", Args: []string{"-parallel", "-1"}, WantErr: "-parallel is -1"},
		{Name: "zero burst", Args: []string{"-burst", "0"}, WantErr: "-burst is 0"},
		{Name: "stray argument", Args: []string{"now"}, WantErr: `unexpected argument "now"`},
		{Name: "unknown flag", Args: []string{"-fast"}, WantErr: "flag provided but not defined"},
	})
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
