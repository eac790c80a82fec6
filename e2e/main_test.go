// Package e2e runs the built outpost binary the way users do: real processes, real files,
// real servers on loopback.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outposthq/outpost/internal/testpg"
)

// binary is the outpost executable built once for the whole package by TestMain.
var binary string

func TestMain(m *testing.M) {
	// testpg.Main runs the tests and exits without returning, so the binary is built
	// next to the test binary, in the directory `go test` removes once it is done.
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp(filepath.Dir(exe), "outpost-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "outpost")
	build := exec.Command("go", "build", "-o", binary, "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building outpost: %v\n%s", err, out)
		os.Exit(1)
	}
	// A PostgreSQL server for the tests that run the backend on it.
	testpg.Main(m)
}

// result is one finished run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

// run executes outpost with exactly env (plus nothing from the test process), so the
// user's own ~/.prefect never leaks into a test.
func run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
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

// home makes a fresh HOME with an optional ~/.prefect/config.toml and returns the env.
func home(t *testing.T, configTOML string, extra ...string) []string {
	t.Helper()
	h := t.TempDir()
	if configTOML != "" {
		dir := filepath.Join(h, ".prefect")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(configTOML), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return append([]string{"HOME=" + h, "PATH=" + os.Getenv("PATH")}, extra...)
}
