package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/launcher"
)

// Adoption retries: an engine that does not answer at start is asked again.
const (
	adoptRetryBase = time.Second
	adoptRetryMax  = 30 * time.Second
)

// adopter is a launcher that can take over the runs an earlier process of this agent
// left running (the Docker launcher finds its containers by their owner label).
type adopter = launcher.Adopter

// runReader is a backend that reads one flow run (*api.Client); an unknown id is an
// error matching api.ErrNotFound.
type runReader interface {
	FlowRun(ctx context.Context, id string) (api.FlowRunInfo, error)
}

// OwnerID is the id a container launcher labels this agent's runs with, so that the
// agent finds them again after a restart: create the launcher with it (the Docker
// launcher's AgentID). It depends only on the agent's name and backend URL, so it
// stays the same across restarts and upgrades, unlike the registered agent id (which
// the backend derives from the labels and the agent's version as well), and agents of
// different backends or names sharing one engine never take each other's runs.
func OwnerID(name, apiURL string) string {
	if name == "" {
		name = DefaultName
	}
	sum := sha256.Sum256([]byte(name + "\x00" + apiURL))
	return name + "-" + hex.EncodeToString(sum[:6])
}

// adopt takes over, before anything is launched, the runs an earlier process of this
// agent left running (a crash, a kill, an upgrade): each is followed as if this process
// had launched it, so it can be cancelled, its container is removed at its end, and it
// is set Failed if it ended without a final state. An engine that does not answer is
// asked again until it does: launching first would let the adoption take this process's
// own runs for left-overs. It returns once done, or when the agent stops first.
func (a *Agent) adopt(ctx context.Context) {
	ad, ok := a.deps.Launcher.(adopter)
	if !ok {
		return
	}
	for attempt := 1; ; attempt++ {
		err := a.adoptOnce(ctx, ad)
		if err == nil || ctx.Err() != nil || a.stopped() {
			return
		}
		wait := a.retryDelay(attempt, adoptRetryBase, adoptRetryMax)
		a.log.Error(fmt.Sprintf("Could not look for the flow runs an earlier agent process left running; no flow run is claimed until then; trying again in %s seconds", pySeconds(wait)), zap.Error(err))
		if !a.sleep(ctx, wait, a.stop) {
			return
		}
	}
}

// adoption is one left-over run as the agent will follow it.
type adoption struct {
	run     *run
	out     *lineWriter
	redact  []string
	unknown bool // the backend knows no such run
	taken   bool // a container of the run is followed already
}

func (a *Agent) adoptOnce(ctx context.Context, ad adopter) error {
	found := map[string]*adoption{}
	prepare := func(runID string) *adoption {
		x, ok := found[runID]
		if !ok {
			x = a.prepareAdoption(ctx, runID)
			found[runID] = x
		}
		return x
	}
	// Adopt asks for the output of each running container as it finds it.
	adopted, err := ad.Adopt(ctx, func(runID string) (io.Writer, []string) {
		x := prepare(runID)
		return x.out, x.redact
	})
	if err != nil {
		return err
	}
	for _, c := range adopted {
		a.follow(prepare(c.RunID), c)
	}
	if len(adopted) > 0 {
		a.log.Info(fmt.Sprintf("Adopted %d container(s) an earlier agent process left", len(adopted)))
	}
	return nil
}

// prepareAdoption reads what the backend knows of a left-over run: its name for its
// output, and the secrets of its spec to redact. Output whose secrets cannot be known
// is not shown.
func (a *Agent) prepareAdoption(ctx context.Context, runID string) *adoption {
	meta := api.FlowRunMeta{ID: runID}
	x := &adoption{}
	known := false
	if rr, ok := a.backend.(runReader); ok {
		info, err := rr.FlowRun(ctx, runID)
		switch {
		case errors.Is(err, api.ErrNotFound):
			x.unknown = true
		case err != nil:
			a.log.Warn(fmt.Sprintf("Could not read adopted flow run %s; its output is not shown", runID), zap.Error(err))
		default:
			meta = api.FlowRunMeta{
				ID: info.ID, Name: info.Name, Version: info.Version, State: info.State,
				RunConfig: info.RunConfig, Labels: info.Labels,
				Flow: api.FlowMeta{ID: info.Flow.ID, Name: info.Flow.Name, Storage: info.Flow.Storage, CoreVersion: info.Flow.CoreVersion},
			}
			known = true
		}
	}
	x.run = &run{meta: meta, claimed: true}
	x.out = a.output(x.run)
	if !a.cfg.ShowFlowLogs {
		return x
	}
	if known {
		spec, err := a.dockerSpec(ctx, meta)
		if err == nil {
			x.redact = spec.Redact
			return x
		}
		a.log.Warn(fmt.Sprintf("Cannot tell the secrets of adopted flow run %s; its output is not shown", runID), zap.Error(err))
	}
	x.out.out = io.Discard
	return x
}

// follow tracks one adopted container to its end, as deploy does a launched one.
func (a *Agent) follow(x *adoption, c launcher.Adopted) {
	id := c.RunID
	switch {
	case x.unknown:
		a.log.Warn(fmt.Sprintf("Container %s is of flow run %s, which the backend does not know: stopping it", c.ContainerID, id))
		a.discard(c.Handle)
		return
	case x.taken || !a.runs.add(x.run):
		a.log.Warn(fmt.Sprintf("Container %s is a second one of flow run %s: stopping it", c.ContainerID, id))
		a.discard(c.Handle)
		return
	}
	x.taken = true
	x.run.setHandle(c.Handle)
	a.log.Info(fmt.Sprintf("Adopted flow run %s (%s), left running by an earlier agent process", id, c.Handle.ID()))
	a.work.Go(func() {
		defer a.release(x.run)
		a.track(x.run, c.Handle, x.out)
	})
}

// discard stops a container that is no run of this agent's, and waits for its removal.
func (a *Agent) discard(h launcher.Handle) {
	a.work.Go(func() {
		if err := h.Stop(a.life, a.cfg.CancelGrace); err != nil {
			a.log.Error("Could not stop the container "+h.ID(), zap.Error(err))
		}
	})
}

// add puts an adopted run in the set whatever the concurrency limit, since it runs
// already; it counts against the limit like any other. false: its id is in flight.
func (s *runSet) add(r *run) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, busy := s.runs[r.id()]; busy {
		return false
	}
	s.runs[r.id()] = r
	return true
}
