// Package docker launches flow runs as Docker containers through the Engine API, the
// way Prefect's Docker agent does, with what it lacked: exit codes are collected,
// containers are removed once their run is over, and an agent that restarts adopts the
// containers it left running.
//
// The life of a run, as Launch and its Handle see it:
//
//  1. The image is checked against the registry allow-list, then pulled as the pull
//     policy says, with the credentials docker login stored on this host; transient
//     pull errors are retried with a capped backoff.
//  2. The agent's named volumes are created when missing, labelled
//     io.outpost.managed=true.
//  3. The container is created with the Spec's image, command, environment, working
//     directory and labels (plus io.prefect.flow-run-id, io.outpost.agent-id and
//     io.outpost.managed=true), the agent's volumes, host.docker.internal mapped to
//     the host (unless on the host's network), the run config's ports and
//     host_config, and an init process as PID 1 (docker run --init) so that signals
//     reach the run and orphans are reaped. Its name is the slug of the run's name,
//     with -1, -2, ... on a name conflict. The first network is set at create time,
//     the others are connected before start.
//  4. A command the image lacks fails the launch with launcher.ErrCommandNotFound,
//     checked in the created container: under an init the start itself succeeds. A
//     missing working directory is created by the engine, as docker run -w does.
//  5. Before the start, a wait for the container's next exit is registered and its
//     output is attached, so that neither a fast exit nor a first line is missed.
//  6. Output (stdout and stderr, demultiplexed) goes through one secrets.Redactor into
//     Spec.Output. Docker carries the two streams apart, so their relative order is
//     not kept; each stream's own order is.
//  7. Once the container has exited, its exit code is collected, its output is read
//     to the end and the redactor flushed; then the container is removed with its
//     anonymous volumes, and Wait returns. An exit status 128+n reads as killed by
//     signal n: the engine reports no more than the status.
//
// Stop asks the engine to stop the container: SIGTERM, then SIGKILL after the grace.
// Adopt finds the containers an earlier process of the same agent left behind.
//
// A secret only ever travels in Spec.Env: Launch refuses a run whose command, labels
// or name hold the value of one of its Spec.Redact secrets.
package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"go.uber.org/zap"

	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/runconfig"
)

// Labels the launcher puts on what it creates.
const (
	LabelFlowRunID = launcher.LabelFlowRunID
	LabelFlowName  = launcher.LabelFlowName
	LabelFlowID    = launcher.LabelFlowID
	LabelAgentID   = "io.outpost.agent-id"
	LabelManaged   = "io.outpost.managed"
	// LabelKeep marks a container whose run config asked for auto_remove: false; it is
	// left in place once its run is over.
	LabelKeep = "io.outpost.keep"
)

// Defaults for the options.
const (
	// DefaultTimeout bounds each short Engine API call, as Prefect's
	// docker_client_timeout does.
	DefaultTimeout = 60 * time.Second
	// DefaultDrainTimeout is how long the output may keep flowing after the container
	// exited before reading stops.
	DefaultDrainTimeout = 10 * time.Second
)

