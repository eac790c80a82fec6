package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100 on every Linux
// architecture Go supports).
const userHZ = 100

// cpuTime is the CPU time (user and system, all threads) a process has used so far; its
// children's is not included.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read the CPU time of process %d: %w", pid, err)
	}
	stat := string(b)
	f := strings.Fields(stat[strings.LastIndexByte(stat, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat is too short: %q", pid, stat)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q are not numbers", pid, f[11], f[12])
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// procEntry is a process as /proc/PID/stat shows it.
type procEntry struct {
	pid, ppid, pgid int
	state           byte // R, S, Z, ...
}

func (p procEntry) live() bool { return p.state != 'Z' && p.state != 'X' }

// scanProcs lists every process. One that ends during the scan is left out.
func scanProcs() ([]procEntry, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list /proc: %w", err)
	}
	var out []procEntry
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		if p, ok := parseProcStat(pid, string(b)); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// parseProcStat reads "pid (comm) state ppid pgrp ...". The command name may hold
// spaces and parentheses, so fields are counted from its last ')'.
func parseProcStat(pid int, stat string) (procEntry, bool) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return procEntry{}, false
	}
	f := strings.Fields(stat[end+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return procEntry{}, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgid, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return procEntry{}, false
	}
	return procEntry{pid: pid, ppid: ppid, pgid: pgid, state: f[0][0]}, true
}

// memStatus is a process's resident memory from /proc/PID/status, in KiB.
type memStatus struct {
	rss, hwm int
}

func readMemStatus(pid int) (memStatus, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memStatus{}, err
	}
	defer f.Close()
	var m memStatus
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int
		switch name {
		case "VmRSS":
			dst = &m.rss
		case "VmHWM":
			dst = &m.hwm
		default:
			continue
		}
		kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(value), " kB"))
		if err != nil {
			return memStatus{}, fmt.Errorf("/proc/%d/status: %s is %q, not a size in kB", pid, name, value)
		}
		*dst = kb
	}
	return m, sc.Err()
}

// descendants returns root and every live process below it.
func descendants(root int) ([]int, error) {
	procs, err := scanProcs()
	if err != nil {
		return nil, err
	}
	children := map[int][]int{}
	for _, p := range procs {
		if p.live() {
			children[p.ppid] = append(children[p.ppid], p.pid)
		}
	}
	tree := []int{root}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree, nil
}
