package main

import (
	"context"
	"path/filepath"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// workspace is the harness's temporary directory:
//
//	bin/outpost      the binary measured, unless -outpost names one
//	image/           the build context of the runs' image: the stand-in and a Dockerfile
//	home/            HOME of the server and the agent (~/.prefect, the database)
//	stamps/          one file per started container, written by the stand-in through a
//	                 bind mount at /stamps
//	logs/            the server's and the agent's output
//
// The stand-in is bench/agentbench's.
type workspace struct {
	*harness.Workspace
	outpost string
}

func newWorkspace(keep bool) (*workspace, error) {
	hw, err := harness.NewWorkspace("dockerbench", "outpost-dockerbench-", []string{"bin", "image", "home", "stamps", "logs"}, keep)
	if err != nil {
		return nil, err
	}
	return &workspace{Workspace: hw}, nil
}

// build builds the stand-in into the image's context and, when outpost is "", the
// outpost binary: both static (CGO_ENABLED=0), as the project ships them.
func (ws *workspace) build(ctx context.Context, outpost string, say func(string, ...any)) (err error) {
	if ws.outpost, err = ws.BuildOutpost(ctx, outpost, say); err != nil {
		return err
	}
	return harness.BuildStandin(ctx, filepath.Join(ws.Dir("image"), "prefect"), say)
}
