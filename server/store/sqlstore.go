package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors added to the contract's: bad input, and a task run that may not start yet.
var (
	ErrInvalid           = errors.New("invalid input")
	ErrFlowRunNotRunning = errors.New("flow run is not in a running state")
	// errRaced: a conditional update found the row at another version than it had just read.
	errRaced = errors.New("row changed by a concurrent writer")
)

// sqlStore implements Store over database/sql for both engines.
type sqlStore struct {
	db    *sql.DB
	d     dialect
	clock func() time.Time
}

func (s *sqlStore) Close() error { return s.db.Close() }

// now is the store's clock in UTC, at the microsecond precision the databases keep.
func (s *sqlStore) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *sqlStore) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	res, err := q.ExecContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, s.d.mapConstraint(err)
	}
	return res, nil
}

func (s *sqlStore) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(ctx, s.d.rebind(query), args...)
}

func (s *sqlStore) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	return q.QueryRowContext(ctx, s.d.rebind(query), args...)
}

// inTx runs fn in a transaction, committed when fn returns nil. On SQLite it is an
// immediate transaction: it holds the write lock from the start.
func (s *sqlStore) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", s.d.mapConstraint(err))
	}
	return nil
}

// wrap prefixes a returned error with the operation, keeping it matchable with errors.Is.
func wrap(err *error, format string, args ...any) {
	if *err != nil {
		*err = fmt.Errorf(format+": %w", append(args, *err)...)
	}
}

// notFound turns sql.ErrNoRows into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// anys converts strings into query arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// quotedList renders constant strings as an SQL literal list. Only for the package's own
// constant state names, never for input: the partial indexes need literals to match.
func quotedList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// fmtErr prefixes err with a formatted context, keeping it matchable.
func fmtErr(format string, err error, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, err)...)
}
