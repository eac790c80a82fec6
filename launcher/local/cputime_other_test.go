//go:build !unix

package local

import (
	"testing"
	"time"
)

// cpuTime is not measured on this platform: the benchmarks' cpu-ms/op read 0.
func cpuTime(tb testing.TB) time.Duration { return 0 }