// Clock is the time source for waits between retries. Tests inject one to end a
// backoff at will.
type Clock interface {
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configure a Launcher.
type Options struct {
	// Host is the engine's address (unix:///var/run/docker.sock, tcp://host:2376). ""
	// takes DOCKER_HOST, else the local socket; DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and
	// DOCKER_API_VERSION apply too.
	Host string
	// Timeout bounds each short Engine API call (DefaultTimeout); streams (output,
	// pulls) and stops are bounded by their own rules instead.
	Timeout time.Duration
	// AgentID is labelled on every container and named volume, so that Adopt finds
	// this agent's own; keep it the same across restarts of the agent.
	AgentID string
	// Volumes are the agent's --volume specs (runconfig.ParseVolumes).
	Volumes []string
	// Networks are the agent's --network names: the first is set at create time, the
	// others are connected before the start. Each must exist.
	Networks []string
	// PullPolicy says when images are pulled; the zero value is Prefect's rule.
	PullPolicy PullPolicy
	// AllowList holds the registries images may come from; empty allows all.
	AllowList []string
	// DockerConfig is the docker CLI's config.json whose registry credentials (from
	// docker login: its auths, credsStore and credHelpers) pulls use. "" is
	// $DOCKER_CONFIG/config.json, else ~/.docker/config.json; a missing file means no
	// credentials.
	DockerConfig string
	// DrainTimeout bounds the output after the container exited (DefaultDrainTimeout).
	DrainTimeout time.Duration
	// Logger gets the launcher's own messages (pulls, created volumes, retries); nil
	// discards them. The environment of a run is never logged.
	Logger *zap.Logger
	// Clock times the waits between retries (the real clock by default).
	Clock Clock
}

// Launcher starts runs as Docker containers. It is safe for concurrent use. The zero
// value is not usable; call New.
type Launcher struct {
	api     *client.Client
	opts    Options
	volumes runconfig.VolumeSet
	// hostGateway is set when the engine can map host.docker.internal to the host
	// (Linux engines from 20.10 on).
	hostGateway bool
	log         *zap.Logger
}

// New connects to the engine, negotiates the API version, and checks the options: the
// volume specs must parse and the networks must exist.
func New(ctx context.Context, opts Options) (*Launcher, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if err := opts.PullPolicy.validate(); err != nil {
		return nil, err
	}
	vols, err := runconfig.ParseVolumes(opts.Volumes)
	if err != nil {
		return nil, fmt.Errorf("docker launcher: %w", err)
	}
	clientOpts := []client.Opt{client.FromEnv}
	if opts.Host != "" {
		clientOpts = append(clientOpts, client.WithHost(opts.Host))
	}
	api, err := client.New(clientOpts...)
	host := opts.Host
	if err == nil {
		host = api.DaemonHost()
		if err = checkHost(host); err != nil {
			api.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("docker launcher: the Docker address %q is not valid: %w; fix DOCKER_HOST or the host option (unix:///var/run/docker.sock, tcp://host:2376)", host, err)
	}
	l := &Launcher{api: api, opts: opts, volumes: vols, log: opts.Logger}
	if err := l.connect(ctx); err != nil {
		api.Close()
		return nil, err
	}
	if err := l.checkNetworks(ctx); err != nil {
		api.Close()
		return nil, err
	}
	return l, nil
}

// Close releases the launcher's connections to the engine. Call it once every handle
// of the launcher has been waited for.
func (l *Launcher) Close() error { return l.api.Close() }

// connect pings the engine, negotiating the API version, and learns what it supports.
func (l *Launcher) connect(ctx context.Context) error {
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	ping, err := l.api.Ping(cctx, client.PingOptions{NegotiateAPIVersion: true})
	if err != nil {
		return l.unreachable(err)
	}
	ver, err := l.api.ServerVersion(cctx, client.ServerVersionOptions{})
	if err != nil {
		return l.unreachable(err)
	}
	l.hostGateway = ping.OSType == "linux" && versionAtLeast(ver.Version, 20, 10)
	if !l.hostGateway {
		l.log.Warn("host.docker.internal cannot be mapped to the host on this engine (it needs a Linux engine 20.10 or later); a run that reaches the API through it will fail",
			zap.String("engine_version", ver.Version), zap.String("engine_os", ping.OSType))
	}
	l.log.Debug("connected to the Docker engine", zap.String("host", l.api.DaemonHost()),
		zap.String("engine_version", ver.Version), zap.String("api_version", l.api.ClientVersion()))
	return nil
}

// Ping reports whether the engine answers, with what to check when it does not. The
// agent's health check asks it.
func (l *Launcher) Ping(ctx context.Context) error {
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	if _, err := l.api.Ping(cctx, client.PingOptions{}); err != nil {
		return l.unreachable(err)
	}
	return nil
}

// unreachable says what to check when the engine does not answer.
func (l *Launcher) unreachable(err error) error {
	host := l.api.DaemonHost()
	hint := "check that the Docker daemon is running there and that DOCKER_HOST (or the host option) points at it"
	if sock, ok := strings.CutPrefix(host, "unix://"); ok {
		hint += fmt.Sprintf(", and that this user may use %s (root, or a member of the docker group)", sock)
	}
	return fmt.Errorf("docker launcher: cannot reach the Docker engine at %s: %w; %s", host, err, hint)
}

// checkNetworks makes sure every network of the options exists.
func (l *Launcher) checkNetworks(ctx context.Context) error {
	var errs []error
	for _, name := range l.opts.Networks {
		cctx, cancel := l.callCtx(ctx)
		_, err := l.api.NetworkInspect(cctx, name, client.NetworkInspectOptions{})
		cancel()
		if err != nil {
			errs = append(errs, networkError(name, err))
		}
	}
	return errors.Join(errs...)
}

// hostSchemes are the transports the engine client speaks.
var hostSchemes = []string{"unix", "tcp", "http", "https", "npipe"}

func checkHost(host string) error {
	u, err := client.ParseHostURL(host)
	if err != nil {
		return err
	}
	if !slices.Contains(hostSchemes, u.Scheme) {
		return fmt.Errorf("scheme %q is not one of %s", u.Scheme, strings.Join(hostSchemes, ", "))
	}
	return nil
}

// callCtx bounds one short Engine API call by the launcher's timeout.
func (l *Launcher) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, l.opts.Timeout)
}

// versionAtLeast reports whether an engine version such as "20.10.24+dfsg1" is at
// least major.minor. An unparsable version counts as recent: engines that old are
// rare, and the create call would name the problem.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return true
	}
	maj, err1 := strconv.Atoi(parts[0])
	mnr, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return true
	}
	return maj > major || maj == major && mnr >= minor
}
