package launchertest

import (
	"context"
	"errors"
	"path"
	"strings"
	"testing"

	"github.com/outposthq/outpost/launcher"
)

// launchErrorCases: a run that cannot start fails at Launch, with an error that names
// what is wrong.
func (s *suite) launchErrorCases() []testCase {
	const missing = "outpost-test-no-such-command"
	tests := []struct {
		name    string
		modify  func(t *testing.T, sp *launcher.Spec)
		wantIs  error  // nil: any error
		mention string // the error must name this
	}{
		{"command not in the PATH of Spec.Env", func(t *testing.T, sp *launcher.Spec) {
			sp.Argv = []string{missing}
			sp.Env = []string{"PATH=" + s.tools.WorkDir(t)}
		}, launcher.ErrCommandNotFound, missing},
		{"the agent's PATH is not used", func(t *testing.T, sp *launcher.Spec) {
			sp.Argv = []string{"sh", "-c", "exit 0"}
			sp.Env = []string{"PATH=" + s.tools.WorkDir(t)}
		}, launcher.ErrCommandNotFound, `"sh"`},
		{"no PATH in Spec.Env", func(t *testing.T, sp *launcher.Spec) {
			sp.Argv = []string{"sh", "-c", "exit 0"}
			sp.Env = nil
		}, launcher.ErrCommandNotFound, `"sh"`},
		{"missing working dir", func(t *testing.T, sp *launcher.Spec) {
			sp.Dir = path.Join(s.tools.WorkDir(t), "no-such-dir")
		}, launcher.ErrWorkDirNotFound, "no-such-dir"},
		{"empty argv", func(t *testing.T, sp *launcher.Spec) {
			sp.Argv = nil
		}, nil, "argv"},
	}
	var cases []testCase
	for _, tt := range tests {
		if tt.wantIs == launcher.ErrWorkDirNotFound && s.tools.CreatesWorkDir {
			continue // envCases checks that the run starts there instead
		}
		cases = append(cases, testCase{tt.name, func(t *testing.T) {
			sp, _ := s.spec("exit", "0")
			tt.modify(t, &sp)
			h, err := s.tryLaunch(t, sp)
			if err == nil {
				s.cleanupRun(t, h)
				t.Fatalf("Launch succeeded with %s, want an error", h.ID())
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Launch error %q is not %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("Launch error %q does not mention %q", err, tt.mention)
			}
		}})
	}
	cases = append(cases, testCase{"cancelled context", func(t *testing.T) {
		sp, _ := s.spec("exit", "0")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		h, err := s.launchCtx(ctx, t, sp)
		if err == nil {
			s.cleanupRun(t, h)
			t.Fatalf("Launch with a cancelled context succeeded, want context.Canceled")
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Launch error %q is not context.Canceled", err)
		}
	}})
	return cases
}
