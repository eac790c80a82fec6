package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// report is everything one session measured.
type report struct {
	Command   string      `json:"command"`
	Machine   machine     `json:"machine"`
	Agent     latencies   `json:"agent_due_to_started"`
	Bare      latencies   `json:"docker_run_to_started"`
	Burst     burstReport `json:"agent_burst"`
	BareBurst burstReport `json:"docker_run_burst"`
	// Leftovers counts the containers of the image found after the agent stopped.
	Leftovers int `json:"leftover_containers"`
}

// machine says where the figures were taken.
type machine struct {
	NumCPU  int    `json:"nproc"`
	Kernel  string `json:"kernel"`
	CPU     string `json:"cpu"`
	Go      string `json:"go"`
	Engine  string `json:"docker_engine"`
	LoadAvg string `json:"loadavg"` // at the end, for a sense of how busy the machine was
}

func machineInfo(ctx context.Context) machine {
	engine, err := dockerCmd(ctx, "version", "--format", "{{.Server.Version}}")
	if err != nil {
		engine = "unknown"
	}
	load := strings.Fields(harness.ReadTrimmed("/proc/loadavg"))
	return machine{
		NumCPU:  runtime.NumCPU(),
		Kernel:  harness.ReadTrimmed("/proc/sys/kernel/osrelease"),
		CPU:     harness.CPUModel(),
		Go:      runtime.Version(),
		Engine:  engine,
		LoadAvg: strings.Join(load[:min(3, len(load))], " "),
	}
}

// writeTable prints the report as a compact table, one figure a line, the agent's
// figure above the bare one it compares with.
func writeTable(w io.Writer, r report) error {
	m := r.Machine
	fmt.Fprintf(w, "$ %s\n", r.Command)
	fmt.Fprintf(w, "machine: %d CPUs (%s), Linux %s, Docker Engine %s, %s, load %s\n\n", m.NumCPU, m.CPU, m.Kernel, m.Engine, m.Go, m.LoadAvg)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(what, value, note string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", what, value, note) }
	for _, l := range []struct {
		what, note string
		l          latencies
	}{
		{"agent: due → container started", "runs one at a time, idle agent woken by the backend", r.Agent},
		{"bare docker run → started", "the same image with docker run --rm --init, one at a time", r.Bare},
	} {
		row(l.what+", median", harness.MS(l.l.MedianMS), fmt.Sprintf("%d %s", l.l.Runs, l.note))
		row("  p90 / p99", harness.MS(l.l.P90MS)+" / "+harness.MS(l.l.P99MS), "")
		row("  min / max", harness.MS(l.l.MinMS)+" / "+harness.MS(l.l.MaxMS), "")
	}
	bu := r.Burst
	row("agent: launch rate", fmt.Sprintf("%.0f containers/min", bu.PerMinute),
		fmt.Sprintf("%d runs created at once: first create → last start %s (creating took %s)", bu.Containers, harness.MS(bu.SpanMS), harness.MS(bu.CreateMS)))
	row("  due → started in the burst", harness.MS(bu.MedianMS)+" median, "+harness.MS(bu.MaxMS)+" max", "")
	bb := r.BareBurst
	row("bare docker run: launch rate", fmt.Sprintf("%.0f containers/min", bb.PerMinute),
		fmt.Sprintf("%d docker runs, %d at once: first start → last start %s", bb.Containers, bb.Parallel, harness.MS(bb.SpanMS)))
	row("  docker run → started in the burst", harness.MS(bb.MedianMS)+" median, "+harness.MS(bb.MaxMS)+" max", "")
	row("containers left behind", fmt.Sprint(r.Leftovers), "after the agent stopped")
	return tw.Flush()
}
