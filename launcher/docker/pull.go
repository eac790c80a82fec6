package docker

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/client"
	"go.uber.org/zap"
)

// PullPolicy says when an image is pulled before its container is created.
type PullPolicy string

const (
	// PullDefault is Prefect's rule: an image whose name has a "/" (a registry or an
	// account, as in prefecthq/prefect) is pulled every time; a bare name (python:3.9,
	// a locally built myflow:dev) is pulled only when it is missing, where Prefect never
	// pulled it at all.
	PullDefault PullPolicy = ""
	// PullAlways pulls every image before every run, so a moved tag is followed.
	PullAlways PullPolicy = "always"
	// PullIfNotPresent pulls only images missing on this host.
	PullIfNotPresent PullPolicy = "if-not-present"
	// PullNever never pulls (Prefect's --no-pull): images must be on this host.
	PullNever PullPolicy = "never"
)

// Pull retries: transient failures (the registry or the network) are tried this many
// times in all, waiting twice as long after each failure, up to the cap.
const (
	pullAttempts    = 3
	pullFirstDelay  = 2 * time.Second
	pullMaxDelay    = 10 * time.Second
	pullPolicyNames = "always, if-not-present or never"
)

// ParsePullPolicy reads a pull policy as given on the command line or in the config.
// "" is PullDefault.
func ParsePullPolicy(s string) (PullPolicy, error) {
	p := PullPolicy(strings.ToLower(strings.TrimSpace(s)))
	if p.validate() != nil {
		return "", fmt.Errorf("docker launcher: unknown pull policy %q; use %s", s, pullPolicyNames)
	}
	return p, nil
}

func (p PullPolicy) validate() error {
	switch p {
	case PullDefault, PullAlways, PullIfNotPresent, PullNever:
		return nil
	}
	return fmt.Errorf("docker launcher: unknown pull policy %q; use %s", string(p), pullPolicyNames)
}

// String names the policy as messages show it.
func (p PullPolicy) String() string {
	if p == PullDefault {
		return "default"
	}
	return string(p)
}

// imageIDPattern matches an image given by its ID, which no registry serves.
var imageIDPattern = regexp.MustCompile(`^(sha256:)?[a-f0-9]{64}$`)

// forImage is the policy that applies to image.
func (p PullPolicy) forImage(image string) PullPolicy {
	switch {
	case imageIDPattern.MatchString(image):
		return PullNever
	case p != PullDefault:
		return p
	case strings.Contains(image, "/"):
		return PullAlways
	default:
		return PullIfNotPresent
	}
}

// imageInfo is what a launch needs to know of its image.
type imageInfo struct {
	entrypoint []string
	env        []string
}

// ensureImage makes the image available as the pull policy says and returns its
// configuration.
func (l *Launcher) ensureImage(ctx context.Context, image string) (imageInfo, error) {
	policy := l.opts.PullPolicy.forImage(image)
	if policy == PullAlways {
		if err := l.pull(ctx, image, policy); err != nil {
			return imageInfo{}, err
		}
		return l.inspectImage(ctx, image, policy)
	}
	info, err := l.inspectImage(ctx, image, policy)
	if policy == PullNever || !cerrdefs.IsNotFound(err) {
		return info, err
	}
	if err := l.pull(ctx, image, policy); err != nil {
		return imageInfo{}, err
	}
	return l.inspectImage(ctx, image, policy)
}

func (l *Launcher) inspectImage(ctx context.Context, image string, policy PullPolicy) (imageInfo, error) {
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	res, err := l.api.ImageInspect(cctx, image)
	switch {
	case cerrdefs.IsNotFound(err) && policy == PullNever:
		return imageInfo{}, fmt.Errorf("docker launcher: image %q is not on this host, and pull policy %s forbids pulling it; pull it first (docker pull %s) or change the pull policy: %w",
			image, policy, image, err)
	case err != nil:
		return imageInfo{}, fmt.Errorf("docker launcher: inspecting image %q: %w", image, err)
	}
	var info imageInfo
	if c := res.Config; c != nil {
		info.entrypoint, info.env = c.Entrypoint, c.Env
	}
	return info, nil
}

