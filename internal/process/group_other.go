//go:build !linux

package process

import (
	"os"
	"syscall"
)

// GroupAttr returns ErrUnsupported: process groups are only supported on Linux.
func GroupAttr() (*syscall.SysProcAttr, error) { return nil, ErrUnsupported }

// SignalGroup returns ErrUnsupported: process groups are only supported on Linux.
func SignalGroup(pgid int, sig syscall.Signal) error { return ErrUnsupported }

// GroupGone returns ErrUnsupported: process groups are only supported on Linux.
func GroupGone(pgid int) (bool, error) { return false, ErrUnsupported }

// scanGroups returns ErrUnsupported: only Linux lists its processes in /proc.
func scanGroups(hint int) (groups, error) { return nil, ErrUnsupported }

// WaitExit returns ErrUnsupported: process groups are only supported on Linux.
func WaitExit(pid int) error { return ErrUnsupported }

// ExitStatus returns the exit code; signal names are only decoded on Linux.
func ExitStatus(ps *os.ProcessState) (code int, signal string) { return ps.ExitCode(), "" }
