package docker

import (
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/launcher/launchertest"
)

// TestConformance runs the launcher suite against real containers of the test image,
// which holds the suite's program and nothing it could run by accident.
func TestConformance(t *testing.T) {
	var runs atomic.Int64
	launchertest.Run(t, func(t *testing.T) launcher.Launcher {
		return newLauncher(t, Options{})
	}, launchertest.Tools{
		Program:   imageProgram,
		WorkDir:   func(t *testing.T) string { return imageWorkDir },
		Leftovers: leftovers,
		Prepare: func(s *launcher.Spec) {
			s.Image = env.image
			s.Labels = map[string]string{testLabel: env.run}
			// Distinct names spare the 50 concurrent runs a chain of name conflicts;
			// TestNameConflict covers those.
			s.RunName += "-" + strconv.FormatInt(runs.Add(1), 10)
		},
		// The engine gives every container these.
		RuntimeEnv:       []string{"HOME", "HOSTNAME", "PATH"},
		SignalFromStatus: true,
		CreatesWorkDir:   true,
		SeparateStreams:  true,
	})
}

// TestInitIsPID1: in an image FROM scratch the engine's init, bound in from the host,
// runs as PID 1 and the run's command under it, so signals reach the command (the
// conformance suite's SIGTERM cases depend on it: a Go program as PID 1 would not die
// of SIGTERM).
func TestInitIsPID1(t *testing.T) {
	t.Parallel()
	s, out := shell(imageBusybox + ` cat /proc/1/comm; echo "shell $$"`)
	if res := wait(t, launch(t, newLauncher(t, Options{}), s)); res.ExitCode != 0 {
		t.Fatalf("result = %v, output %q", res, out.String())
	}
	if got, want := out.String(), "docker-init\nshell "; !strings.HasPrefix(got, want) || strings.HasSuffix(got, "shell 1\n") {
		t.Errorf("output = %q, want PID 1 to be docker-init and the shell another process", got)
	}
}
