package main

import (
	"context"
	"path/filepath"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// workspace is the harness's temporary directory:
//
//	bin/outpost      the binary measured, unless -outpost names one
//	path/prefect     the stand-in, alone in the directory put first on the agent's PATH
//	home/            HOME of the server and the agent (~/.prefect, the database)
//	stamps/          one file per started run, written by the stand-in
//	bare/            the same for the bare fork/exec comparison
//	logs/            the server's and the agent's output
type workspace struct {
	*harness.Workspace
	outpost string
	standin string
}

func newWorkspace(keep bool) (*workspace, error) {
	hw, err := harness.NewWorkspace("agentbench", "outpost-bench-", []string{"bin", "path", "home", "stamps", "bare", "logs"}, keep)
	if err != nil {
		return nil, err
	}
	return &workspace{Workspace: hw, standin: filepath.Join(hw.Root, "path", "prefect")}, nil
}

// build builds the stand-in and, when outpost is "", the outpost binary: static
// (CGO_ENABLED=0), as the project ships it.
func (ws *workspace) build(ctx context.Context, outpost string, say func(string, ...any)) (err error) {
	if ws.outpost, err = ws.BuildOutpost(ctx, outpost, say); err != nil {
		return err
	}
	return harness.BuildStandin(ctx, ws.standin, say)
}
