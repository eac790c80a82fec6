package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"go.uber.org/zap"

	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/secrets"
)

// defaultPath is the PATH the engine gives a container whose image and environment set
// none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Launch creates and starts the container of s and returns once it runs. ctx bounds
// only the start: the pull, the create and the start.
func (l *Launcher) Launch(ctx context.Context, s launcher.Spec) (launcher.Handle, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("docker launcher: not starting the run: %w", err)
	}
	if err := checkSpec(s); err != nil {
		return nil, err
	}
	if err := checkAllowed(s.Image, l.opts.AllowList); err != nil {
		return nil, err
	}
	p, err := l.plan(s)
	if err != nil {
		return nil, err
	}
	img, err := l.ensureImage(ctx, s.Image)
	if err != nil {
		return nil, err
	}
	p.setInit(img)
	if err := l.ensureVolumes(ctx); err != nil {
		return nil, err
	}
	id, name, err := l.create(ctx, p)
	if err != nil {
		return nil, err
	}
	h := l.newHandle(id, name, s.RunID, p.host.keep)
	if err := l.start(ctx, h, s, p, img); err != nil {
		return nil, errors.Join(err, h.discard())
	}
	h.log.Debug("started container", zap.String("name", name))
	return h, nil
}

// start readies the created container and starts it: networks, a command check, the
// wait for its exit and its output, in that order, so that nothing is missed.
func (l *Launcher) start(ctx context.Context, h *handle, s launcher.Spec, p plan, img imageInfo) error {
	// Until the container runs, a cancelled launch also ends the streams set up here.
	stopCancel := context.AfterFunc(ctx, h.cancel)
	defer stopCancel()
	if err := l.connectNetworks(ctx, h.id, p.connect); err != nil {
		return err
	}
	if err := l.checkCommand(ctx, h.id, s, img); err != nil {
		return err
	}
	wait := l.api.ContainerWait(h.ctx, h.id, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	select {
	case err := <-wait.Error: // the request itself failed
		return fmt.Errorf("docker launcher: waiting for container %s: %w", h.id, err)
	default:
	}
	att, err := l.api.ContainerAttach(h.ctx, h.id, client.ContainerAttachOptions{Stream: true, Stdout: true, Stderr: true})
	if err != nil {
		return fmt.Errorf("docker launcher: attaching to the output of container %s: %w", h.id, err)
	}
	red, sk := l.redactor(s)
	h.out = startOutput(att.HijackedResponse, red, sk)
	cctx, cancel := l.callCtx(ctx)
	_, err = l.api.ContainerStart(cctx, h.id, client.ContainerStartOptions{})
	cancel()
	if err != nil {
		return startError(s, err)
	}
	if !stopCancel() {
		return fmt.Errorf("docker launcher: the launch was cancelled as container %s started: %w", h.id, context.Cause(ctx))
	}
	go h.supervise(wait)
	return nil
}

// redactor is where the run's output goes: one redactor for stdout and stderr, in
// front of a sink that keeps the output's first write error.
func (l *Launcher) redactor(s launcher.Spec) (*secrets.Redactor, *sink) {
	var out io.Writer = io.Discard
	if s.Output != nil {
		out = s.Output
	}
	sk := &sink{w: out}
	red := secrets.NewRedactor(sk, secrets.WithWarn(func(msg string) {
		l.log.Warn(msg, zap.String("flow_run_id", s.RunID))
	}))
	red.Add(s.Redact...)
	return red, sk
}

// checkSpec refuses a Spec that cannot run, or that would put a secret where anyone
// with access to the engine can read it.
func checkSpec(s launcher.Spec) error {
	if len(s.Argv) == 0 || s.Argv[0] == "" {
		return errors.New("docker launcher: the run has no command (empty argv); give the program to run")
	}
	if s.Image == "" {
		return errors.New("docker launcher: the run has no image; set one in its DockerRun run config or give the agent a default image")
	}
	if s.Dir != "" && !path.IsAbs(s.Dir) {
		return fmt.Errorf("docker launcher: %w: %q is not an absolute path inside the container; give the working directory from /",
			launcher.ErrWorkDirNotFound, s.Dir)
	}
	fields := map[string][]string{
		"command": s.Argv,
		"name":    {s.RunName, s.RunID},
		"image":   {s.Image},
		"labels":  slices.Concat(slices.Collect(maps.Keys(s.Labels)), slices.Collect(maps.Values(s.Labels))),
	}
	for _, field := range slices.Sorted(maps.Keys(fields)) {
		for _, v := range s.Redact {
			holds := func(f string) bool { return strings.Contains(f, v) }
			if len(v) >= secrets.MinRedactLength && slices.ContainsFunc(fields[field], holds) {
				return fmt.Errorf("docker launcher: the run's %s holds the value of one of its secrets; a secret may only "+
					"travel in the environment, since anyone who can use the Docker engine can read a container's %s", field, field)
			}
		}
	}
	return nil
}

// checkCommand fails for a command that the image does not have, as the local
// launcher does. The engine would not say at the start: the init process starts fine
// and only then fails to run the command. An image with an entrypoint takes the
// command as arguments, so there is nothing to check.
func (l *Launcher) checkCommand(ctx context.Context, id string, s launcher.Spec, img imageInfo) error {
	if len(img.entrypoint) > 0 {
		return nil
	}
	name := s.Argv[0]
	var candidates []string
	where := fmt.Sprintf("no executable %q in image %q", name, s.Image)
	switch {
	case path.IsAbs(name):
		candidates = []string{name}
	case strings.Contains(name, "/"):
		if s.Dir == "" {
			return nil // relative to the image's working directory
		}
		candidates = []string{path.Join(s.Dir, name)}
	default:
		pathList, ok := lookupEnv(s.Env, "PATH")
		if !ok {
			if pathList, ok = lookupEnv(img.env, "PATH"); !ok {
				pathList = defaultPath
			}
		}
		for _, dir := range strings.Split(pathList, ":") {
			if path.IsAbs(dir) {
				candidates = append(candidates, path.Join(dir, name))
			}
		}
		where = fmt.Sprintf("no executable %q in the PATH %q of the run in image %q", name, pathList, s.Image)
	}
	for _, c := range candidates {
		found, err := l.isExecutable(ctx, id, c)
		if err != nil {
			// The engine will tell, or the run's output will.
			l.log.Debug("could not check the command in the container", zap.String("container", id), zap.Error(err))
			return nil
		}
		if found {
			return nil
		}
	}
	return fmt.Errorf("docker launcher: %w: %s; install it in the image, fix PATH in the run's env, or give the full path",
		launcher.ErrCommandNotFound, where)
}

// isExecutable reports whether p is an executable file in the created container.
func (l *Launcher) isExecutable(ctx context.Context, id, p string) (bool, error) {
	for range 2 { // p, then the target of a link, which the engine resolves fully
		cctx, cancel := l.callCtx(ctx)
		res, err := l.api.ContainerStatPath(cctx, id, client.ContainerStatPathOptions{Path: p})
		cancel()
		switch {
		case cerrdefs.IsNotFound(err):
			return false, nil
		case err != nil:
			return false, err
		}
		mode := res.Stat.Mode
		if mode&os.ModeSymlink == 0 {
			return mode.IsRegular() && mode.Perm()&0o111 != 0, nil
		}
		p = res.Stat.LinkTarget
	}
	return false, nil
}

// lookupEnv returns the value of key in env; the last entry wins.
func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// startError says why the engine did not start the container.
func startError(s launcher.Spec, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "executable file not found") ||
		strings.Contains(msg, "exec: ") && strings.Contains(msg, "no such file or directory"):
		return fmt.Errorf("docker launcher: %w: %q cannot be run in image %q: %w", launcher.ErrCommandNotFound, s.Argv[0], s.Image, err)
	}
	return fmt.Errorf("docker launcher: starting the container: %w", err)
}
