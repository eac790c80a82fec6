// Command standin stands in for `prefect` when the benchmark harness measures the agent:
// the agent runs it as `prefect execute flow-run`, and the first thing it does is note
// the wall-clock time, so that the harness can tell when the run's process started.
//
// It writes "<unix nanoseconds> <pid>\n" to $OUTPOST_BENCH_DIR/$PREFECT__CONTEXT__FLOW_RUN_ID
// (written aside and renamed, so a reader never sees half of it). With
// OUTPOST_BENCH_MODE=sleep it then waits for SIGTERM or SIGINT; otherwise it exits 0.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	// Read the clock before anything else: what follows is not the agent's doing.
	now := time.Now().UnixNano()
	if err := stamp(now); err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		os.Exit(2)
	}
	if os.Getenv("OUTPOST_BENCH_MODE") == "sleep" {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
		<-stop
	}
}

func stamp(now int64) error {
	dir := os.Getenv("OUTPOST_BENCH_DIR")
	id := os.Getenv("PREFECT__CONTEXT__FLOW_RUN_ID")
	if dir == "" || id == "" {
		return fmt.Errorf("OUTPOST_BENCH_DIR (%q) and PREFECT__CONTEXT__FLOW_RUN_ID (%q) must both be set", dir, id)
	}
	if strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
		return fmt.Errorf("flow run id %q cannot name a file", id)
	}
	final := filepath.Join(dir, id)
	tmp := final + ".tmp"
	if err := os.WriteFile(tmp, fmt.Appendf(nil, "%d %d\n", now, os.Getpid()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, final)
}
