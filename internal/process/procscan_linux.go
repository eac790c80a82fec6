package process

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// procDir is where the kernel lists its processes, one directory per pid.
const procDir = "/proc"

// scanGroups makes one pass over /proc and returns the live members of every process
// group; hint is the size of the previous pass, to allocate once. Each process costs an
// open, a read into one reused buffer and a close: only the state and group fields of
// its stat file are parsed, and nothing is allocated for it but its directory name.
//
// A pass is not atomic. A process that exists for the whole pass is always seen, so a
// pass that begins after an event sees every process that existed then; but a process
// started during the pass is missed if its pid is below the pass's position (pids
// wrapped around), and so is its parent if that ended during the pass.
func scanGroups(hint int) (groups, error) {
	dir, err := os.Open(procDir)
	if err != nil {
		return nil, fmt.Errorf("process: opening %s to find the members of process groups: %w; is procfs mounted?", procDir, err)
	}
	defer dir.Close()
	dirfd := int(dir.Fd())
	var buf [512]byte // a stat line is under 400 bytes; only its first fields are needed
	g := make(groups, 0, hint)
	for {
		names, err := dir.Readdirnames(256)
		for _, name := range names {
			pid, ok := atoi(name)
			if !ok {
				continue // not a process directory
			}
			state, pgid, ok := readStat(dirfd, name, buf[:])
			if ok && state != 'Z' && state != 'X' {
				g = append(g, member{pgid: pgid, pid: pid})
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("process: listing %s to find the members of process groups: %w", procDir, err)
		}
	}
	slices.SortFunc(g, compareMembers)
	return g, nil
}

// readStat reads the state and process group of the process whose /proc directory is
// name. A process that ended since the directory was listed is reported as not ok.
func readStat(dirfd int, name string, buf []byte) (state byte, pgid int, ok bool) {
	fd, err := unix.Openat(dirfd, name+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, 0, false
	}
	n, err := unix.Read(fd, buf)
	_ = unix.Close(fd)
	if err != nil || n <= 0 {
		return 0, 0, false
	}
	return parseStat(buf[:n])
}

// parseStat returns the state and process group from the text of /proc/PID/stat:
// "pid (comm) state ppid pgrp ...". The command name may hold spaces and parentheses,
// so the fields are counted from its last closing parenthesis; the fields after it are
// numbers and a state letter, so that holds even for a prefix of the text.
func parseStat(stat []byte) (state byte, pgid int, ok bool) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, 0, false
	}
	rest := stat[end+1:]
	var stateField, pgrpField []byte
	stateField, rest = nextField(rest)
	_, rest = nextField(rest) // ppid
	pgrpField, _ = nextField(rest)
	if len(stateField) != 1 {
		return 0, 0, false
	}
	pgid, ok = atoi(pgrpField)
	if !ok {
		return 0, 0, false
	}
	return stateField[0], pgid, true
}

// nextField splits off the first space-separated field of b.
func nextField(b []byte) (field, rest []byte) {
	b = bytes.TrimLeft(b, " ")
	end := bytes.IndexAny(b, " \n")
	if end < 0 {
		return b, nil
	}
	return b[:end], b[end:]
}

// atoi parses a non-negative decimal number of at most nine digits, enough for any pid,
// without allocating.
func atoi[T string | []byte](s T) (int, bool) {
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := range len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = 10*n + int(c-'0')
	}
	return n, true
}
