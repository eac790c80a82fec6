package docker

import (
	"context"
	"os/exec"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// BenchmarkLaunchContainer measures a whole run of the trivial test program through
// the launcher: image check, create, command check, wait and attach, start, output
// through the redactor, exit code, removal.
func BenchmarkLaunchContainer(b *testing.B) {
	l := newLauncher(b, Options{})
	ctx := context.Background()
	s, _ := testSpec(imageProgram, "exit", "0")
	s.RunName, s.RunID = "", "" // the engine names each container
	for b.Loop() {
		h, err := l.Launch(ctx, s)
		if err != nil {
			b.Fatal(err)
		}
		res, err := h.Wait(ctx)
		if err != nil || res.ExitCode != 0 || res.Err != nil {
			b.Fatalf("Wait = %v (%v), %v", res, res.Err, err)
		}
	}
}

// BenchmarkDockerRunBaseline runs the same program with `docker run --rm`, the way
// people run a container by hand, or, without the docker CLI, with the bare calls
// that docker run makes (BenchmarkEngineAPIBaseline).
func BenchmarkDockerRunBaseline(b *testing.B) {
	docker, err := exec.LookPath("docker")
	if err != nil {
		b.Logf("no docker CLI (%v): measuring the bare Engine API calls instead", err)
		BenchmarkEngineAPIBaseline(b)
		return
	}
	for b.Loop() {
		cmd := exec.Command(docker, "run", "--rm", "--label", testLabel+"="+env.run, env.image, imageProgram, "exit", "0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("docker run: %v\n%s", err, out)
		}
	}
}

// BenchmarkEngineAPIBaseline creates, starts, waits for and removes the container
// through the Engine API without init, output or checks: the floor of a launch.
func BenchmarkEngineAPIBaseline(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		res, err := env.api.ContainerCreate(ctx, client.ContainerCreateOptions{Config: &container.Config{
			Image: env.image, Cmd: []string{imageProgram, "exit", "0"}, Labels: map[string]string{testLabel: env.run},
		}})
		if err != nil {
			b.Fatal(err)
		}
		w := env.api.ContainerWait(ctx, res.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
		if _, err := env.api.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
			b.Fatal(err)
		}
		select {
		case r := <-w.Result:
			if r.StatusCode != 0 {
				b.Fatalf("exit code %d", r.StatusCode)
			}
		case err := <-w.Error:
			b.Fatal(err)
		}
		if _, err := env.api.ContainerRemove(ctx, res.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			b.Fatal(err)
		}
	}
}
