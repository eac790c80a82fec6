package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/server/store"
)

// maxReschedules is how often a run that lost its heartbeat is put back in the queue
// before it is failed (Prefect Server's Lazarus limit).
const maxReschedules = 3

// rescheduledPrefix starts the message of every reschedule, which is how earlier
// reschedules are counted in a run's state history.
const rescheduledPrefix = "Rescheduled: no heartbeat"

// lostStates are the states a run keeps only while its flow-run process heartbeats.
var lostStates = []string{"Submitted", "Running"}

// runStore is what the background services need from the store.
type runStore interface {
	StaleRuns(ctx context.Context, states []string, olderThan time.Time) ([]store.FlowRun, error)
	FlowRunStates(ctx context.Context, runID string) ([]store.State, error)
	SetFlowRunState(ctx context.Context, u store.StateUpdate) (int, error)
}

// services are the loops that keep runs moving when their process is gone.
type services struct {
	store   runStore
	log     *zap.Logger
	now     func() time.Time
	timeout time.Duration         // heartbeat age after which a run is considered lost
	notify  func(tenantID string) // a run is back in the queue
}

// loop runs one pass per tick until ctx ends. The first pass runs at once, so runs
// orphaned by a crash are picked up as soon as the server is back.
func (s *services) loop(ctx context.Context, tick <-chan time.Time) {
	for {
		if err := s.rescueLostRuns(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("rescheduling runs with a lost heartbeat failed; will retry", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}

// rescueLostRuns puts back in the queue the Submitted and Running runs whose
// heartbeat is older than the timeout: their process died with its host, or never
// started. After maxReschedules such attempts a run is failed instead, so a flow that
// kills its host cannot loop for ever.
func (s *services) rescueLostRuns(ctx context.Context) error {
	now := s.now()
	runs, err := s.store.StaleRuns(ctx, lostStates, now.Add(-s.timeout))
	if err != nil {
		return fmt.Errorf("list runs with a lost heartbeat: %w", err)
	}
	var errs []error
	for _, run := range runs {
		if err := s.rescue(ctx, run, now); err != nil {
			errs = append(errs, fmt.Errorf("flow run %s: %w", run.ID, err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

func (s *services) rescue(ctx context.Context, run store.FlowRun, now time.Time) error {
	history, err := s.store.FlowRunStates(ctx, run.ID)
	if err != nil {
		return fmt.Errorf("read state history: %w", err)
	}
	attempts := 0
	for _, st := range history {
		if st.Type == "Scheduled" && strings.HasPrefix(st.Message, rescheduledPrefix) {
			attempts++
		}
	}
	log := s.log.With(zap.String("flow_run_id", run.ID), zap.String("state", run.State.Type))

	var next store.State
	if attempts >= maxReschedules {
		msg := fmt.Sprintf("Marked failed: the run's heartbeat was lost %d times; it was rescheduled after each "+
			"and lost it again (no heartbeat for %s while %s).", attempts, s.timeout, run.State.Type)
		next = newState("Failed", msg, nil, now)
	} else {
		msg := fmt.Sprintf("%s for %s while %s; the flow-run process is gone. This is attempt %d of %d.",
			rescheduledPrefix, s.timeout, run.State.Type, attempts+1, maxReschedules)
		next = newState("Scheduled", msg, &now, now)
	}
	// The version read guards against a run that changed state meanwhile (it finished,
	// or another replica rescheduled it): such a run is left alone.
	version := run.Version
	_, err = s.store.SetFlowRunState(ctx, store.StateUpdate{RunID: run.ID, ExpectedVersion: &version, State: next})
	if errors.Is(err, store.ErrVersionLock) {
		log.Debug("run changed while being rescheduled; left alone")
		return nil
	}
	if err != nil {
		return fmt.Errorf("set %s: %w", next.Type, err)
	}
	if next.Type == "Failed" {
		log.Error("failed a run whose heartbeat was lost too often", zap.Int("reschedules", attempts))
		return nil
	}
	log.Info("rescheduled a run whose heartbeat was lost", zap.Int("attempt", attempts+1))
	s.notify(run.TenantID)
	return nil
}

// newState builds a state; the store writes its serialized form, as Prefect's
// StateSchema would, since agents and flow runners load serialized_state with it.
func newState(typ, msg string, start *time.Time, now time.Time) store.State {
	return store.State{Type: typ, Message: msg, StartTime: start, Timestamp: now}
}