// pull pulls image, retrying transient failures.
func (l *Launcher) pull(ctx context.Context, image string, policy PullPolicy) error {
	auth, err := l.registryAuth(ctx, image)
	if err != nil {
		return err
	}
	delay := pullFirstDelay
	for attempt := 1; ; attempt++ {
		l.log.Info("pulling image", zap.String("image", image), zap.Stringer("pull_policy", policy), zap.Int("attempt", attempt))
		err := l.pullOnce(ctx, image, auth)
		if err == nil {
			l.log.Info("pulled image", zap.String("image", image))
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("docker launcher: pulling image %q: the launch was cancelled: %w", image, errors.Join(err, ctx.Err()))
		}
		if permanentPullError(err) || attempt == pullAttempts {
			return pullError(image, policy, attempt, err)
		}
		l.log.Warn("pulling image failed; retrying", zap.String("image", image), zap.Error(err), zap.Duration("delay", delay))
		select {
		case <-l.opts.Clock.After(delay):
		case <-ctx.Done():
			return fmt.Errorf("docker launcher: pulling image %q: the launch was cancelled: %w", image, errors.Join(err, ctx.Err()))
		}
		delay = min(2*delay, pullMaxDelay)
	}
}

// pullOnce pulls image with auth, the encoded credentials for its registry ("" for
// none).
func (l *Launcher) pullOnce(ctx context.Context, image, auth string) error {
	resp, err := l.api.ImagePull(ctx, image, client.ImagePullOptions{RegistryAuth: auth})
	if err != nil {
		return err
	}
	defer resp.Close()
	return resp.Wait(ctx) // errors inside the progress stream, too
}

// permanentPullError tells the failures that a retry cannot fix: the image or the
// registry does not exist, access is denied, the reference is malformed, or the
// launch was cancelled.
func permanentPullError(err error) bool {
	return accessDenied(err) || cerrdefs.IsNotFound(err) || cerrdefs.IsInvalidArgument(err) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		mentionsAny(err, "not found", "manifest unknown", "invalid reference")
}

// accessDenied tells a registry that wants credentials or refuses them; the engine
// does not always give such an error its status.
func accessDenied(err error) bool {
	return cerrdefs.IsUnauthorized(err) || cerrdefs.IsPermissionDenied(err) ||
		mentionsAny(err, "unauthorized", "denied", "authentication required", "no basic auth credentials")
}

func mentionsAny(err error, texts ...string) bool {
	msg := strings.ToLower(err.Error())
	return slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(msg, s) })
}

func pullError(image string, policy PullPolicy, attempts int, err error) error {
	what := "the registry or the network failed"
	switch {
	case accessDenied(err):
		what = "the registry refused access; check the image name, and log in to the registry on this host (docker login)"
	case permanentPullError(err):
		what = "check the image name and tag, and that the registry has it"
	}
	return fmt.Errorf("docker launcher: pulling image %q (pull policy %s) failed after %d attempt(s): %w; %s",
		image, policy, attempts, err, what)
}

// checkAllowed refuses an image whose registry is not in the allow-list. An entry
// matches the image's registry host (docker.io for Docker Hub names) or, as in
// Prefect's reg_allow_list, the first part of a name that has a "/" (prefecthq in
// prefecthq/prefect). Every image is checked, pulled or not.
func checkAllowed(image string, allow []string) error {
	if len(allow) == 0 {
		return nil
	}
	if imageIDPattern.MatchString(image) {
		return fmt.Errorf("docker launcher: image %q is given by ID, so its registry cannot be checked against the registry allow-list %q; name the image with an allowed registry",
			image, allow)
	}
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return fmt.Errorf("docker launcher: %q is not a valid image reference: %w", image, err)
	}
	host := normalizeRegistry(reference.Domain(named))
	first, _, hasSlash := strings.Cut(image, "/")
	for _, a := range allow {
		if normalizeRegistry(a) == host || hasSlash && a == first {
			return nil
		}
	}
	return fmt.Errorf("docker launcher: image %q comes from the registry %q, which is not in the registry allow-list %q; use an image from an allowed registry or add %q to the allow-list",
		image, host, allow, host)
}

// dockerHubAliases are the names Docker Hub goes by.
var dockerHubAliases = []string{"docker.io", "index.docker.io", "registry-1.docker.io"}

func normalizeRegistry(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	s, _, _ = strings.Cut(s, "/")
	if slices.Contains(dockerHubAliases, s) {
		return "docker.io"
	}
	return s
}
