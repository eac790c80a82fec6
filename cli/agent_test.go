package cli

import (
	"strings"
	"testing"
)

func TestAgentInstallRendersRepeatedFlagsOnce(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"short forms", []string{"-l", "dev", "-e", "A=b c"}, "start --label dev --env 'A=b c'"},
		{"long forms", []string{"--label", "dev", "--env", "A=b c"}, "start --label dev --env 'A=b c'"},
		{"both forms", []string{"--label", "dev", "-l", "gpu"}, "start --label dev --label gpu\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain([]string{"HOME=" + t.TempDir()}, nil, append([]string{"agent", "local", "install"}, tc.args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, tc.want) {
				t.Errorf("exit %d, stderr %q; the config does not hold %q:\n%s", r.code, r.stderr, tc.want, r.stdout)
			}
			if strings.Contains(r.stdout, "--l ") || strings.Contains(r.stdout, "--e ") {
				t.Errorf("a short form is rendered as a flag of its own:\n%s", r.stdout)
			}
		})
	}
}
