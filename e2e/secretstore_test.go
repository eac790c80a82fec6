package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretStoreRoundTrip(t *testing.T) {
	s := startServer(t)
	file := filepath.Join(t.TempDir(), "token.txt")
	if err := os.WriteFile(file, []byte("file-secret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, stdin string
		args        []string
		value       string
		warn        bool
	}{
		{name: "argv", args: []string{"ARGV_SECRET", "argv-secret-value"}, value: "argv-secret-value", warn: true},
		{name: "file", args: []string{"FILE_SECRET", "--from-file", file}, value: "file-secret-value"},
		{name: "stdin", stdin: "stdin-secret-value\n", args: []string{"STDIN_SECRET"}, value: "stdin-secret-value"},
	}
	// Secrets are read back the way a flow run's chain reads them: context secrets
	// first, then the backend's store, with backend cloud and local secrets off.
	getEnv := append(append([]string(nil), s.env...),
		"PREFECT__BACKEND=cloud", "PREFECT__CLOUD__USE_LOCAL_SECRETS=false", "PREFECT__CLOUD__API="+s.url)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runInput(t, s.env, tc.stdin, append([]string{"secret", "set", "--api", s.url}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("secret set: exit %d, stderr %q", r.code, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, tc.value) {
				t.Errorf("secret set echoed the value: stdout %q, stderr %q", r.stdout, r.stderr)
			}
			if warned := strings.Contains(r.stderr, "Warning"); warned != tc.warn {
				t.Errorf("warning = %v, want %v: %q", warned, tc.warn, r.stderr)
			}
			got := run(t, getEnv, "secret", "get", tc.args[0])
			if got.code != 0 || got.stdout != `"`+tc.value+`"`+"\n" {
				t.Errorf("secret get %s: exit %d, stdout %q, stderr %q", tc.args[0], got.code, got.stdout, got.stderr)
			}
		})
	}
	if got := s.outpost(t, "secret", "list"); got != "ARGV_SECRET\nFILE_SECRET\nSTDIN_SECRET" {
		t.Errorf("secret list = %q", got)
	}
	s.outpost(t, "secret", "delete", "FILE_SECRET")
	if got := s.outpost(t, "secret", "list"); got != "ARGV_SECRET\nSTDIN_SECRET" {
		t.Errorf("secret list after delete = %q", got)
	}
	r := run(t, s.env, "secret", "delete", "FILE_SECRET", "--api", s.url)
	if r.code != 1 || !strings.Contains(r.stderr, `"FILE_SECRET"`) {
		t.Errorf("deleting a missing secret: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := run(t, getEnv, "secret", "get", "FILE_SECRET"); r.code != 1 {
		t.Errorf("secret get of a deleted secret: exit %d, stdout %q", r.code, r.stdout)
	}
	r = runInput(t, s.env, "v", "secret", "set", "BOTH", "v", "--from-file", file, "--api", s.url)
	if r.code != 2 || !strings.Contains(r.stderr, "not both") {
		t.Errorf("two sources: exit %d, stderr %q", r.code, r.stderr)
	}
	s.stop(t)
}

// runInput is run with stdin.
func runInput(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running outpost %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}
