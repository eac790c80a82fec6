package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/outposthq/outpost/server/auth"
)

// The run-wait long poll lets an idle agent learn of new runs at once instead of on its
// next poll. It is Outpost's own endpoint (Prefect Server has none; agents that get a
// 404 simply keep polling):
//
//	GET /api/outpost/runs/wait?since=N&timeout=25s   (the same API key as GraphQL)
//	200 {"seq": M}
//
// M is the tenant's run-event sequence: it moves on whenever a run is created or
// rescheduled. The answer comes at once when M != N, otherwise when an event happens or
// the timeout (default 25 s, at most 60 s) passes, in which case M == N. The agent polls
// get_runs_in_queue whenever M moves on.
const (
	waitPath           = "/api/outpost/runs/wait"
	defaultWaitTimeout = 25 * time.Second
	maxWaitTimeout     = 60 * time.Second
)

func (s *Server) waitForRuns(w http.ResponseWriter, r *http.Request) {
	id := auth.FromContext(r.Context()).Identity
	if id == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "UNAUTHENTICATED: an API key is required"})
		return
	}
	q := r.URL.Query()
	since, err := strconv.ParseUint(q.Get("since"), 10, 64)
	if err != nil && q.Get("since") != "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "since must be a non-negative integer"})
		return
	}
	timeout := defaultWaitTimeout
	if t := q.Get("timeout"); t != "" {
		if timeout, err = time.ParseDuration(t); err != nil || timeout <= 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "timeout must be a positive duration such as 25s"})
			return
		}
		timeout = min(timeout, maxWaitTimeout)
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	seq, err := s.notifier.Wait(ctx, id.TenantID, since)
	switch {
	case err == nil, errors.Is(err, context.DeadlineExceeded):
		writeJSON(w, http.StatusOK, map[string]uint64{"seq": seq})
	case errors.Is(err, ErrNotifierClosed):
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "server shutting down"})
	default: // the client went away
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
