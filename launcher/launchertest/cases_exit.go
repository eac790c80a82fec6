package launchertest

import (
	"testing"
)

// exitCases: the exit code and the killing signal are reported.
func (s *suite) exitCases() []testCase {
	exit137Signal := ""
	if s.tools.SignalFromStatus {
		exit137Signal = "SIGKILL"
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		signal string
	}{
		{"exit 0", []string{"exit", "0"}, 0, ""},
		{"exit 1", []string{"exit", "1"}, 1, ""},
		{"exit 3", []string{"exit", "3"}, 3, ""},
		{"exit 137 by itself", []string{"exit", "137"}, 137, exit137Signal},
		{"killed by SIGKILL", []string{"kill", "KILL"}, 137, "SIGKILL"},
		{"killed by SIGTERM", []string{"kill", "TERM"}, 143, "SIGTERM"},
	}
	var cases []testCase
	for _, tt := range tests {
		cases = append(cases, testCase{tt.name, func(t *testing.T) {
			sp, out := s.spec(tt.args...)
			res := s.run(t, sp)
			assertResult(t, res, tt.code, tt.signal)
			if res.Err != nil {
				t.Errorf("Result.Err = %v, want nil; output: %q", res.Err, out.String())
			}
		}})
	}
	return cases
}
