package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/server"
)

// The embedded backend's address when the agent runs it itself.
const (
	embeddedHost = "127.0.0.1"
	embeddedPort = 4200
	embeddedURL  = "http://127.0.0.1:4200"
)

// embeddedBackend returns the URL of Outpost's backend on 127.0.0.1:4200: one that is
// already answering there (an `outpost server start`, or another agent's), or one started
// in this process with its data under home_dir. stop ends the one started here.
func embeddedBackend(ctx context.Context, s config.Settings, log *zap.Logger) (url string, stop func(), err error) {
	addr := net.JoinHostPort(embeddedHost, fmt.Sprint(embeddedPort))
	url = embeddedURL
	if outpostBackendAt(ctx, url) {
		log.Info("using the Outpost backend already answering", zap.String("url", url))
		return url, func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("start the embedded backend on %s: %w (something else holds the port: "+
			"stop it, or pass --api to use another backend)", addr, err)
	}
	srv, err := server.New(ctx, server.Options{Host: embeddedHost, Port: embeddedPort, Home: s.HomeDir, Logger: log.Named("backend")})
	if err != nil {
		ln.Close()
		return "", nil, fmt.Errorf("start the embedded backend: %w", err)
	}
	// The backend outlives the agent's drain: it stops only after Run has returned, so
	// every state the agent owes can still be delivered.
	serveCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(serveCtx, ln) }()
	log.Info("embedded backend started", zap.String("url", url), zap.String("home", s.HomeDir))
	return url, func() {
		cancel()
		if err := <-done; err != nil {
			log.Warn("embedded backend stopped with an error", zap.Error(err))
		}
		if err := srv.Close(); err != nil {
			log.Warn("closing the embedded backend", zap.Error(err))
		}
	}, nil
}

// outpostBackendAt reports whether an Outpost backend answers its health check at url.
func outpostBackendAt(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/health", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&body) == nil && body.Status == "ok" &&
		!errors.Is(ctx.Err(), context.DeadlineExceeded)
}
