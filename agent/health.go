package agent

import (
	"fmt"
	"sync"
	"time"
)

// health tracks whether the backend answers, for /api/health: healthy while the last
// polls did not all fail and the backend answered within the window.
type health struct {
	window time.Duration

	mu          sync.Mutex
	lastContact time.Time // zero until the agent has registered
	failures    int       // polls in a row that failed
	lastErr     string
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

// status returns "" when healthy, else why not.
func (h *health) status(now time.Time) string {
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
