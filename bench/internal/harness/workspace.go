package harness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Import paths of what the harnesses build; `go build` resolves them from the module
// the harness runs in.
const (
	OutpostPackage = "github.com/outposthq/outpost"
	StandinPackage = "github.com/outposthq/outpost/bench/agentbench/standin"
)

// Workspace is a harness's temporary directory, with one subdirectory per use.
type Workspace struct {
	Root string
	name string // the harness's, for its messages
	keep bool
}

// NewWorkspace creates a temporary directory named by pattern (as os.MkdirTemp takes
// it), with dirs in it, for the harness called name.
func NewWorkspace(name, pattern string, dirs []string, keep bool) (*Workspace, error) {
	root, err := os.MkdirTemp("", pattern)
	if err != nil {
		return nil, fmt.Errorf("create the temporary directory (is TMPDIR writable?): %w", err)
	}
	ws := &Workspace{Root: root, name: name, keep: keep}
	for _, d := range dirs {
		if err := os.Mkdir(ws.Dir(d), 0o700); err != nil {
			os.RemoveAll(root)
			return nil, fmt.Errorf("create %s: %w", ws.Dir(d), err)
		}
	}
	return ws, nil
}

// Dir is the path of the subdirectory name.
func (ws *Workspace) Dir(name string) string { return filepath.Join(ws.Root, name) }

// Remove deletes the workspace, unless it is to be kept.
func (ws *Workspace) Remove(progress io.Writer) error {
	if ws.keep {
		fmt.Fprintf(progress, "%s: kept %s (logs in logs/, the database in home/.prefect/)\n", ws.name, ws.Root)
		return nil
	}
	if err := os.RemoveAll(ws.Root); err != nil {
		return fmt.Errorf("remove the temporary directory %s: %w", ws.Root, err)
	}
	return nil
}

// BuildOutpost returns the outpost binary to measure: outpost itself when given, after
// checking it, else one built into bin/, static (CGO_ENABLED=0) as the project ships it.
func (ws *Workspace) BuildOutpost(ctx context.Context, outpost string, say func(string, ...any)) (string, error) {
	if outpost != "" {
		if info, err := os.Stat(outpost); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return "", fmt.Errorf("-outpost %s is not an executable file: build one with `go build -o outpost .` or leave -outpost out", outpost)
		}
		return outpost, nil
	}
	bin := filepath.Join(ws.Dir("bin"), "outpost")
	say("building %s", OutpostPackage)
	return bin, GoBuild(ctx, bin, OutpostPackage)
}

// BuildStandin builds the stand-in prefect to out, static and small.
func BuildStandin(ctx context.Context, out string, say func(string, ...any)) error {
	say("building the stand-in prefect")
	return GoBuild(ctx, out, StandinPackage, "-trimpath", "-ldflags=-s -w")
}

// GoBuild builds pkg to out with CGO_ENABLED=0.
func GoBuild(ctx context.Context, out, pkg string, flags ...string) error {
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
