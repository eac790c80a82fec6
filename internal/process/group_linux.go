package process

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// GroupAttr returns the attributes that start a child as the leader of a new process
// group, whose id is then the child's pid.
func GroupAttr() (*syscall.SysProcAttr, error) {
	return &syscall.SysProcAttr{Setpgid: true}, nil
}

// SignalGroup sends sig to every process in group pgid. A group that no longer exists
// is not an error: there is nothing left to signal.
func SignalGroup(pgid int, sig syscall.Signal) error {
	if err := validGroup(pgid); err != nil {
		return err
	}
	err := unix.Kill(-pgid, sig)
	if err == nil || errors.Is(err, unix.ESRCH) {
		return nil
	}
	return fmt.Errorf("process: sending %s to process group %d: %w", unix.SignalName(sig), pgid, err)
}

// GroupMembers returns the pids of the live processes in group pgid. Zombies are left
// out: they have ended and only wait for their parent to reap them, which for an
// orphan is init's job, not ours.
func GroupMembers(pgid int) ([]int, error) {
	if err := validGroup(pgid); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("process: listing /proc to find the members of process group %d: %w", pgid, err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue // not a process directory
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // the process ended since ReadDir
		}
		state, group, ok := parseStat(string(stat))
		if ok && group == pgid && state != 'Z' && state != 'X' {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// parseStat returns the state and process group from the text of /proc/PID/stat:
// "pid (comm) state ppid pgrp ...". The command name may hold spaces and parentheses,
// so the fields are counted from its last closing parenthesis.
func parseStat(stat string) (state byte, pgid int, ok bool) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(stat[end+1:])
	if len(fields) < 3 || len(fields[0]) != 1 {
		return 0, 0, false
	}
	pgid, err := strconv.Atoi(fields[2])
	if err != nil {
		return 0, 0, false
	}
	return fields[0][0], pgid, true
}

// WaitExit blocks until the child pid has ended, without reaping it. The zombie that
// stays behind keeps pid, and with it the group id, from being reused while the rest of
// the group is cleaned up; reap it afterwards with os.Process.Wait. It cannot be
// cancelled, so call it only for a child of this process that will end.
func WaitExit(pid int) error {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			if err != nil {
				return fmt.Errorf("process: waiting for process %d to exit: %w", pid, err)
			}
			return nil
		}
	}
}

// ExitStatus decodes how a reaped process ended. A process killed by signal n gets the
// shell's code 128+n and the signal's name ("SIGKILL"); one that exited gets its exit
// code and no signal name.
func ExitStatus(ps *os.ProcessState) (code int, signal string) {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return 128 + int(ws.Signal()), unix.SignalName(ws.Signal())
	}
	return ps.ExitCode(), ""
}
