// Package launchertest is the conformance suite every launcher.Launcher must pass. A
// launcher's own test calls Run with a way to make the launcher and a Tools that says
// how to run the suite's test program with it (a binary on this host, or the same
// binary inside a container image).
//
// The suite waits on what the program prints ("ready" once it is in the state a case
// needs), never on time; its deadlines only keep a broken launcher from hanging the run.
package launchertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outposthq/outpost/launcher"
)

// programPackage is the test program's import path.
const programPackage = "github.com/outposthq/outpost/launcher/launchertest/testprog"

// patience bounds every wait of the suite; reaching it means the launcher hangs.
const patience = 2 * time.Minute

// Tools says how the suite expresses its test programs for one launcher.
type Tools struct {
	// Program is the path of the test program (see BuildProgram) as the launched child
	// sees it: on this host for the local launcher, inside the image for a container.
	// Its directory must hold nothing else the suite could run.
	Program string
	// WorkDir returns an existing directory where the child may run, to test Spec.Dir.
	WorkDir func(t *testing.T) string
	// Leftovers lists what of a run is still alive (pids, containers); none once its
	// Wait returned or its Stop succeeded.
	Leftovers func(h launcher.Handle) ([]string, error)
	// Prepare, if set, completes each Spec with what the launcher needs besides the
	// program, such as the image.
	Prepare func(s *launcher.Spec)
	// RuntimeEnv names variables the runtime gives every child on its own, such as
	// HOSTNAME in a container; the suite ignores them unless Spec.Env sets them. Nil
	// means the child's environment is exactly Spec.Env.
	RuntimeEnv []string
	// SignalFromStatus is set for a launcher that sees only an exit status, as a
	// container runtime does: it reports any status above 128 as death by a signal, so
	// an exit(137) reads as SIGKILL.
	SignalFromStatus bool
	// CreatesWorkDir is set for a runtime that creates a missing Spec.Dir, as Docker
	// does for a container's working directory: the suite then expects the run to start
	// there instead of failing with launcher.ErrWorkDirNotFound.
	CreatesWorkDir bool
	// SeparateStreams is set for a runtime that carries stdout and stderr apart, as a
	// container engine does: the order between the two streams is lost on the way, so
	// the suite checks the order within each stream only.
	SeparateStreams bool
}

func (tools Tools) validate() error {
	var errs []error
	if tools.Program == "" {
		errs = append(errs, errors.New("launchertest: Tools.Program is empty; build the test program with BuildProgram"))
	}
	if tools.WorkDir == nil {
		errs = append(errs, errors.New("launchertest: Tools.WorkDir is nil"))
	}
	if tools.Leftovers == nil {
		errs = append(errs, errors.New("launchertest: Tools.Leftovers is nil"))
	}
	return errors.Join(errs...)
}

// BuildProgram builds the suite's test program, static so that a container image with
// nothing else in it can run it too, and returns its path in a temporary directory.
func BuildProgram(tb testing.TB) string {
	tb.Helper()
	out, err := BuildProgramIn(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BuildProgramIn builds the test program into dir and returns its path. It is for
// a TestMain that builds once what every test of the binary shares, such as a
// container image; tests use BuildProgram.
func BuildProgramIn(dir string) (string, error) {
	out := filepath.Join(dir, "testprog")
	cmd := exec.Command("go", "build", "-o", out, programPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("launchertest: building the test program: %w\n%s", err, b)
	}
	return out, nil
}

// Run runs the conformance suite. newLauncher is called once per case.
func Run(t *testing.T, newLauncher func(t *testing.T) launcher.Launcher, tools Tools) {
	t.Helper()
	if err := tools.validate(); err != nil {
		t.Fatal(err)
	}
	s := &suite{newLauncher: newLauncher, tools: tools}
	groups := []struct {
		name  string
		cases []testCase
	}{
		{"Env", s.envCases()},
		{"Output", s.outputCases()},
		{"Exit", s.exitCases()},
		{"Stop", s.stopCases()},
		{"LaunchErrors", s.launchErrorCases()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.run(t)
				})
			}
		})
	}
}

