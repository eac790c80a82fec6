// Package server is Outpost's embedded backend: the Prefect Server 1.x GraphQL API
// over HTTP, with API keys, an encrypted secret store and the background services that
// reschedule runs whose process is gone. It serves the agent on a fresh machine
// (SQLite under ~/.prefect) and, on PostgreSQL, several replicas at once.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/server/auth"
	"github.com/outposthq/outpost/server/graph"
	"github.com/outposthq/outpost/server/secretbox"
	"github.com/outposthq/outpost/server/store"
)

// Defaults for Options' zero values.
const (
	DefaultHost             = "127.0.0.1"
	DefaultHeartbeatTimeout = 2 * time.Minute
	DefaultServiceInterval  = 30 * time.Second

	// AdminKeyEnv gives the admin API key instead of generating one on first start.
	AdminKeyEnv = "OUTPOST_ADMIN_KEY"

	// shutdownGrace is how long requests in flight may finish once the server stops.
	shutdownGrace = 10 * time.Second
)

// Options configure a Server. Zero values take the defaults noted.
type Options struct {
	Host             string // default 127.0.0.1
	Port             int    // 0: the port of the listener given to Serve
	Database         string // SQLite file path, or a postgres:// URL; default <Home>/outpost.db
	Home             string // Prefect home (auth.toml, key file); default ~/.prefect
	AdminKey         string // default $OUTPOST_ADMIN_KEY, else generated on first start
	Env              func(string) string
	Logger           *zap.Logger
	Now              func() time.Time
	HeartbeatTimeout time.Duration // runs silent this long are rescheduled; default 2m
	ServiceInterval  time.Duration // period of the background services; default 30s
}

// Server is the embedded backend.
type Server struct {
	opts     Options
	log      *zap.Logger
	store    store.Store
	tenant   store.Tenant
	notifier *Notifier
	// bridge shares run events with the other replicas on PostgreSQL; nil on SQLite.
	bridge   *pgBridge
	handler  http.Handler
	services *services

	// tick drives the background services; tests inject their own channel.
	tick <-chan time.Time

	mu  sync.Mutex
	url string
	// newKey is the admin key generated on this start, kept until it has been written
	// for the address clients will use (Serve knows it when Port is 0).
	newKey string

	closeOnce sync.Once
	closeErr  error
}

// New opens the store, bootstraps the default tenant, the admin key and the secret
// key, and builds the HTTP handler. Serve starts serving; Close releases the store.
func New(ctx context.Context, opts Options) (*Server, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Home, 0o700); err != nil {
		return nil, fmt.Errorf("create the Prefect home directory: %w", err)
	}
	key, err := secretbox.LoadKey(opts.Env, filepath.Join(opts.Home, "outpost-secret.key"))
	if err != nil {
		return nil, fmt.Errorf("load the secret store key: %w", err)
	}
	box, err := secretbox.New(key)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, opts.Database, store.WithClock(opts.Now))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redactDSN(opts.Database), err)
	}
	s := &Server{opts: opts, log: opts.Logger, store: st, notifier: NewNotifier()}
	if isPostgres(opts.Database) {
		if s.bridge, err = newPGBridge(opts.Database, s.notifier, s.log.Named("runs-listener")); err != nil {
			st.Close()
			return nil, err
		}
	}
	if err := s.bootstrap(ctx, box); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// notify announces new work for a tenant: to every replica on PostgreSQL, otherwise
// to this process's waiters.
func (s *Server) notify(tenantID string) {
	if s.bridge != nil {
		s.bridge.Notify(tenantID)
		return
	}
	s.notifier.Notify(tenantID)
}

func withDefaults(o Options) (Options, error) {
	if o.Host == "" {
		o.Host = DefaultHost
	}
	if o.Port < 0 || o.Port > 65535 {
		return o, fmt.Errorf("port %d is out of range; use 1-65535 (or 0 for any free port)", o.Port)
	}
	if o.Env == nil {
		o.Env = os.Getenv
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HeartbeatTimeout <= 0 {
		o.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	if o.ServiceInterval <= 0 {
		o.ServiceInterval = DefaultServiceInterval
	}
	if o.Home == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return o, fmt.Errorf("find the home directory for ~/.prefect (set Home explicitly): %w", err)
		}
		o.Home = filepath.Join(home, ".prefect")
	}
	if o.Database == "" {
		o.Database = filepath.Join(o.Home, "outpost.db")
	}
	return o, nil
}

