package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"
)

// health answers 200 {"status":"ok"} when the database answers, 503 otherwise.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	status, body := http.StatusOK, map[string]string{"status": "ok"}
	if _, err := s.store.Tenants(ctx); err != nil {
		s.log.Warn("health check: database unavailable", zap.Error(err))
		status, body = http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database unavailable"}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

const indexText = `Outpost embedded backend: the Prefect Server 1.x GraphQL API.
POST GraphQL requests to / or /graphql; GET /health reports status.
`

func index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(indexText))
}

// redactDSN hides a PostgreSQL password, so the database can be logged.
func redactDSN(dsn string) string {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable URL hidden)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
