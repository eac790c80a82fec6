package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretStoreCommands(t *testing.T) {
	b := startBackend(t)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("from-file-value\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		stdin    string
		args     []string
		want     string // the stored value
		wantWarn bool
	}{
		{name: "stdin drops one newline", stdin: "piped-value\r\n", args: []string{"S_STDIN"}, want: "piped-value"},
		{name: "file drops only one newline", args: []string{"S_FILE", "--from-file", file}, want: "from-file-value\n"},
		{name: "argv warns", args: []string{"S_ARGV", "argv-value"}, want: "argv-value", wantWarn: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain(b.env, strings.NewReader(tc.stdin), append([]string{"secret", "set"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, strings.TrimSpace(tc.want)) {
				t.Errorf("the value was echoed: stdout %q, stderr %q", r.stdout, r.stderr)
			}
			if warned := strings.Contains(r.stderr, "visible to other users"); warned != tc.wantWarn {
				t.Errorf("warning shown = %v, want %v (stderr %q)", warned, tc.wantWarn, r.stderr)
			}
			v, err := b.client.SecretValue(context.Background(), tc.args[0])
			if err != nil {
				t.Fatal(err)
			}
			if v.Reveal() != tc.want {
				t.Errorf("stored value differs from what was given")
			}
		})
	}

	if got := b.mustRun(t, "secret", "list"); got != "S_ARGV\nS_FILE\nS_STDIN" {
		t.Errorf("secret list = %q, want the three names sorted", got)
	}
	b.mustRun(t, "secret", "delete", "S_ARGV")
	if got := b.mustRun(t, "secret", "list"); got != "S_FILE\nS_STDIN" {
		t.Errorf("secret list after delete = %q", got)
	}
	r := runMain(b.env, nil, "secret", "delete", "S_ARGV")
	if r.code != 1 || !strings.Contains(r.stderr, `"S_ARGV"`) {
		t.Errorf("deleting a missing secret: exit %d, stderr %q; want exit 1 naming it", r.code, r.stderr)
	}
}

func TestSecretSetRejectsBadInput(t *testing.T) {
	b := startBackend(t)
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"value and file", "", []string{"X", "v", "--from-file", "/dev/null"}, "not both"},
		{"empty stdin", "", []string{"X"}, "is empty"},
		{"only a newline", "\n", []string{"X"}, "is empty"},
		{"no name", "v", []string{}, "takes NAME"},
		{"too many arguments", "", []string{"X", "a", "b"}, "takes NAME and at most one VALUE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain(b.env, strings.NewReader(tc.stdin), append([]string{"secret", "set"}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", r.code, r.stderr, tc.want)
			}
		})
	}
	r := runMain(b.env, nil, "secret", "set", "X", "--from-file", filepath.Join(t.TempDir(), "missing"))
	if r.code != 1 || !strings.Contains(r.stderr, "--from-file") {
		t.Errorf("missing file: exit %d, stderr %q", r.code, r.stderr)
	}
	names, err := b.client.SecretNames(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Errorf("bad input stored secrets %q", names)
	}
}
