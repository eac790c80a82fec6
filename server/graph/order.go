package graph

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/outposthq/outpost/server/graph/model"
)

// orderTerm is one column of an order_by argument: key returns a string, int or
// time.Time, or nil for NULL.
type orderTerm[T any] struct {
	dir model.OrderBy
	key func(T) any
}

// addTerm appends a term when the order_by field is set. Within one order_by object the
// fields apply in schema order; across objects, in list order.
func addTerm[T any](terms []orderTerm[T], dir *model.OrderBy, key func(T) any) []orderTerm[T] {
	if dir == nil {
		return terms
	}
	return append(terms, orderTerm[T]{*dir, key})
}

// sortRows orders rows stably; without terms the store's order stays.
func sortRows[T any](rows []T, terms []orderTerm[T]) {
	if len(terms) == 0 {
		return
	}
	slices.SortStableFunc(rows, func(a, b T) int {
		for _, t := range terms {
			if c := t.compare(a, b); c != 0 {
				return c
			}
		}
		return 0
	})
}

// compare follows Postgres: NULLs sort last ascending and first descending unless the
// direction names their place.
func (t orderTerm[T]) compare(a, b T) int {
	va, vb := t.key(a), t.key(b)
	desc := t.dir == model.OrderByDesc || t.dir == model.OrderByDescNullsFirst || t.dir == model.OrderByDescNullsLast
	nullsFirst := t.dir == model.OrderByDesc || t.dir == model.OrderByDescNullsFirst || t.dir == model.OrderByAscNullsFirst
	switch {
	case va == nil && vb == nil:
		return 0
	case va == nil || vb == nil:
		if (va == nil) == nullsFirst {
			return -1
		}
		return 1
	}
	c := compareValues(va, vb)
	if desc {
		return -c
	}
	return c
}

func compareValues(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case int:
		return cmp.Compare(x, b.(int))
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	return 0
}

// page applies offset and limit.
func page[T any](rows []T, offset, limit *int) ([]T, error) {
	if offset != nil {
		if *offset < 0 {
			return nil, fmt.Errorf("offset must not be negative, got %d", *offset)
		}
		rows = rows[min(*offset, len(rows)):]
	}
	if limit != nil {
		if *limit < 0 {
			return nil, fmt.Errorf("limit must not be negative, got %d", *limit)
		}
		rows = rows[:min(*limit, len(rows))]
	}
	return rows, nil
}

// timeKey is a nullable timestamp sort key.
func timeKey(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

// mapRows converts store rows to GraphQL models.
func mapRows[S, M any](rows []S, convert func(S) *M) []*M {
	out := make([]*M, len(rows))
	for i, row := range rows {
		out[i] = convert(row)
	}
	return out
}
