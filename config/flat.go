package config

import (
	"fmt"
	"strings"
)

// flatConfig is Prefect's flattened configuration: one entry per leaf,
// addressed by its key path. Environment variables, expansion, typing and
// ${a.b} references all work on this form; an empty table has no leaf and so
// disappears, as in Prefect. Each entry remembers where its value came from so
// that errors can point at the file or variable to fix.
type flatConfig struct {
	entries []flatEntry
	index   map[string]int    // pathKey → entries index
	tables  map[string]string // pathKey of every table → dotted path of one leaf in it
}

type flatEntry struct {
	path   []string
	value  any
	source string
}

// pathKey encodes a key path unambiguously, whatever characters keys hold.
func pathKey(path []string) string {
	var b strings.Builder
	for _, k := range path {
		fmt.Fprintf(&b, "%d:%s", len(k), k)
	}
	return b.String()
}

func dotted(path []string) string { return strings.Join(path, ".") }

// flatten lists the leaves of tree in sorted key order; sourceOf names where
// each leaf came from.
func flatten(tree map[string]any, sourceOf func(path []string) string) *flatConfig {
	fc := &flatConfig{index: map[string]int{}, tables: map[string]string{}}
	var walk func(prefix []string, m map[string]any)
	walk = func(prefix []string, m map[string]any) {
		for _, k := range sortedKeys(m) {
			path := append(append([]string(nil), prefix...), k)
			if sub, ok := m[k].(map[string]any); ok {
				walk(path, sub)
				continue
			}
			fc.add(path, m[k], sourceOf(path))
		}
	}
	walk(nil, tree)
	return fc
}

func (fc *flatConfig) add(path []string, value any, source string) {
	fc.index[pathKey(path)] = len(fc.entries)
	fc.entries = append(fc.entries, flatEntry{path: path, value: value, source: source})
	for i := 1; i < len(path); i++ {
		if _, ok := fc.tables[pathKey(path[:i])]; !ok {
			fc.tables[pathKey(path[:i])] = dotted(path)
		}
	}
}

func (fc *flatConfig) get(path []string) (any, bool) {
	i, ok := fc.index[pathKey(path)]
	if !ok {
		return nil, false
	}
	return fc.entries[i].value, true
}

// set replaces or adds a leaf. A leaf where a table is, or a key below a
// leaf, would make the tree inconsistent (Prefect silently drops the table
// or crashes); that is an error naming the conflict.
func (fc *flatConfig) set(path []string, value any, source string) error {
	key := pathKey(path)
	if i, ok := fc.index[key]; ok {
		fc.entries[i].value, fc.entries[i].source = value, source
		return nil
	}
	if leaf, ok := fc.tables[key]; ok {
		return fmt.Errorf("%s sets %q, but that is a table (it holds %s); set a key inside it instead",
			source, dotted(path), leaf)
	}
	for i := 1; i < len(path); i++ {
		if j, ok := fc.index[pathKey(path[:i])]; ok {
			return fmt.Errorf("%s sets %q, but %q is a value set by %s, not a table",
				source, dotted(path), dotted(path[:i]), fc.entries[j].source)
		}
	}
	fc.add(path, value, source)
	return nil
}

// tree rebuilds the nested form.
func (fc *flatConfig) tree() map[string]any {
	root := map[string]any{}
	for _, e := range fc.entries {
		m := root
		for _, k := range e.path[:len(e.path)-1] {
			sub, ok := m[k].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[k] = sub
			}
			m = sub
		}
		m[e.path[len(e.path)-1]] = e.value
	}
	return root
}
