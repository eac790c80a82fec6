package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// benchImage is the image of every container the harness measures, the agent's and the
// bare ones: FROM scratch, the stand-in as /usr/local/bin/prefect and nothing else. It
// runs as the caller's uid and gid, so that the stamps it writes (mode 0600) through
// the bind mount are the caller's to read and remove.
type benchImage struct{ tag string }

// buildImage builds the image from the workspace's image/ context. Nothing is pulled.
func buildImage(ctx context.Context, ws *workspace) (benchImage, error) {
	img := benchImage{tag: fmt.Sprintf("outpost-dockerbench:%d-%d", os.Getpid(), time.Now().UnixNano())}
	dockerfile := fmt.Sprintf("FROM scratch\nCOPY prefect /usr/local/bin/prefect\nUSER %d:%d\n", os.Getuid(), os.Getgid())
	if err := os.WriteFile(filepath.Join(ws.Dir("image"), "Dockerfile"), []byte(dockerfile), 0o600); err != nil {
		return img, err
	}
	if _, err := dockerCmd(ctx, "build", "-q", "-t", img.tag, ws.Dir("image")); err != nil {
		return img, fmt.Errorf("build the runs' image: %w", err)
	}
	return img, nil
}

// leftovers removes the containers of the image still there, and counts them: once
// the agent has stopped there should be none.
func (img benchImage) leftovers(ctx context.Context) (int, error) {
	ids, err := dockerCmd(ctx, "ps", "-aq", "--filter", "ancestor="+img.tag)
	if err != nil || ids == "" {
		return 0, err
	}
	left := strings.Fields(ids)
	_, err = dockerCmd(ctx, append([]string{"rm", "-f", "-v"}, left...)...)
	return len(left), err
}

// remove removes the image, and any container of it a failed measurement left behind.
func (img benchImage) remove() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err1 := img.leftovers(ctx)
	_, err2 := dockerCmd(ctx, "rmi", img.tag)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("remove the image %s: %w", img.tag, err)
	}
	return nil
}

// dockerCmd runs the docker CLI and returns its output without the trailing newline;
// a failure carries what it wrote to stderr.
func dockerCmd(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("docker %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimRight(string(out), "\n"), nil
}
