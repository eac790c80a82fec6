package flowrun

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/outposthq/outpost/runconfig"
)

// command is what a native storage runs, and what to remove once it has run.
type command struct {
	argv    []string
	cleanup func() // nil when there is nothing to remove
}

func (c command) close() {
	if c.cleanup != nil {
		c.cleanup()
	}
}

// load turns a flow's storage into the command to run. Its errors become the run's
// Failed message, so they say what to fix.
func (x *execution) load(ctx context.Context, raw json.RawMessage) (command, error) {
	s, err := runconfig.DecodeStorage(raw)
	if err != nil {
		return command{}, fmt.Errorf("cannot load the flow's storage: %w", err)
	}
	switch s.Type {
	case runconfig.StorageScript:
		return command{argv: s.Argv}, nil
	case runconfig.StorageLocal:
		return localCommand(s)
	case runconfig.StorageGitHub:
		return x.githubCommand(ctx, s)
	}
	return command{}, fmt.Errorf("storage type %s is not a native Outpost storage (Script, Local or GitHub); "+
		"Prefect flows run with prefect execute flow-run, so register this flow with Prefect's core_version", s.Type)
}

// localCommand runs the script at the storage's path on this host.
func localCommand(s runconfig.Storage) (command, error) {
	switch {
	case s.Path == "":
		return command{}, fmt.Errorf("Local storage has no \"path\": register the flow with the absolute path of the script to run")
	case !filepath.IsAbs(s.Path):
		return command{}, fmt.Errorf("Local storage path %q is not absolute: register the flow with the script's absolute path on the agent's host", s.Path)
	}
	if err := checkExecutable(s.Path); err != nil {
		return command{}, fmt.Errorf("Local storage: %w", err)
	}
	return command{argv: []string{s.Path}}, nil
}

// githubCommand downloads the storage's file into a directory only this user can read
// and runs it from there; the directory is removed once the command has run.
func (x *execution) githubCommand(ctx context.Context, s runconfig.Storage) (command, error) {
	token, from, err := x.githubToken(s)
	if err != nil {
		return command{}, err
	}
	content, err := fetchGitHub(ctx, x.r.httpClient(), s, token, from, x.red.RedactString)
	if err != nil {
		return command{}, err
	}
	dir, err := os.MkdirTemp("", "outpost-flow-") // created with mode 0700
	if err != nil {
		return command{}, fmt.Errorf("GitHub storage: cannot create a directory for %s: %w", s.Path, err)
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	name := path.Base(s.Path)
	if name == "." || name == "/" || name == ".." {
		name = "flow"
	}
	file := filepath.Join(dir, name)
	if err := writeExecutable(file, content); err != nil {
		cleanup()
		return command{}, fmt.Errorf("GitHub storage: cannot write %s: %w", s.Path, err)
	}
	return command{argv: []string{file}, cleanup: cleanup}, nil
}

// writeExecutable writes a new file that only its owner may read, write and run. The
// explicit chmod makes the mode independent of the umask.
func writeExecutable(file string, content []byte) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o700)
	if err != nil {
		return err
	}
	_, werr := f.Write(content)
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	if cerr != nil {
		return cerr
	}
	return os.Chmod(file, 0o700)
}
