package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"               // also registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Option tunes Open.
type Option func(*options)

type options struct {
	now          func() time.Time
	busyTimeout  time.Duration
	maxOpenConns int
}

// WithClock sets the clock used for state timestamps, heartbeats and creation times.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithBusyTimeout sets how long a SQLite write waits for another writer (default 30 s).
func WithBusyTimeout(d time.Duration) Option { return func(o *options) { o.busyTimeout = d } }

// WithMaxOpenConns bounds the connection pool (default 16).
func WithMaxOpenConns(n int) Option { return func(o *options) { o.maxOpenConns = n } }

// Open opens the store at dsn and brings its schema up to date. A dsn starting with
// postgres:// or postgresql:// is a PostgreSQL connection URL; anything else is the path
// of a SQLite file, created (with its directory) when missing.
func Open(ctx context.Context, dsn string, opts ...Option) (Store, error) {
	o := options{now: time.Now, busyTimeout: 30 * time.Second, maxOpenConns: 16}
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxOpenConns < 1 {
		return nil, fmt.Errorf("open store: max open connections must be at least 1, got %d", o.maxOpenConns)
	}
	var (
		db  *sql.DB
		d   dialect
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d = postgresDialect
		db, err = openPostgres(ctx, dsn)
	case strings.TrimSpace(dsn) == "":
		return nil, errors.New("open store: no database given: pass a SQLite file path or a postgres:// URL")
	default:
		d = sqliteDialect
		db, err = openSQLite(ctx, dsn, o.busyTimeout)
	}
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(o.maxOpenConns)
	db.SetMaxIdleConns(o.maxOpenConns)
	s := &sqlStore{db: db, d: d, clock: o.now}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store: migrate the %s schema: %w", d.name, err)
	}
	return s, nil
}

// openPostgres never puts the URL into an error: it may carry a password.
func openPostgres(ctx context.Context, dsn string) (*sql.DB, error) {
	if _, err := url.Parse(dsn); err != nil {
		return nil, errors.New("open PostgreSQL store: the connection URL is malformed: check its syntax (postgres://user:password@host:port/database)")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL store: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open PostgreSQL store: connect: %w", err)
	}
	return db, nil
}

// openSQLite keeps the database private to its owner: the directory it creates is 0700 and
// the file 0600. WAL lets readers run beside the single writer; immediate transactions take
// the write lock up front, so two writers never deadlock upgrading a read lock, and
// busy_timeout makes the loser wait instead of failing.
func openSQLite(ctx context.Context, path string, busy time.Duration) (*sql.DB, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open SQLite store %s: the path must not contain '?' or '#': choose another file name", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open SQLite store %s: create its directory: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open SQLite store %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open SQLite store %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busy.Milliseconds()))
	q.Set("_synchronous", "NORMAL")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open SQLite store %s: %w", path, err)
	}
	if err := enableWAL(ctx, db, busy); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open SQLite store %s: %w", path, err)
	}
	return db, nil
}

// enableWAL switches the file to WAL, which then sticks to the file. Switching needs an
// exclusive lock, and SQLite answers "busy" at once rather than wait for it (waiting could
// deadlock), so when several processes open a new file together the losers retry here
// until the busy timeout.
func enableWAL(ctx context.Context, db *sql.DB, busy time.Duration) error {
	deadline := time.Now().Add(busy)
	wait := time.Millisecond
	for {
		var mode string
		err := db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
		switch {
		case err == nil && strings.EqualFold(mode, "wal"):
			return nil
		case err == nil:
			return fmt.Errorf("switch to WAL journal mode: the file stayed in %q mode", mode)
		case !isBusy(err) || time.Now().After(deadline):
			return fmt.Errorf("switch to WAL journal mode: %w", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}
