package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// serverShutdownGrace bounds how long requests in flight may finish at shutdown.
const serverShutdownGrace = time.Second

// listen binds the agent address, so that a port already in use fails Run at once.
func (a *Agent) listen() (net.Listener, error) {
	addr, err := listenAddress(a.cfg.AgentAddress)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("agent: serve the agent address %s (is another agent using the port?): %w", a.cfg.AgentAddress, err)
	}
	return ln, nil
}

// serve answers health, poke and metrics requests on ln until ctx ends.
func (a *Agent) serve(ctx context.Context, ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", a.handleHealth)
	mux.HandleFunc("GET /api/poke", a.handlePoke)
	mux.Handle("GET /metrics", a.metrics.handler)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          zap.NewStdLog(a.log.Named("http")),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	a.log.Info("Agent API server listening on http://"+ln.Addr().String(), zap.String("address", "http://"+ln.Addr().String()))

	select {
	case err := <-done:
		a.log.Error("Agent API server stopped", zap.Error(err))
		return
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), serverShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		a.log.Error("Agent API server stopped", zap.Error(err))
	}
}

// handleHealth answers 200 {} (Prefect's answer) while the backend answers, else 503
// with the reason.
func (a *Agent) handleHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	reason := a.health.status(a.deps.Clock.Now())
	if reason == "" {
		_, _ = w.Write([]byte("{}"))
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": "unhealthy", "reason": reason})
}

// handlePoke wakes the poll loop, so that a run just created starts now.
func (a *Agent) handlePoke(w http.ResponseWriter, _ *http.Request) {
	a.log.Debug("Poked: polling for flow runs now")
	a.poke()
	w.WriteHeader(http.StatusOK)
}
