package process

import (
	"os"
	"testing"
)

// BenchmarkGroupMembers measures one pass over /proc for the members of a group: the
// cost of a Scanner's pass, and what every membership question cost before passes
// were shared.
func BenchmarkGroupMembers(b *testing.B) {
	pgid := os.Getpid()
	for b.Loop() {
		if _, err := GroupMembers(pgid); err != nil {
			b.Fatal(err)
		}
	}
}