func (s *Server) bootstrap(ctx context.Context, box *secretbox.Box) error {
	tenant, err := s.store.DefaultTenant(ctx)
	if err != nil {
		return fmt.Errorf("create the default tenant: %w", err)
	}
	s.tenant = tenant
	s.url = serverURL(s.opts.Host, s.opts.Port)
	if err := s.ensureAdminKey(ctx); err != nil {
		return err
	}
	s.services = &services{
		store: s.store, log: s.log.Named("services"), now: s.opts.Now,
		timeout: s.opts.HeartbeatTimeout, notify: s.notify,
	}
	s.handler = s.routes(box)
	return nil
}

// routes builds the HTTP surface: GraphQL on POST / and /graphql (Prefect's client
// posts to the bare URL, its UI to /graphql), a health probe, and a short text on GET /.
func (s *Server) routes(box *secretbox.Box) http.Handler {
	schema := graph.NewExecutableSchema(&graph.Resolver{
		Store:  s.store,
		Cipher: box,
		Now:    s.opts.Now,
		Notify: s.notify,
	})
	authn := auth.NewAuthenticator(s.store, s.opts.Now, s.log)
	api := authn.Middleware(newGraphQLHandler(schema, s.log))
	mux := http.NewServeMux()
	mux.Handle("GET "+waitPath, authn.Middleware(http.HandlerFunc(s.waitForRuns)))
	mux.Handle("POST /{$}", api)
	mux.Handle("POST /graphql", api)
	mux.Handle("POST /graphql/", api)
	mux.HandleFunc("GET /health", s.health)
	mux.HandleFunc("GET /{$}", index)
	return mux
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Notifier returns the broadcaster that wakes agents waiting for new runs.
func (s *Server) Notifier() *Notifier { return s.notifier }

// URL returns the address clients use, such as http://127.0.0.1:4200.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Serve answers requests on ln and runs the background services until ctx ends, then
// stops accepting, lets requests in flight finish (up to a grace period), and returns
// nil. It returns an error if the listener fails.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	url := s.URL()
	if addr, ok := ln.Addr().(*net.TCPAddr); ok && s.opts.Port == 0 {
		url = serverURL(s.opts.Host, addr.Port)
	}
	s.mu.Lock()
	s.url = url
	s.mu.Unlock()
	if err := s.publishAdminKey(); err != nil {
		return err
	}
	s.log.Info("server started",
		zap.String("listening_on", url),
		zap.String("database", redactDSN(s.opts.Database)),
		zap.String("home", s.opts.Home))

	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          zap.NewStdLog(s.log.Named("http")),
	}
	hs.RegisterOnShutdown(s.notifier.Close) // long polls end now, not at the grace deadline

	svcCtx, stopServices := context.WithCancel(ctx)
	tick, stopTicker := s.ticker()
	var wg sync.WaitGroup
	wg.Go(func() { s.services.loop(svcCtx, tick) })
	if s.bridge != nil {
		// Listen before answering, so an agent that has its answer hears every later run.
		conn, err := s.bridge.connect(svcCtx)
		if err != nil && svcCtx.Err() == nil {
			s.log.Warn("cannot listen for runs created by other replicas yet; retrying in the background", zap.Error(err))
		}
		wg.Go(func() { s.bridge.listen(svcCtx, conn) })
	}
	defer func() {
		stopServices()
		wg.Wait()
		stopTicker()
	}()

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve on %s: %w", url, err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		s.log.Warn("requests still running after the grace period were cut off", zap.Error(err))
		hs.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", url, err)
	}
	s.log.Info("server stopped")
	return nil
}

func (s *Server) ticker() (<-chan time.Time, func()) {
	if s.tick != nil {
		return s.tick, func() {}
	}
	t := time.NewTicker(s.opts.ServiceInterval)
	return t.C, t.Stop
}

// Close releases the store and the connections to it. Call it after Serve has returned.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.notifier.Close()
		var bridgeErr error
		if s.bridge != nil {
			bridgeErr = s.bridge.Close()
		}
		s.closeErr = errors.Join(s.store.Close(), bridgeErr)
	})
	return s.closeErr
}

// serverURL is the URL clients use for host:port. A wildcard host is served on every
// interface, and "localhost" is the name a local client will use.
func serverURL(host string, port int) string {
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port))
}
