package cli

import (
	"strings"
	"testing"
)

func TestShellWordAndYAMLString(t *testing.T) {
	tests := []struct{ in, shell, yaml string }{
		{"plain-word_1.2:/x=y,z@a+b", "plain-word_1.2:/x=y,z@a+b", `"plain-word_1.2:/x=y,z@a+b"`},
		{"two words", "'two words'", `"two words"`},
		{"it's", `'it'"'"'s'`, `"it's"`},
		{"$HOME", "'$HOME'", `"$$HOME"`},
		{"", "''", `""`},
		{"a\nb", "'a\nb'", `"a\nb"`},
	}
	for _, tt := range tests {
		if got := shellWord(tt.in); got != tt.shell {
			t.Errorf("shellWord(%q) = %s, want %s", tt.in, got, tt.shell)
		}
		if got := yamlString(tt.in); got != tt.yaml {
			t.Errorf("yamlString(%q) = %s, want %s", tt.in, got, tt.yaml)
		}
	}
}

// The Docker agent takes the common flags without the local-only ones, adds no
// hostname label unless asked, and starts no agent on malformed Docker flags.
func TestAgentDockerFlags(t *testing.T) {
	for _, f := range dockerAgentFlags() {
		if name := f.Names()[0]; name == "import-path" || name == "p" {
			t.Errorf("the Docker agent has the local-only flag --%s", name)
		}
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--volume", "/a:/b:rw:x"}, "Docker volume format is invalid"},
		{[]string{"--no-pull", "--pull-policy", "always"}, "--no-pull contradicts --pull-policy always"},
		{[]string{"--docker-client-timeout", "-1"}, "--docker-client-timeout must be a positive number of seconds"},
		{[]string{"unexpected"}, "takes no arguments"},
	}
	for _, tt := range tests {
		r := runMain([]string{"HOME=" + t.TempDir()}, nil, append([]string{"agent", "docker", "start"}, tt.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("agent docker start %q: exit %d, stderr %q; want exit 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	r := runMain([]string{"HOME=" + t.TempDir()}, nil, "agent", "docker", "install", "--hostname-label", "--no-pull")
	if r.code != 0 || !strings.Contains(r.stdout, "agent docker start --hostname-label=true --no-pull=true") {
		t.Errorf("install: exit %d, stderr %q:\n%s", r.code, r.stderr, r.stdout)
	}
}
