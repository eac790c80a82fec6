package docker

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"go.uber.org/zap"

	"github.com/outposthq/outpost/launcher"
)

// maxNameAttempts bounds the suffixes tried on container name conflicts.
const maxNameAttempts = 100

// initEntrypoints are init processes an image may already start as PID 1; such an
// image gets no second one.
var initEntrypoints = []string{"tini", "tini-static", "dumb-init", "docker-init", "catatonit"}

// plan is everything the create call needs.
type plan struct {
	name     string
	config   *container.Config
	host     runHost
	networks *network.NetworkingConfig
	connect  []string // networks connected after the create
}

// plan builds the container of s. Whether it gets an init process is left to
// setInit, once the image is known, unless the run config's host_config said.
func (l *Launcher) plan(s launcher.Spec) (plan, error) {
	env := s.Env
	if env == nil {
		env = []string{} // the engine still adds the image's own variables
	}
	cfg := &container.Config{
		Image:      s.Image,
		Cmd:        s.Argv,
		Env:        env,
		WorkingDir: s.Dir,
		Labels:     l.labels(s),
	}
	if len(l.volumes.MountPaths) > 0 {
		cfg.Volumes = map[string]struct{}{}
		for _, p := range l.volumes.MountPaths {
			cfg.Volumes[p] = struct{}{}
		}
	}
	h := runHost{hc: &container.HostConfig{Binds: slices.Clone(l.volumes.Binds)}}
	if l.hostGateway {
		h.hc.ExtraHosts = []string{"host.docker.internal:host-gateway"}
	}
	if err := h.exposePorts(s.Ports); err != nil {
		return plan{}, err
	}
	p := plan{name: containerName(s.RunName, s.RunID)}
	if len(l.opts.Networks) > 0 {
		first := l.opts.Networks[0]
		h.hc.NetworkMode = container.NetworkMode(first)
		p.networks = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{first: {}}}
		p.connect = l.opts.Networks[1:]
	}
	if err := h.applyHostConfig(s.HostConfig); err != nil {
		return plan{}, err
	}
	// host.docker.internal is for a container with a network of its own. On the host's
	// network it means nothing (the host is localhost there) and engines may refuse the
	// mapping, so it goes, unless the run config's host_config asked for extra_hosts.
	if _, own := s.HostConfig["extra_hosts"]; h.hc.NetworkMode.IsHost() && !own {
		h.hc.ExtraHosts = nil
	}
	if h.keep {
		cfg.Labels[LabelKeep] = "true"
	}
	cfg.ExposedPorts = h.exposed
	p.config, p.host = cfg, h
	return p, nil
}

// labels are the Spec's labels with the launcher's own, which win.
func (l *Launcher) labels(s launcher.Spec) map[string]string {
	labels := maps.Clone(s.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelFlowRunID] = s.RunID
	labels[LabelAgentID] = l.opts.AgentID
	labels[LabelManaged] = "true"
	return labels
}

// setInit gives the container an init process as PID 1 (docker run --init) unless the
// image starts one of its own or the run config's host_config decided.
func (p *plan) setInit(img imageInfo) {
	if p.host.hc.Init != nil {
		return
	}
	ep := img.entrypoint
	useInit := len(ep) == 0 || !slices.Contains(initEntrypoints, path.Base(ep[0]))
	p.host.hc.Init = &useInit
}

// ensureVolumes creates the agent's named volumes that are missing.
func (l *Launcher) ensureVolumes(ctx context.Context) error {
	for _, name := range l.volumes.NamedVolumes {
		cctx, cancel := l.callCtx(ctx)
		_, err := l.api.VolumeInspect(cctx, name, client.VolumeInspectOptions{})
		if cerrdefs.IsNotFound(err) {
			_, err = l.api.VolumeCreate(cctx, client.VolumeCreateOptions{
				Name:   name,
				Driver: "local",
				Labels: map[string]string{LabelManaged: "true", LabelAgentID: l.opts.AgentID},
			})
			if err == nil {
				l.log.Info("created volume", zap.String("volume", name))
			}
		}
		cancel()
		if err != nil {
			return fmt.Errorf("docker launcher: preparing the named volume %q: %w", name, err)
		}
	}
	return nil
}

// create creates the container, trying name-1, name-2, ... while the name is taken.
func (l *Launcher) create(ctx context.Context, p plan) (id, name string, err error) {
	name = p.name
	for attempt := 1; ; attempt++ {
		cctx, cancel := l.callCtx(ctx)
		res, err := l.api.ContainerCreate(cctx, client.ContainerCreateOptions{
			Config:           p.config,
			HostConfig:       p.host.hc,
			NetworkingConfig: p.networks,
			Name:             name,
		})
		cancel()
		if err == nil {
			for _, w := range res.Warnings {
				l.log.Warn("the engine warned about the container", zap.String("container", res.ID), zap.String("warning", w))
			}
			return res.ID, name, nil
		}
		if !isNameConflict(err) || p.name == "" {
			return "", "", l.createError(p, err)
		}
		if attempt == maxNameAttempts {
			return "", "", fmt.Errorf("docker launcher: the container names %s to %s-%d are all taken; remove old containers (docker ps -a): %w",
				p.name, p.name, attempt-1, err)
		}
		name = p.name + "-" + strconv.Itoa(attempt)
	}
}

// isNameConflict tells a taken container name from other conflicts.
func isNameConflict(err error) bool {
	return cerrdefs.IsConflict(err) && strings.Contains(err.Error(), "name")
}

func (l *Launcher) createError(p plan, err error) error {
	msg := err.Error()
	switch dir := p.config.WorkingDir; {
	case cerrdefs.IsNotFound(err) && strings.Contains(msg, "network"):
		return fmt.Errorf("docker launcher: creating the container: %w; check the agent's networks %q (docker network ls)", err, l.opts.Networks)
	case dir != "" && strings.Contains(msg, "not a directory"):
		return fmt.Errorf("docker launcher: %w: %q is not a directory in image %q; change the run's working directory: %w",
			launcher.ErrWorkDirNotFound, dir, p.config.Image, err)
	}
	return fmt.Errorf("docker launcher: creating the container from image %q: %w", p.config.Image, err)
}

// connectNetworks attaches the container to the agent's other networks.
func (l *Launcher) connectNetworks(ctx context.Context, id string, nets []string) error {
	for _, name := range nets {
		cctx, cancel := l.callCtx(ctx)
		_, err := l.api.NetworkConnect(cctx, name, client.NetworkConnectOptions{Container: id})
		cancel()
		if err != nil {
			return networkError(name, err)
		}
	}
	return nil
}

func networkError(name string, err error) error {
	if cerrdefs.IsNotFound(err) {
		return fmt.Errorf("docker launcher: network %q does not exist; create it (docker network create %s) or fix the agent's --network: %w", name, name, err)
	}
	return fmt.Errorf("docker launcher: network %q: %w", name, err)
}
