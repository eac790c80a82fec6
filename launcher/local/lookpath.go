package local

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/outposthq/outpost/launcher"
)

// lookPath finds the program for argv[0] the way the child would: in the PATH of the
// run's own environment, never the agent's. A name with a slash is used as it is
// (relative to the working directory). Empty and relative PATH entries are skipped:
// they would resolve against whatever directory the lookup happens in.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	pathList, ok := lookupEnv(env, "PATH")
	if !ok || pathList == "" {
		return "", fmt.Errorf("local launcher: %w: %q: the run's environment has no PATH to look it up in; set PATH in the run's env or give the full path",
			launcher.ErrCommandNotFound, name)
	}
	for _, dir := range filepath.SplitList(pathList) {
		if !filepath.IsAbs(dir) {
			continue
		}
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("local launcher: %w: no executable %q in the run's PATH %q; install it there, fix PATH in the run's env, or give the full path",
		launcher.ErrCommandNotFound, name, pathList)
}

// lookupEnv returns the value of key in env. The last entry wins, as os/exec keeps only
// the last of duplicate keys.
func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
