package main

import (
	"bufio"
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
	Command  string         `json:"command"`
	Machine  machine        `json:"machine"`
	Idle     memReport      `json:"memory_idle"`
	Latency  latencyReport  `json:"latency"`
	Burst    burstReport    `json:"launch_rate"`
	Bare     bareReport     `json:"bare_fork_exec"`
	Busy     memReport      `json:"memory_with_runs"`
	Shutdown shutdownReport `json:"shutdown"`
}

// shutdownReport is how the agent's SIGTERM went with the sleeping runs still running.
type shutdownReport struct {
	RunsAtStop    int     `json:"runs_at_stop"`
	AgentStopMS   float64 `json:"agent_stop_ms"`
	AgentExitCode int     `json:"agent_exit_code"`
	Leftovers     int     `json:"leftover_processes"`
}

// machine says where the figures were taken.
type machine struct {
	NumCPU  int    `json:"nproc"`
	Kernel  string `json:"kernel"`
	CPU     string `json:"cpu"`
	Go      string `json:"go"`
	LoadAvg string `json:"loadavg"` // at the end, for a sense of how busy the machine was
}

func machineInfo() machine {
	return machine{
		NumCPU:  runtime.NumCPU(),
		Kernel:  readTrimmed("/proc/sys/kernel/osrelease"),
		CPU:     cpuModel(),
		Go:      runtime.Version(),
		LoadAvg: loadAvg(),
	}
}

// loadAvg is the 1, 5 and 15 minute load averages.
func loadAvg() string {
	f := strings.Fields(readTrimmed("/proc/loadavg"))
	return strings.Join(f[:min(3, len(f))], " ")
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

// writeTable prints the report as a compact table, one figure a line.
func writeTable(w io.Writer, r report) error {
	m := r.Machine
	fmt.Fprintf(w, "$ %s\n", r.Command)
	fmt.Fprintf(w, "machine: %d CPUs (%s), Linux %s, %s, load %s\n\n", m.NumCPU, m.CPU, m.Kernel, m.Go, m.LoadAvg)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(what, value, note string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", what, value, note) }
	l := r.Latency
	row("due → started, median", ms(l.MedianMS), fmt.Sprintf("%d runs one at a time, idle agent woken by the backend", l.Runs))
	row("due → started, p90 / p99", ms(l.P90MS)+" / "+ms(l.P99MS), "")
	row("due → started, min / max", ms(l.MinMS)+" / "+ms(l.MaxMS), "")
	row("polls meanwhile", fmt.Sprintf("%d", l.Polls), fmt.Sprintf("backoff table allows at most %d in %.1f s", l.PollsAllowed, l.WallS))
	row("  CPU used by agent / server", ms(l.CPU.AgentMS)+" / "+ms(l.CPU.ServerMS), "over the whole measurement, runs excluded")
	bu := r.Burst
	row("launch rate", fmt.Sprintf("%.0f runs/s", bu.RunsPerSec), fmt.Sprintf("%d runs created at once: first create → last start %s (creating took %s)", bu.Runs, ms(bu.SpanMS), ms(bu.CreateMS)))
	row("  due → started in the burst", ms(bu.MedianMS)+" median, "+ms(bu.MaxMS)+" max", "")
	row("  CPU used by agent / server", ms(bu.CPU.AgentMS)+" / "+ms(bu.CPU.ServerMS), "until every run of the burst finished")
	ba := r.Bare
	row("bare fork/exec, one at a time", fmt.Sprintf("%.0f procs/s", ba.SequentialPerSec), fmt.Sprintf("the same stand-in, %d times, started by the harness", ba.Processes))
	row(fmt.Sprintf("bare fork/exec, %d at once", ba.Parallel), fmt.Sprintf("%.0f procs/s", ba.ParallelPerSec), "")
	i := r.Idle
	row("agent RSS idle (VmRSS / VmHWM)", kib(i.AgentRSSKiB)+" / "+kib(i.AgentHWMKiB), fmt.Sprintf("after %.1f s idle: %d polls (table allows %d)", i.WindowS, i.Polls, i.PollsAllowed))
	bz := r.Busy
	row(fmt.Sprintf("agent RSS, %d runs (VmRSS / VmHWM)", bz.Runs), kib(bz.AgentRSSKiB)+" / "+kib(bz.AgentHWMKiB), "the agent process alone; VmHWM includes the launch-rate burst")
	row("  whole process tree", kib(bz.TreeRSSKiB), fmt.Sprintf("%d processes: the agent and its runs", bz.TreeProcs))
	s := r.Shutdown
	row("agent SIGTERM → exit", ms(s.AgentStopMS), fmt.Sprintf("%d runs running, drain grace %s; exit code %d, %d processes left behind",
		s.RunsAtStop, agentDrainGrace, s.AgentExitCode, s.Leftovers))
	return tw.Flush()
}

func ms(v float64) string { return fmt.Sprintf("%.1f ms", v) }

func kib(v int) string { return fmt.Sprintf("%.1f MiB", float64(v)/1024) }
