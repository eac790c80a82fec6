package main

import "time"

// Deadlines of the waits; generous, because two shared cores can be slow.
const (
	startDeadline = time.Minute      // a process answers on its address
	stopDeadline  = time.Minute      // a process exits after SIGTERM
	runDeadline   = 30 * time.Second // one run starts, or finishes
	batchDeadline = 5 * time.Minute  // every run of a burst starts, or finishes
)
