// Package process holds the operating-system side of running a flow run as a process
// group: starting a child as the leader of its own group, signalling the whole group,
// finding which processes are still in it, and decoding how the leader ended. Finding
// members means reading /proc; a Scanner shares those passes among many groups.
//
// A run's process group, not its first process, is the unit Outpost starts and stops:
// shells and Python runners start children that a signal to one pid would orphan.
// A process that calls setsid or setpgid leaves the group and is out of reach here;
// only cgroups would hold it.
package process

import (
	"errors"
	"fmt"
)

// ErrUnsupported is returned on platforms without process groups.
var ErrUnsupported = errors.New("process: process groups are only supported on Linux; use the Docker launcher on this platform")

// validGroup rejects ids that kill(2) gives a special meaning: 0 is the caller's own
// group and 1 (as -1) is every process the caller may signal.
func validGroup(pgid int) error {
	if pgid <= 1 {
		return fmt.Errorf("process: refusing to use process group %d: a run's group id is its leader's pid, always above 1", pgid)
	}
	return nil
}
