package process

import (
	"errors"
	"fmt"
	"os"
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

// GroupGone reports whether no process at all, not even a zombie, has group id pgid,
// by kill(-pgid, 0). The kernel checks the whole group at one instant, so true proves
// the group empty, whatever became of the id before. False proves little: it is the
// answer for as long as the group's leader is an unreaped zombie (or any member is a
// zombie), and once the leader is reaped the freed id may belong to an unrelated
// process that made itself a group leader. Use it to skip a scan once the leader is
// reaped, never as a reason to signal the group.
func GroupGone(pgid int) (bool, error) {
	if err := validGroup(pgid); err != nil {
		return false, err
	}
	err := unix.Kill(-pgid, 0)
	switch {
	case errors.Is(err, unix.ESRCH):
		return true, nil
	case err == nil, errors.Is(err, unix.EPERM): // EPERM: a member we may not signal
		return false, nil
	}
	return false, fmt.Errorf("process: checking whether process group %d still exists: %w", pgid, err)
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
