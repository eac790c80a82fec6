package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testLabel marks every image the tests build, with this test binary's own value, so
// that TestMain removes them all at the end. Containers inherit it from their image.
const testLabel = "io.outpost.test"

// hostBusybox is the static busybox of Debian's busybox-static package: the shell of
// the run image, where a registry would give busybox:1.36.
const hostBusybox = "/bin/busybox"

// testEnv is what TestMain prepares; it does not change once the tests run.
type testEnv struct {
	run     string // this binary's value of testLabel
	root    string // the module's root, with the Dockerfile and deploy/
	binary  string // the static outpost binary on this host, the one in the images
	image   string // the Dockerfile's default target FROM scratch: outpost as the entrypoint
	runBase string // a busybox base built FROM scratch, standing in for busybox:1.36
	runImg  string // the Dockerfile's run target on that base: outpost and a shell, for flow runs
	context string // the build context the images were built from
}

var env testEnv

func TestMain(m *testing.M) {
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "container tests:", err)
		code = 1
	}
	os.Exit(code)
}

func runTests(m *testing.M) (code int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return 1, err
	}
	tmp, err := os.MkdirTemp("", "outpost-container-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(tmp)
	run := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	env = testEnv{
		run:     run,
		root:    root,
		context: filepath.Join(tmp, "context"),
		image:   "outpost-test:" + run,
		runBase: "outpost-test-busybox:" + run,
		runImg:  "outpost-test-run:" + run,
	}
	env.binary = filepath.Join(env.context, "bin", "outpost")
	defer func() { err = errors.Join(err, sweep(context.Background())) }()
	if err := buildImages(ctx, tmp); err != nil {
		return 1, err
	}
	return m.Run(), nil
}

// buildImages builds the images as a user without a registry would: the static binary
// first, then `docker build` with the module's Dockerfile and .dockerignore, in a
// context that also holds a file the image must not get.
func buildImages(ctx context.Context, tmp string) error {
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", env.binary, ".")
	build.Dir = env.root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the static outpost binary: %w\n%s", err, out)
	}
	files := map[string]string{
		"Dockerfile":    "@" + filepath.Join(env.root, "Dockerfile"),
		".dockerignore": "@" + filepath.Join(env.root, ".dockerignore"),
		"README.md":     "the .dockerignore keeps this file out of the image",
		"bin/decoy":     "and this one",
	}
	if err := writeFiles(env.context, files); err != nil {
		return err
	}
	if err := dockerBuild(ctx, env.image, env.context); err != nil {
		return err
	}
	bb := filepath.Join(tmp, "busybox")
	if err := writeFiles(bb, map[string]string{
		"busybox":    "@" + hostBusybox,
		"Dockerfile": "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n",
	}); err != nil {
		return fmt.Errorf("%w (install busybox-static for %s)", err, hostBusybox)
	}
	if err := dockerBuild(ctx, env.runBase, bb); err != nil {
		return err
	}
	return dockerBuild(ctx, env.runImg, env.context, "--target", "run", "--build-arg", "BASE="+env.runBase)
}

// dockerBuild builds dir as tag, labelled for the sweep.
func dockerBuild(ctx context.Context, tag, dir string, args ...string) error {
	args = append([]string{"build", "-q", "--label", testLabel + "=" + env.run, "-t", tag}, args...)
	if _, err := docker(ctx, append(args, dir)...); err != nil {
		return fmt.Errorf("building image %s: %w", tag, err)
	}
	return nil
}

// writeFiles writes files (name to content, or "@path" to copy a file of this host)
// under dir, executable, as a build context wants a binary.
func writeFiles(dir string, files map[string]string) error {
	for name, content := range files {
		data := []byte(content)
		if src, ok := strings.CutPrefix(content, "@"); ok {
			b, err := os.ReadFile(src)
			if err != nil {
				return fmt.Errorf("reading %s for a build context: %w", src, err)
			}
			data = b
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// sweep removes the containers and images labelled by this binary, and the untagged
// stage image the classic builder leaves behind.
func sweep(ctx context.Context) error {
	filter := "label=" + testLabel + "=" + env.run
	var errs []error
	if ids, err := docker(ctx, "ps", "-aq", "--filter", filter); err != nil {
		errs = append(errs, err)
	} else if ids != "" {
		_, err := docker(ctx, append([]string{"rm", "-f", "-v"}, strings.Fields(ids)...)...)
		errs = append(errs, err)
	}
	// The run image first: it is built on the busybox base.
	for _, img := range []string{env.runImg, env.image, env.runBase} {
		if _, err := docker(ctx, "image", "inspect", img); err == nil {
			_, err = docker(ctx, "rmi", img)
			errs = append(errs, err)
		}
	}
	_, err := docker(ctx, "image", "prune", "-f", "--filter", "label=io.outpost.build-stage")
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing what the tests created: %w", err)
	}
	return nil
}

// docker runs the docker CLI and returns its output without the trailing newline; a
// failure carries what it wrote to stderr.
func docker(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("docker %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimRight(string(out), "\n"), nil
}
