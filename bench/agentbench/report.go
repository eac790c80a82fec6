package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/outposthq/outpost/bench/internal/harness"
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
		Kernel:  harness.ReadTrimmed("/proc/sys/kernel/osrelease"),
		CPU:     harness.CPUModel(),
		Go:      runtime.Version(),
		LoadAvg: loadAvg(),
	}
}

// loadAvg is the 1, 5 and 15 minute load averages.
func loadAvg() string {
	f := strings.Fields(harness.ReadTrimmed("/proc/loadavg"))
	return strings.Join(f[:min(3, len(f))], " ")
}

// writeTable prints the report as a compact table, one figure a line.
func writeTable(w io.Writer, r report) error {
	m := r.Machine
	fmt.Fprintf(w, "$ %s\n", r.Command)
	fmt.Fprintf(w, "machine: %d CPUs (%s), Linux %s, %s, load %s\n\n", m.NumCPU, m.CPU, m.Kernel, m.Go, m.LoadAvg)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(what, value, note string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", what, value, note) }
	l := r.Latency
	row("due → started, median", harness.MS(l.MedianMS), fmt.Sprintf("%d runs one at a time, idle agent woken by the backend", l.Runs))
	row("due → started, p90 / p99", harness.MS(l.P90MS)+" / "+harness.MS(l.P99MS), "")
	row("due → started, min / max", harness.MS(l.MinMS)+" / "+harness.MS(l.MaxMS), "")
	row("polls meanwhile", fmt.Sprintf("%d", l.Polls), fmt.Sprintf("backoff table allows at most %d in %.1f s", l.PollsAllowed, l.WallS))
	row("  CPU used by agent / server", harness.MS(l.CPU.AgentMS)+" / "+harness.MS(l.CPU.ServerMS), "over the whole measurement, runs excluded")
	bu := r.Burst
	row("launch rate", fmt.Sprintf("%.0f runs/s", bu.RunsPerSec), fmt.Sprintf("%d runs created at once: first create → last start %s (creating took %s)", bu.Runs, harness.MS(bu.SpanMS), harness.MS(bu.CreateMS)))
	row("  due → started in the burst", harness.MS(bu.MedianMS)+" median, "+harness.MS(bu.MaxMS)+" max", "")
	row("  CPU used by agent / server", harness.MS(bu.CPU.AgentMS)+" / "+harness.MS(bu.CPU.ServerMS), "until every run of the burst finished")
	ba := r.Bare
	row("bare fork/exec, one at a time", fmt.Sprintf("%.0f procs/s", ba.SequentialPerSec), fmt.Sprintf("the same stand-in, %d times, started by the harness", ba.Processes))
	row(fmt.Sprintf("bare fork/exec, %d at once", ba.Parallel), fmt.Sprintf("%.0f procs/s", ba.ParallelPerSec), "")
	i := r.Idle
	row("agent RSS idle (VmRSS / VmHWM)", kib(i.AgentRSSKiB)+" / "+kib(i.AgentHWMKiB), fmt.Sprintf("after %.1f s idle: %d polls (table allows %d)", i.WindowS, i.Polls, i.PollsAllowed))
	bz := r.Busy
	row(fmt.Sprintf("agent RSS, %d runs (VmRSS / VmHWM)", bz.Runs), kib(bz.AgentRSSKiB)+" / "+kib(bz.AgentHWMKiB), "the agent process alone; VmHWM includes the launch-rate burst")
	row("  whole process tree", kib(bz.TreeRSSKiB), fmt.Sprintf("%d processes: the agent and its runs", bz.TreeProcs))
	s := r.Shutdown
	row("agent SIGTERM → exit", harness.MS(s.AgentStopMS), fmt.Sprintf("%d runs running, drain grace %s; exit code %d, %d processes left behind",
		s.RunsAtStop, agentDrainGrace, s.AgentExitCode, s.Leftovers))
	return tw.Flush()
}

func kib(v int) string { return fmt.Sprintf("%.1f MiB", float64(v)/1024) }
