package main

import "time"

// Deadlines of the waits: generous, because containers on two shared cores can be slow.
const (
	startDeadline = time.Minute      // a process answers on its address
	stopDeadline  = 2 * time.Minute  // a process exits after SIGTERM
	runDeadline   = time.Minute      // one container starts, or its run finishes
	batchDeadline = 10 * time.Minute // every container of a burst starts, or finishes
)
