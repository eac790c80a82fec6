package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Import paths of what the harness builds; `go build` resolves them from the module
// the harness runs in. The stand-in is bench/agentbench's.
const (
	outpostPackage = "github.com/outposthq/outpost"
	standinPackage = "github.com/outposthq/outpost/bench/agentbench/standin"
)

// workspace is the harness's temporary directory:
//
//	bin/outpost      the binary measured, unless -outpost names one
//	image/           the build context of the runs' image: the stand-in and a Dockerfile
//	home/            HOME of the server and the agent (~/.prefect, the database)
//	stamps/          one file per started container, written by the stand-in through a
//	                 bind mount at /stamps
//	logs/            the server's and the agent's output
type workspace struct {
	root    string
	outpost string
	keep    bool
}

func newWorkspace(keep bool) (*workspace, error) {
	root, err := os.MkdirTemp("", "outpost-dockerbench-")
	if err != nil {
		return nil, fmt.Errorf("create the temporary directory (is TMPDIR writable?): %w", err)
	}
	ws := &workspace{root: root, keep: keep}
	for _, d := range []string{"bin", "image", "home", "stamps", "logs"} {
		if err := os.Mkdir(ws.dir(d), 0o700); err != nil {
			os.RemoveAll(root)
			return nil, fmt.Errorf("create %s: %w", ws.dir(d), err)
		}
	}
	return ws, nil
}

func (ws *workspace) dir(name string) string { return filepath.Join(ws.root, name) }

// remove deletes the workspace, unless it is to be kept.
func (ws *workspace) remove(progress io.Writer) error {
	if ws.keep {
		fmt.Fprintf(progress, "dockerbench: kept %s (logs in logs/, the database in home/.prefect/)\n", ws.root)
		return nil
	}
	if err := os.RemoveAll(ws.root); err != nil {
		return fmt.Errorf("remove the temporary directory %s: %w", ws.root, err)
	}
	return nil
}

// build builds the stand-in into the image's context and, when outpost is "", the
// outpost binary: both static (CGO_ENABLED=0), as the project ships them.
func (ws *workspace) build(ctx context.Context, outpost string, say func(string, ...any)) error {
	ws.outpost = outpost
	if outpost == "" {
		ws.outpost = filepath.Join(ws.dir("bin"), "outpost")
		say("building %s", outpostPackage)
		if err := goBuild(ctx, ws.outpost, outpostPackage); err != nil {
			return err
		}
	} else if info, err := os.Stat(outpost); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return fmt.Errorf("-outpost %s is not an executable file: build one with `go build -o outpost .` or leave -outpost out", outpost)
	}
	say("building the stand-in prefect")
	return goBuild(ctx, filepath.Join(ws.dir("image"), "prefect"), standinPackage, "-trimpath", "-ldflags=-s -w")
}

func goBuild(ctx context.Context, out, pkg string, flags ...string) error {
	args := append(append([]string{"build", "-o", out}, flags...), pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s (run the harness from inside the outpost module): %w\n%s", pkg, err, output.Bytes())
	}
	return nil
}
