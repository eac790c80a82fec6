package store

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what differs between the two engines. The queries themselves are shared: they
// are written with ? placeholders, pass timestamps as fixed-width UTC text (which PostgreSQL
// parses into timestamptz and SQLite compares as text in time order), and use only the
// ON CONFLICT and row-value syntax both engines understand.
type dialect struct {
	name string
	// dollar placeholders ($1, $2, ...) instead of ?.
	dollar bool
	// migrations is the directory of migrationFiles holding this engine's NNNN_name.sql
	// files, applied in order.
	migrations string
	// migrationLock runs first in the migration transaction, so that several processes
	// starting at once migrate one after the other.
	migrationLock string
	// migrationsTable creates the bookkeeping table of applied migrations.
	migrationsTable string
	// constraint reports which constraint an error violated, if any.
	constraint func(error) constraintKind
}

type constraintKind int

const (
	noConstraint constraintKind = iota
	uniqueViolation
	foreignKeyViolation
)

// migrationLockKey is an arbitrary constant that names the migration lock among the
// advisory locks of the database.
const migrationLockKey = 0x6f7574706f7374 // "outpost"

var sqliteDialect = dialect{
	name:            "sqlite",
	migrations:      "migrations/sqlite",
	migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`,
	constraint: func(err error) constraintKind {
		var e *sqlite.Error
		if !errors.As(err, &e) {
			return noConstraint
		}
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueViolation
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyViolation
		}
		return noConstraint
	},
}

var postgresDialect = dialect{
	name:            "postgres",
	dollar:          true,
	migrations:      "migrations/postgres",
	migrationLock:   fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockKey),
	migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TIMESTAMPTZ NOT NULL)`,
	constraint: func(err error) constraintKind {
		var e *pgconn.PgError
		if !errors.As(err, &e) {
			return noConstraint
		}
		switch e.Code {
		case "23505":
			return uniqueViolation
		case "23503":
			return foreignKeyViolation
		}
		return noConstraint
	},
}

// rebind turns ? placeholders into $n for PostgreSQL. The queries of this package contain
// no ? inside string literals, so a plain scan is enough.
func (d dialect) rebind(query string) string {
	if !d.dollar || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mapConstraint turns a constraint violation into ErrConflict (duplicate) or ErrNotFound
// (a referenced row is missing), keeping the driver's message for the details.
func (d dialect) mapConstraint(err error) error {
	switch d.constraint(err) {
	case uniqueViolation:
		return fmt.Errorf("%w: %v", ErrConflict, err)
	case foreignKeyViolation:
		return fmt.Errorf("%w: a referenced row does not exist: %v", ErrNotFound, err)
	}
	return err
}
