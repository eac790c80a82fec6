package local

import (
	"context"
	"os/exec"
	"testing"

	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/launcher/launchertest"
)

// BenchmarkLaunch measures a whole run of the trivial test program through the
// launcher: process group, output pipe and redactor, group check, reaping.
func BenchmarkLaunch(b *testing.B) {
	prog := launchertest.BuildProgram(b)
	l := New()
	ctx := context.Background()
	for b.Loop() {
		h, err := l.Launch(ctx, launcher.Spec{Argv: []string{prog, "exit", "0"}})
		if err != nil {
			b.Fatal(err)
		}
		res, err := h.Wait(ctx)
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("Wait = %v, %v", res, err)
		}
	}
}

// BenchmarkForkExecBaseline runs the same program with a bare exec.Command, the floor
// BenchmarkLaunch compares against.
func BenchmarkForkExecBaseline(b *testing.B) {
	prog := launchertest.BuildProgram(b)
	for b.Loop() {
		cmd := exec.Command(prog, "exit", "0")
		cmd.Env = []string{}
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
}
