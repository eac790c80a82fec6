package agent

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
)

// health tracks whether the backend answers, for /api/health: healthy while the last
// polls did not all fail and the backend answered within the window. With a launcher
// that can be pinged (Docker), its engine must answer too; each health request asks it.
type health struct {
	window time.Duration
	engine pinger      // nil when the launcher has no engine to ask
	log    *zap.Logger // says when the engine stops and starts answering

	mu          sync.Mutex
	lastContact time.Time // zero until the agent has registered
	failures    int       // polls in a row that failed
	lastErr     string
	engineErr   string // why the engine did not answer the last ping; "" when it did
}

func (h *health) registered(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastContact, h.failures, h.lastErr = now, 0, ""
}

// answered records a poll the backend answered, and reports whether polls were failing
// before it (the backend is back).
func (h *health) answered(now time.Time) (recovered bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	recovered = h.failures > 0
	h.lastContact, h.failures, h.lastErr = now, 0, ""
	return recovered
}

func (h *health) failed(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failures++
	h.lastErr = err.Error()
}

// pingEngine asks the launcher's engine whether it answers, and records the answer.
func (h *health) pingEngine(ctx context.Context) error {
	if h.engine == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	err := h.engine.Ping(ctx)
	h.mu.Lock()
	was := h.engineErr
	h.engineErr = ""
	if err != nil {
		h.engineErr = err.Error()
	}
	h.mu.Unlock()
	switch {
	case err != nil && was == "":
		h.log.Warn("The launcher's engine does not answer: no flow run is claimed until it does; runs already started are still followed", zap.Error(err))
	case err == nil && was != "":
		h.log.Info("The launcher's engine answers again")
	}
	return err
}

// status returns "" when healthy, else why not.
func (h *health) status(now time.Time) string {
	if err := h.pingEngine(context.Background()); err != nil {
		if backend := h.backendStatus(now); backend != "" {
			return err.Error() + "; " + backend
		}
		return err.Error()
	}
	return h.backendStatus(now)
}

// backendStatus returns "" when the backend answers, else why not.
func (h *health) backendStatus(now time.Time) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.lastContact.IsZero() && h.lastErr != "":
		return "not registered with the backend yet: " + h.lastErr
	case h.lastContact.IsZero():
		return "not registered with the backend yet"
	case h.failures >= unhealthyAfter:
		return fmt.Sprintf("the last %d polls failed: %s", h.failures, h.lastErr)
	case now.Sub(h.lastContact) > h.window:
		return fmt.Sprintf("the backend has not answered for %s (last answer at %s)",
			now.Sub(h.lastContact).Round(time.Second), h.lastContact.UTC().Format(time.RFC3339))
	}
	return ""
}
