package local

import (
	"context"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outposthq/outpost/internal/process"
	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/launcher/launchertest"
)

// BenchmarkLaunch measures a whole run of the trivial test program through the
// launcher: process group, output pipe and redactor, group check, reaping. Besides the
// time, it reports the CPU this process spent per run (cpu-ms/op), which a loaded
// host disturbs less than the time.
func BenchmarkLaunch(b *testing.B) {
	prog := launchertest.BuildProgram(b)
	l := New()
	ctx := context.Background()
	before := cpuTime(b)
	for b.Loop() {
		h, err := l.Launch(ctx, launcher.Spec{Argv: []string{prog, "exit", "0"}})
		if err != nil {
			b.Fatal(err)
		}
		res, err := h.Wait(ctx)
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("Wait = %v, %v", res, err)
		}
	}
	b.ReportMetric(float64((cpuTime(b)-before).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
}

// BenchmarkForkExecBaseline runs the same program with a bare exec.Command, the floor
// BenchmarkLaunch compares against.
func BenchmarkForkExecBaseline(b *testing.B) {
	prog := launchertest.BuildProgram(b)
	for b.Loop() {
		cmd := exec.Command(prog, "exit", "0")
		cmd.Env = []string{}
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// stopRuns is how many runs BenchmarkStopConcurrent stops at once.
const stopRuns = 200

// BenchmarkStopConcurrent starts stopRuns runs that end on SIGTERM, then stops them
// all at once and waits for every result. It reports the time of that stop, the CPU
// this process spent on it (cpu-ms/op), most of which is watching groups empty, and
// the passes over /proc made for it (passes/op).
func BenchmarkStopConcurrent(b *testing.B) {
	prog := launchertest.BuildProgram(b)
	var passes atomic.Int64
	l := New()
	l.scanner = process.NewScanner(process.WithScanHook(func() { passes.Add(1) }))
	ctx := context.Background()
	var cpu time.Duration
	var total int64
	for b.Loop() {
		b.StopTimer()
		hs := launchSleepers(b, l, prog, stopRuns)
		before := cpuTime(b)
		passes.Store(0)
		b.StartTimer()
		var wg sync.WaitGroup
		for _, h := range hs {
			wg.Go(func() {
				if err := h.Stop(ctx, time.Minute); err != nil {
					b.Error(err)
				}
				if res, err := h.Wait(ctx); err != nil || res.Signal != "SIGTERM" {
					b.Errorf("Wait = %v, %v; want ended by SIGTERM", res, err)
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		cpu += cpuTime(b) - before
		total += passes.Load()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(total)/float64(b.N), "passes/op")
}

// launchSleepers starts n runs that print "ready" and block, and waits until each is
// ready.
func launchSleepers(b *testing.B, l *Launcher, prog string, n int) []launcher.Handle {
	b.Helper()
	hs := make([]launcher.Handle, 0, n)
	outs := make([]*lineWriter, 0, n)
	for range n {
		out := &lineWriter{ready: make(chan struct{})}
		h, err := l.Launch(context.Background(), launcher.Spec{Argv: []string{prog, "sleep"}, Output: out})
		if err != nil {
			b.Fatal(err)
		}
		hs = append(hs, h)
		outs = append(outs, out)
	}
	deadline := time.After(time.Minute)
	for _, out := range outs {
		select {
		case <-out.ready:
		case <-deadline:
			b.Fatal("the runs never got ready")
		}
	}
	return hs
}