type testCase struct {
	name string
	run  func(t *testing.T)
}

type suite struct {
	newLauncher func(t *testing.T) launcher.Launcher
	tools       Tools
}

// spec returns a Spec that runs the test program with args, an empty environment and
// a fresh output capture.
func (s *suite) spec(args ...string) (launcher.Spec, *Capture) {
	out := NewCapture()
	sp := launcher.Spec{
		RunID:   "00000000-0000-0000-0000-000000000000",
		RunName: "conformance",
		Argv:    append([]string{s.tools.Program}, args...),
		Env:     []string{},
		Output:  out,
	}
	return sp, out
}

// launch starts sp with a new launcher. Whatever the case does, the run is stopped and
// waited for at the end, and must leave nothing behind.
func (s *suite) launch(t *testing.T, sp launcher.Spec) launcher.Handle {
	t.Helper()
	h, err := s.tryLaunch(t, sp)
	if err != nil {
		t.Fatalf("Launch(%q): %v", sp.Argv, err)
	}
	s.cleanupRun(t, h)
	return h
}

// cleanupRun makes sure h is stopped and waited for when the case ends, and that it
// left nothing behind.
func (s *suite) cleanupRun(t *testing.T, h launcher.Handle) {
	t.Cleanup(func() {
		ctx, cancel := contextWithPatience()
		defer cancel()
		if err := h.Stop(ctx, 0); err != nil {
			t.Errorf("cleanup: Stop: %v", err)
		}
		if _, err := h.Wait(ctx); err != nil {
			t.Errorf("cleanup: Wait: %v", err)
		}
		s.assertNothingLeft(t, h)
	})
}

func contextWithPatience() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), patience)
}

// tryLaunch starts sp with a new launcher and leaves the handle to the caller.
func (s *suite) tryLaunch(t *testing.T, sp launcher.Spec) (launcher.Handle, error) {
	ctx, cancel := contextWithPatience()
	defer cancel()
	return s.launchCtx(ctx, t, sp)
}

func (s *suite) launchCtx(ctx context.Context, t *testing.T, sp launcher.Spec) (launcher.Handle, error) {
	if s.tools.Prepare != nil {
		s.tools.Prepare(&sp)
	}
	return s.newLauncher(t).Launch(ctx, sp)
}

// run launches sp and waits for its result.
func (s *suite) run(t *testing.T, sp launcher.Spec) launcher.Result {
	t.Helper()
	return s.wait(t, s.launch(t, sp))
}

func (s *suite) wait(t *testing.T, h launcher.Handle) launcher.Result {
	t.Helper()
	ctx, cancel := contextWithPatience()
	defer cancel()
	res, err := h.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return res
}

func (s *suite) assertNothingLeft(t *testing.T, h launcher.Handle) {
	t.Helper()
	left, err := s.tools.Leftovers(h)
	if err != nil {
		t.Errorf("Leftovers(%s): %v", h.ID(), err)
	}
	if len(left) > 0 {
		t.Errorf("run %s left %v running", h.ID(), left)
	}
}

// assertResult checks how a run ended.
func assertResult(t *testing.T, got launcher.Result, code int, signal string) {
	t.Helper()
	if got.ExitCode != code || got.Signal != signal {
		t.Errorf("result = %d %q (%v), want %d %q", got.ExitCode, got.Signal, got, code, signal)
	}
}

// sortedEnv returns env sorted, without the runtime's own variables unless want sets them.
func (s *suite) sortedEnv(got, want []string) []string {
	set := map[string]bool{}
	for _, kv := range want {
		set[envName(kv)] = true
	}
	var out []string
	for _, kv := range got {
		if name := envName(kv); !set[name] && slices.Contains(s.tools.RuntimeEnv, name) {
			continue
		}
		out = append(out, kv)
	}
	slices.Sort(out)
	return out
}

func envName(kv string) string {
	name, _, _ := strings.Cut(kv, "=")
	return name
}
