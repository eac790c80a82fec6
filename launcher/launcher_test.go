package launcher

import "testing"

func TestResultString(t *testing.T) {
	tests := []struct {
		r    Result
		want string
	}{
		{Result{ExitCode: 0}, "exit code 0"},
		{Result{ExitCode: 3}, "exit code 3"},
		{Result{ExitCode: 137}, "exit code 137"},
		{Result{ExitCode: 137, Signal: "SIGKILL"}, "killed by SIGKILL"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.r, got, tt.want)
		}
	}
}
