package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// leftovers finds stand-ins that outlived the agent: any live process in the process
// group of a stand-in that ran (the local launcher makes each run a group of its own),
// or running the stand-in's binary. It kills those it finds, which only this harness
// caused, and reports them as an error: the agent must leave nothing behind.
func (b *bench) leftovers() ([]int, error) {
	groups := map[int]bool{}
	for _, dir := range []string{b.ws.Dir("stamps"), b.ws.Dir("bare")} {
		stamps, err := allStamps(dir)
		if err != nil {
			return nil, fmt.Errorf("read the stamps to check for processes left behind: %w", err)
		}
		for _, s := range stamps {
			groups[s.PID] = true
		}
	}
	procs, err := scanProcs()
	if err != nil {
		return nil, err
	}
	var left []int
	for _, p := range procs {
		if p.live() && (groups[p.pgid] || b.isStandin(p.pid)) {
			left = append(left, p.pid)
		}
	}
	if len(left) == 0 {
		return nil, nil
	}
	for _, pid := range left {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	err = fmt.Errorf("%d processes of flow runs outlived the agent and were killed now (pids %v)", len(left), left)
	if b.agent != nil {
		err = fmt.Errorf("%w\n%s", err, b.agent.LogTail())
	}
	return left, err
}

// isStandin reports whether pid runs the stand-in binary. Processes of other users,
// whose executable cannot be read, are not ours.
func (b *bench) isStandin(pid int) bool {
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	return err == nil && exe == b.ws.standin
}
