package docker

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"go.uber.org/zap"

	"github.com/outposthq/outpost/launcher"
)

// Adopted and OutputFunc are the launcher package's; the docker launcher implements
// launcher.Adopter.
type (
	Adopted    = launcher.Adopted
	OutputFunc = launcher.OutputFunc
)

var _ launcher.Adopter = (*Launcher)(nil)

// Adopt finds the containers this agent left behind, such as before a restart: those
// labelled with its AgentID and io.outpost.managed=true, running or not. Each comes
// back with a Handle that follows it from now on: a running one's output from now on
// (through output), then its exit code, then its removal; one that has already exited
// reports its exit code at once and is removed. A container that was created but never
// started is removed, and its Result has exit code -1 and an Err that says so. A
// container kept by auto_remove: false is adopted while it runs and left alone once
// it has exited.
//
// The agent calls Adopt once, when it starts and before it launches anything:
// containers this Launcher launched itself would be followed twice.
func (l *Launcher) Adopt(ctx context.Context, output OutputFunc) ([]Adopted, error) {
	filters := client.Filters{}.Add("label", LabelManaged+"=true", LabelAgentID+"="+l.opts.AgentID)
	cctx, cancel := l.callCtx(ctx)
	list, err := l.api.ContainerList(cctx, client.ContainerListOptions{All: true, Filters: filters})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("docker launcher: listing the containers of agent %q: %w", l.opts.AgentID, err)
	}
	var adopted []Adopted
	for _, c := range list.Items {
		h, ok := l.adopt(c, output)
		if !ok {
			continue
		}
		adopted = append(adopted, Adopted{RunID: h.runID, ContainerID: c.ID, Labels: c.Labels, Handle: h})
	}
	return adopted, nil
}

// adopt starts following one listed container; false means it is left alone.
func (l *Launcher) adopt(c container.Summary, output OutputFunc) (*handle, bool) {
	keep := c.Labels[LabelKeep] == "true"
	name := ""
	if len(c.Names) > 0 {
		name = strings.TrimPrefix(c.Names[0], "/")
	}
	h := l.newHandle(c.ID, name, c.Labels[LabelFlowRunID], keep)
	switch c.State {
	case container.StateRemoving:
		return nil, false
	case container.StateExited, container.StateDead:
		if keep {
			return nil, false
		}
	case container.StateCreated:
		if keep {
			return nil, false
		}
		h.log.Info("removing a container that was created but never started")
		go h.finish(exit{code: -1, err: fmt.Errorf("docker launcher: container %s was created but never started; the agent that created it stopped first", c.ID)})
		return h, true
	default: // running, paused, restarting: follow its output from now on
		h.follow(output)
	}
	h.log.Info("adopted a container", zap.String("state", string(c.State)))
	// A container that is no longer running gives its exit code at once.
	wait := l.api.ContainerWait(h.ctx, c.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	go h.supervise(wait)
	return h, true
}

// follow attaches to the output of a running container, from now on.
func (h *handle) follow(output OutputFunc) {
	var s launcher.Spec
	if output != nil {
		s.Output, s.Redact = output(h.runID)
	}
	s.RunID = h.runID
	att, err := h.l.api.ContainerAttach(h.ctx, h.id, client.ContainerAttachOptions{Stream: true, Stdout: true, Stderr: true})
	if err != nil {
		h.log.Warn("cannot follow the output of an adopted container", zap.Error(err))
		return
	}
	red, sk := h.l.redactor(s)
	h.out = startOutput(att.HijackedResponse, red, sk)
}
