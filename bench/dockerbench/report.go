package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
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
	load := strings.Fields(readTrimmed("/proc/loadavg"))
	return machine{
		NumCPU:  runtime.NumCPU(),
		Kernel:  readTrimmed("/proc/sys/kernel/osrelease"),
		CPU:     cpuModel(),
		Go:      runtime.Version(),
		Engine:  engine,
		LoadAvg: strings.Join(load[:min(3, len(load))], " "),
	}
}

func readTrimmed(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

func writeJSON(w io.Writer, rep report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
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
		row(l.what+", median", ms(l.l.MedianMS), fmt.Sprintf("%d %s", l.l.Runs, l.note))
		row("  p90 / p99", ms(l.l.P90MS)+" / "+ms(l.l.P99MS), "")
		row("  min / max", ms(l.l.MinMS)+" / "+ms(l.l.MaxMS), "")
	}
	bu := r.Burst
	row("agent: launch rate", fmt.Sprintf("%.0f containers/min", bu.PerMinute),
		fmt.Sprintf("%d runs created at once: first create → last start %s (creating took %s)", bu.Containers, ms(bu.SpanMS), ms(bu.CreateMS)))
	row("  due → started in the burst", ms(bu.MedianMS)+" median, "+ms(bu.MaxMS)+" max", "")
	bb := r.BareBurst
	row("bare docker run: launch rate", fmt.Sprintf("%.0f containers/min", bb.PerMinute),
		fmt.Sprintf("%d docker runs, %d at once: first start → last start %s", bb.Containers, bb.Parallel, ms(bb.SpanMS)))
	row("  docker run → started in the burst", ms(bb.MedianMS)+" median, "+ms(bb.MaxMS)+" max", "")
	row("containers left behind", fmt.Sprint(r.Leftovers), "after the agent stopped")
	return tw.Flush()
}

func ms(v float64) string { return fmt.Sprintf("%.1f ms", v) }
