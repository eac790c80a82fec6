package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// memorySettle is how long the agent is left alone before a memory reading with
// sleeping runs, so the reading is of the agent holding them, not launching them.
const memorySettle = time.Second

// memReport is the agent's memory at one moment. AgentRSS and AgentHWM are the agent
// process alone (VmRSS, VmHWM); Tree adds every process below it (the runs).
type memReport struct {
	Runs         int     `json:"runs"`
	AgentRSSKiB  int     `json:"agent_vmrss_kib"`
	AgentHWMKiB  int     `json:"agent_vmhwm_kib"`
	TreeRSSKiB   int     `json:"tree_vmrss_kib"`
	TreeProcs    int     `json:"tree_processes"`
	WindowS      float64 `json:"window_s,omitempty"`      // idle only: how long it idled
	Polls        int     `json:"polls,omitempty"`         // idle only: polls in the window
	PollsAllowed int     `json:"polls_allowed,omitempty"` // idle only: the most the backoff table allows
}

// measureIdle leaves the agent idle for -idle, counting its polls, then reads its
// memory.
func (b *bench) measureIdle(ctx context.Context) (memReport, error) {
	before, err := b.metrics.Scrape(ctx)
	if err != nil {
		return memReport{}, err
	}
	start := time.Now()
	select {
	case <-time.After(b.opts.idle):
	case <-ctx.Done():
		return memReport{}, ctx.Err()
	}
	after, err := b.metrics.Scrape(ctx)
	if err != nil {
		return memReport{}, err
	}
	window := time.Since(start)
	m, err := readTree(b.agent.PID())
	if err != nil {
		return m, err
	}
	m.WindowS = seconds(window)
	m.Polls = after.Polls() - before.Polls()
	m.PollsAllowed = pollsAllowed(window)
	return m, nil
}

// measureBusy starts -sleepers runs that sleep until stopped, waits until the agent
// counts them all running, and reads its memory.
func (b *bench) measureBusy(ctx context.Context) (memReport, error) {
	runs, err := harness.CreateRuns(ctx, b.client, b.flows.sleep, b.opts.sleepers, b.opts.Creators)
	if err != nil {
		return memReport{}, err
	}
	if _, err := harness.WaitStamps(ctx, b.ws.Dir("stamps"), runIDs(runs), "flow runs", batchDeadline, b.agent.Alive); err != nil {
		return memReport{}, err
	}
	what := fmt.Sprintf("the agent to count %d runs running", len(runs))
	if _, err := b.metrics.WaitUntil(ctx, batchDeadline, 50*time.Millisecond, what, b.agent.Alive,
		func(s harness.Sample) bool { return s.Running() == len(runs) }); err != nil {
		return memReport{}, err
	}
	select {
	case <-time.After(memorySettle):
	case <-ctx.Done():
		return memReport{}, ctx.Err()
	}
	m, err := readTree(b.agent.PID())
	m.Runs = len(runs)
	return m, err
}

// readTree reads the memory of the agent and of every process below it.
func readTree(agentPID int) (memReport, error) {
	agent, err := readMemStatus(agentPID)
	if err != nil {
		return memReport{}, fmt.Errorf("read the agent's memory: %w", err)
	}
	m := memReport{AgentRSSKiB: agent.rss, AgentHWMKiB: agent.hwm}
	pids, err := descendants(agentPID)
	if err != nil {
		return m, err
	}
	for _, pid := range pids {
		s, err := readMemStatus(pid)
		if errors.Is(err, fs.ErrNotExist) {
			continue // ended since the scan
		}
		if err != nil {
			return m, err
		}
		m.TreeRSSKiB += s.rss
		m.TreeProcs++
	}
	return m, nil
}

func runIDs(runs []harness.CreatedRun) []string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	return ids
}
