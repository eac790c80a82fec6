package config

import (
	"errors"
	"fmt"
	"strings"
)

// maxExpansions bounds the repeated $VAR/~ expansion, as Prefect does.
const maxExpansions = 10

// errUnstable reports a value whose $VAR expansion never settles (a variable
// that refers to itself). Prefect returns None there and then crashes while
// typing it; Outpost reports it instead, naming the key but never the value.
var errUnstable = errors.New("$VAR expansion did not settle after 10 rounds; check for variables that refer to themselves")

// environ is the process environment as os.Environ lists it. As with getenv,
// the first definition of a name wins.
type environ struct {
	names  []string
	values map[string]string
}

func newEnviron(kv []string) environ {
	e := environ{values: map[string]string{}}
	for _, entry := range kv {
		name, value, ok := strings.Cut(entry, "=")
		if !ok || name == "" {
			continue
		}
		if _, dup := e.values[name]; dup {
			continue
		}
		e.names = append(e.names, name)
		e.values[name] = value
	}
	return e
}

// expander performs Python's os.path.expandvars and os.path.expanduser
// against a given environment and home directory.
type expander struct {
	env  environ
	home string
}

// interpolateEnvVars is Prefect's interpolate_env_vars: expand $VARs and a
// leading ~ until the value stops changing. Prefect types the result once
// more when it took two or more rounds to settle; that quirk is kept.
func (x expander) interpolateEnvVars(s string) (any, error) {
	if s == "" {
		return s, nil
	}
	for round := 0; round < maxExpansions; round++ {
		next := x.expandUser(x.expandVars(s))
		if next == s {
			if round > 1 {
				return StringToType(next), nil
			}
			return next, nil
		}
		s = next
	}
	return nil, errUnstable
}

// expandVars replaces $name and ${name} (name: ASCII letters, digits and _
// for the bare form; anything but } inside braces) with the variable's value.
// Unknown variables are left as written; substituted text is not rescanned.
func (x expander) expandVars(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	i := 0
	for {
		j := strings.IndexByte(s[i:], '$')
		if j < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		j += i
		b.WriteString(s[i:j])
		name, end, ok := varRef(s, j)
		if !ok {
			b.WriteByte('$')
			i = j + 1
			continue
		}
		if v, found := x.env.values[name]; found {
			b.WriteString(v)
		} else {
			b.WriteString(s[j:end])
		}
		i = end
	}
}

// varRef reads the reference starting at the '$' at s[at].
func varRef(s string, at int) (name string, end int, ok bool) {
	rest := s[at+1:]
	if strings.HasPrefix(rest, "{") {
		k := strings.IndexByte(rest, '}')
		if k < 0 {
			return "", 0, false
		}
		return rest[1:k], at + 1 + k + 1, true
	}
	n := 0
	for n < len(rest) && isIdentChar(rest[n]) {
		n++
	}
	if n == 0 {
		return "", 0, false
	}
	return rest[:n], at + 1 + n, true
}

// expandUser replaces a leading "~" or "~/" with the home directory. The
// "~user" form is left unchanged.
func (x expander) expandUser(s string) string {
	if !strings.HasPrefix(s, "~") {
		return s
	}
	if len(s) > 1 && s[1] != '/' {
		return s
	}
	out := strings.TrimRight(x.home, "/") + s[1:]
	if out == "" {
		return "/"
	}
	return out
}

// expandAll expands $VARs and ~ in every string value, then types it: so a
// TOML port = "4200" becomes 4200, and an env value "'42'" (already typed to
// "42") becomes 42.
func expandAll(fc *flatConfig, x expander) error {
	for i := range fc.entries {
		e := &fc.entries[i]
		s, ok := e.value.(string)
		if !ok {
			continue
		}
		expanded, err := x.interpolateEnvVars(s)
		if err != nil {
			return fmt.Errorf("%s (set by %s): %w", dotted(e.path), e.source, err)
		}
		if s, ok := expanded.(string); ok {
			expanded = StringToType(s)
		}
		e.value = expanded
	}
	return nil
}
