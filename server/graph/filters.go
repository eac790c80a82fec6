package graph

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/outposthq/outpost/server/graph/model"
)

// Hasura-style where filters (*_bool_exp) are evaluated in Go over the rows the store
// returns for the tenant. Comparisons follow SQL: a NULL column matches nothing but
// _is_null, and string order is byte order.

// unsupportedStringOps are String_comparison_exp operators this backend refuses: Postgres
// regular expressions and SIMILAR TO do not map faithfully onto Go's regexp.
var unsupportedStringOps = []string{"_iregex", "_niregex", "_nregex", "_nsimilar", "_regex", "_similar"}

const supportedOps = "_eq, _neq, _in, _nin, _gt, _gte, _lt, _lte, _is_null, and for strings _like, _ilike, _nlike, _nilike"

// modelPackage holds the filter input types; walkFilter descends only into those.
var modelPackage = reflect.TypeFor[model.StringComparisonExp]().PkgPath()

// checkFilter walks a where argument and refuses operators the backend cannot evaluate,
// before any row is read, so the answer does not depend on which rows exist.
func checkFilter(path string, where any) error {
	return walkFilter(path, reflect.ValueOf(where))
}

func walkFilter(path string, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		if c, isString := v.Interface().(*model.StringComparisonExp); isString {
			return checkStringOps(path, c)
		}
		return walkFilter(path, v.Elem())
	case reflect.Slice:
		for i := range v.Len() {
			if err := walkFilter(fmt.Sprintf("%s[%d]", path, i), v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		if t.PkgPath() != modelPackage {
			return nil // a value such as a time.Time, not a filter
		}
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if err := walkFilter(path+"."+name, v.Field(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkStringOps(path string, c *model.StringComparisonExp) error {
	set := map[string]bool{
		"_iregex": c.Iregex != nil, "_niregex": c.Niregex != nil, "_nregex": c.Nregex != nil,
		"_nsimilar": c.Nsimilar != nil, "_regex": c.Regex != nil, "_similar": c.Similar != nil,
	}
	for _, op := range unsupportedStringOps {
		if set[op] {
			return fmt.Errorf("filter operator %s in %s is not supported by this backend; use %s", op, path, supportedOps)
		}
	}
	return nil
}

// ops is one comparison expression over values of type T.
type ops[T any] struct {
	eq, neq, gt, gte, lt, lte *T
	in, nin                   []T
	isNull                    *bool
}

// match reports whether v (nil: NULL) satisfies every operator that is set.
func (o ops[T]) match(v *T, compare func(a, b T) int) bool {
	if o.isNull != nil && *o.isNull != (v == nil) {
		return false
	}
	if v == nil {
		return o.eq == nil && o.neq == nil && o.gt == nil && o.gte == nil &&
			o.lt == nil && o.lte == nil && o.in == nil && o.nin == nil
	}
	x := *v
	is := func(bound *T, want func(int) bool) bool { return bound == nil || want(compare(x, *bound)) }
	equal := func(y T) bool { return compare(x, y) == 0 }
	return is(o.eq, func(c int) bool { return c == 0 }) &&
		is(o.neq, func(c int) bool { return c != 0 }) &&
		is(o.gt, func(c int) bool { return c > 0 }) &&
		is(o.gte, func(c int) bool { return c >= 0 }) &&
		is(o.lt, func(c int) bool { return c < 0 }) &&
		is(o.lte, func(c int) bool { return c <= 0 }) &&
		(o.in == nil || slices.ContainsFunc(o.in, equal)) &&
		(o.nin == nil || !slices.ContainsFunc(o.nin, equal))
}

func matchUUID(c *model.UUIDComparisonExp, v *string) bool {
	if c == nil {
		return true
	}
	o := ops[string]{c.Eq, c.Neq, c.Gt, c.Gte, c.Lt, c.Lte, c.In, c.Nin, c.IsNull}
	if v != nil {
		v = ptr(strings.ToLower(*v))
	}
	return o.match(v, strings.Compare)
}

func matchInt(c *model.IntComparisonExp, v *int) bool {
	if c == nil {
		return true
	}
	return ops[int]{c.Eq, c.Neq, c.Gt, c.Gte, c.Lt, c.Lte, c.In, c.Nin, c.IsNull}.match(v, cmp.Compare[int])
}

func matchTime(c *model.TimestamptzComparisonExp, v *time.Time) bool {
	if c == nil {
		return true
	}
	o := ops[time.Time]{c.Eq, c.Neq, c.Gt, c.Gte, c.Lt, c.Lte, derefAll(c.In), derefAll(c.Nin), c.IsNull}
	return o.match(v, func(a, b time.Time) int { return a.Compare(b) })
}

// matchString also evaluates the LIKE family; checkFilter has refused the rest.
func matchString(c *model.StringComparisonExp, v *string) bool {
	if c == nil {
		return true
	}
	if !(ops[string]{c.Eq, c.Neq, c.Gt, c.Gte, c.Lt, c.Lte, c.In, c.Nin, c.IsNull}).match(v, strings.Compare) {
		return false
	}
	patterns := []struct {
		pattern      *string
		fold, negate bool
	}{{c.Like, false, false}, {c.Ilike, true, false}, {c.Nlike, false, true}, {c.Nilike, true, true}}
	for _, p := range patterns {
		if p.pattern == nil {
			continue
		}
		if v == nil {
			return false
		}
		s, pat := *v, *p.pattern
		if p.fold {
			s, pat = strings.ToLower(s), strings.ToLower(pat)
		}
		if like(s, pat) == p.negate {
			return false
		}
	}
	return true
}

// like implements SQL LIKE: % is any run of characters, _ one character, and a
// backslash makes the next character literal.
func like(s, pattern string) bool {
	if pattern == "" {
		return s == ""
	}
	r, n := utf8.DecodeRuneInString(pattern)
	rest := pattern[n:]
	switch r {
	case '%':
		for i := 0; ; {
			if like(s[i:], rest) {
				return true
			}
			if i == len(s) {
				return false
			}
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
		}
	case '_':
		if s == "" {
			return false
		}
		_, w := utf8.DecodeRuneInString(s)
		return like(s[w:], rest)
	case '\\':
		if rest != "" {
			r, n = utf8.DecodeRuneInString(rest)
			rest = rest[n:]
		}
	}
	c, w := utf8.DecodeRuneInString(s)
	return s != "" && c == r && like(s[w:], rest)
}

// logic evaluates _and, _or and _not around a row; eval is the row's own expression.
// An empty _or matches nothing, an empty _and everything, as in SQL.
func logic[E any](and, or []*E, not *E, eval func(*E) (bool, error)) (bool, error) {
	for _, e := range and {
		if ok, err := eval(e); err != nil || !ok {
			return false, err
		}
	}
	if or != nil {
		found := false
		for _, e := range or {
			ok, err := eval(e)
			if err != nil {
				return false, err
			}
			if ok {
				found = true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	if not != nil {
		ok, err := eval(not)
		if err != nil || ok {
			return false, err
		}
	}
	return true, nil
}

// idConstraint returns the ids a top-level id filter allows (nil: no constraint). Only
// conjuncts narrow what is read; the full filter is still evaluated on every row.
func idConstraint(c *model.UUIDComparisonExp) []string {
	switch {
	case c == nil:
		return nil
	case c.Eq != nil:
		return []string{*c.Eq}
	case c.In != nil:
		return append([]string{}, c.In...)
	}
	return nil
}

// derefAll turns a list of pointers (how gqlgen passes [timestamptz!]) into values,
// keeping nil for an absent list.
func derefAll[T any](in []*T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, p := range in {
		out[i] = *p
	}
	return out
}
