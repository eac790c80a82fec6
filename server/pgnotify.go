package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver the sender uses
	"go.uber.org/zap"
)

// Replicas on one PostgreSQL database share run events through LISTEN/NOTIFY: a replica
// that creates or reschedules a run announces the tenant on runsChannel, and every
// replica (itself included) wakes its own waiting agents when it hears the tenant.
const (
	runsChannel = "outpost_runs"

	// listenerAppName marks the listening connection in pg_stat_activity.
	listenerAppName = "outpost-runs-listener"

	// notifyTimeout bounds the announcement a GraphQL request makes on the way out.
	notifyTimeout = 5 * time.Second

	minReconnectDelay = 50 * time.Millisecond
	maxReconnectDelay = 10 * time.Second
)

// isPostgres reports whether dsn names a PostgreSQL database rather than a SQLite file.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// pgBridge carries the local Notifier across replicas. It sends through its own small
// pool because the listening connection is busy waiting and must not be shared.
type pgBridge struct {
	dsn   string
	local *Notifier
	send  *sql.DB
	log   *zap.Logger
}

func newPGBridge(dsn string, local *Notifier, log *zap.Logger) (*pgBridge, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open the PostgreSQL connection that announces new runs: %w", err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(2)
	return &pgBridge{dsn: dsn, local: local, send: db, log: log}, nil
}

// Notify announces new work for tenantID to every replica. If the announcement fails,
// this replica's agents are still woken, and the others' poll timeouts cover the gap.
func (b *pgBridge) Notify(tenantID string) {
	ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
	defer cancel()
	if _, err := b.send.ExecContext(ctx, "SELECT pg_notify($1, $2)", runsChannel, tenantID); err != nil {
		b.log.Warn("announcing a new run to the other replicas failed; waking local agents only", zap.Error(err))
		b.local.Notify(tenantID)
	}
}

// Close releases the sending pool.
func (b *pgBridge) Close() error { return b.send.Close() }

// connect opens a connection that listens on runsChannel. Its error never carries the
// DSN, which may hold a password.
func (b *pgBridge) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(b.dsn)
	if err != nil {
		return nil, errors.New("parse the PostgreSQL URL for the run listener: check its syntax (postgres://user:password@host:port/database)")
	}
	cfg.RuntimeParams["application_name"] = listenerAppName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect the run listener to PostgreSQL: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+runsChannel); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("listen for new runs on PostgreSQL: %w", err)
	}
	return conn, nil
}

// listen relays notifications to the local Notifier until ctx ends. conn is an
// established listener, or nil to connect first. After a lost connection it reconnects
// with capped backoff and then wakes every tenant it knows, since a run may have been
// announced while nobody listened.
func (b *pgBridge) listen(ctx context.Context, conn *pgx.Conn) {
	delay := minReconnectDelay
	for {
		if conn == nil {
			var err error
			if conn, err = b.connect(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				b.log.Warn("the run listener cannot reach PostgreSQL; retrying",
					zap.Duration("retry_in", delay), zap.Error(err))
				if !sleepCtx(ctx, delay) {
					return
				}
				delay = min(2*delay, maxReconnectDelay)
				continue
			}
			delay = minReconnectDelay
			b.log.Info("the run listener is connected to PostgreSQL again")
			b.local.NotifyAll()
		}
		err := b.relay(ctx, conn)
		_ = conn.Close(context.WithoutCancel(ctx))
		conn = nil
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("the run listener lost its PostgreSQL connection; reconnecting", zap.Error(err))
	}
}

// relay hands each notification's tenant to the local Notifier until conn fails or ctx
// ends.
func (b *pgBridge) relay(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == runsChannel && n.Payload != "" {
			b.local.Notify(n.Payload)
		}
	}
}

// sleepCtx waits for d and reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
