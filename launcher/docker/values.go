package docker

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
)

// The host_config values arrive decoded from JSON with numbers as json.Number; Go
// callers may also pass Go numbers and slices. Each conversion below accepts what
// docker-py accepts for its keyword argument and names what it wanted otherwise.

func asBool(v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("want true or false, got %s", describe(v))
	}
	return b, nil
}

func asInt(v any) (int64, error) {
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
		if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f), nil
		}
	case int:
		return int64(n), nil
	case int64:
		return n, nil
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
			return int64(n), nil
		}
	}
	return 0, fmt.Errorf("want a whole number, got %s", describe(v))
}

// asText reads a string into a string type, such as a container.NetworkMode.
func asText[S ~string](v any) (S, error) {
	s, err := asString(v)
	return S(s), err
}

// ptrTo makes a conversion for an optional field.
func ptrTo[T any](conv func(any) (T, error)) func(any) (*T, error) {
	return func(v any) (*T, error) {
		x, err := conv(v)
		return &x, err
	}
}

// asSmallInt reads a whole number that fits an int32.
func asSmallInt(v any) (int, error) {
	n, err := asInt(v)
	if err == nil && (n < math.MinInt32 || n > math.MaxInt32) {
		return 0, fmt.Errorf("%d is out of range", n)
	}
	return int(n), err
}

func asString(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("want a string, got %s", describe(v))
	}
	return s, nil
}

// asStrings takes a list of strings; numbers are taken as their text, as docker-py
// does for group ids.
func asStrings(v any) ([]string, error) {
	if ss, ok := v.([]string); ok {
		return ss, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of strings, got %s", describe(v))
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		switch e := e.(type) {
		case string:
			out = append(out, e)
		case json.Number:
			out = append(out, e.String())
		default:
			return nil, fmt.Errorf("item %d: want a string, got %s", i, describe(e))
		}
	}
	return out, nil
}

// asStringMap takes an object of strings; numbers and booleans are taken as their
// text (sysctls such as {"net.core.somaxconn": 1024}).
func asStringMap(v any) (map[string]string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want an object of strings, got %s", describe(v))
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		switch e := e.(type) {
		case string:
			out[k] = e
		case json.Number:
			out[k] = e.String()
		case bool:
			out[k] = strconv.FormatBool(e)
		default:
			return nil, fmt.Errorf("%q: want a string, got %s", k, describe(e))
		}
	}
	return out, nil
}

// byteUnits are docker-py's memory units.
var byteUnits = map[byte]float64{'b': 1, 'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30}

// asBytes reads a size as docker-py's parse_bytes: a number of bytes, or a string of a
// number with an optional unit b, k, m or g (case-insensitive, with an optional
// trailing "b", as in "512mb").
func asBytes(v any) (int64, error) {
	s, ok := v.(string)
	if !ok {
		n, err := asInt(v)
		if err != nil {
			return 0, fmt.Errorf(`want a size in bytes or a string such as "512m", got %s`, describe(v))
		}
		return n, nil
	}
	text := strings.ToLower(strings.TrimSpace(s))
	if len(text) >= 2 && isLetter(text[len(text)-2]) && text[len(text)-1] == 'b' {
		text = text[:len(text)-1]
	}
	mult := 1.0
	if text != "" && isLetter(text[len(text)-1]) {
		m, known := byteUnits[text[len(text)-1]]
		if !known {
			return 0, fmt.Errorf("size %q has an unknown unit; use b, k, m or g", s)
		}
		mult, text = m, text[:len(text)-1]
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f < 0 || math.IsInf(f*mult, 0) || f*mult >= 1<<63 {
		return 0, fmt.Errorf(`size %q is not a number of bytes with an optional unit, such as "512m" or "2g"`, s)
	}
	return int64(f * mult), nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }

func asAddrs(v any) ([]netip.Addr, error) {
	ss, err := asStrings(v)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(ss))
	for _, s := range ss {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address", s)
		}
		out = append(out, a)
	}
	return out, nil
}

// asExtraHosts takes {"host": "ip"} or ["host:ip"].
func asExtraHosts(v any) ([]string, error) {
	if m, ok := v.(map[string]any); ok {
		sm, err := asStringMap(m)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, host := range slices.Sorted(maps.Keys(sm)) {
			out = append(out, host+":"+sm[host])
		}
		return out, nil
	}
	out, err := asStrings(v)
	if err != nil {
		return nil, fmt.Errorf(`want {"host": "ip"} or ["host:ip"]: %w`, err)
	}
	return out, nil
}

// asBinds takes docker-py's binds: ["/host:/in/container:ro"], or an object of host path
// to {"bind": "/in/container", "mode": "ro"} or to a bare container path.
func asBinds(v any) ([]string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		out, err := asStrings(v)
		if err != nil {
			return nil, fmt.Errorf(`want ["/host:/container[:mode]"] or {"/host": {"bind": "/container", "mode": "rw"}}: %w`, err)
		}
		return out, nil
	}
	var out []string
	for _, src := range slices.Sorted(maps.Keys(m)) {
		switch b := m[src].(type) {
		case string:
			out = append(out, src+":"+b+":rw")
		case map[string]any:
			target, ok := b["bind"].(string)
			if !ok || target == "" {
				return nil, fmt.Errorf("%q: want a \"bind\" path inside the container", src)
			}
			mode := "rw"
			if raw, given := b["mode"]; given {
				if mode, ok = raw.(string); !ok {
					return nil, fmt.Errorf("%q: \"mode\" must be a string such as \"ro\"", src)
				}
			}
			out = append(out, src+":"+target+":"+mode)
		default:
			return nil, fmt.Errorf("%q: want a container path or {\"bind\": ..., \"mode\": ...}, got %s", src, describe(b))
		}
	}
	return out, nil
}

// asLogConfig takes {"type": "json-file", "config": {"max-size": "10m"}}.
func asLogConfig(v any) (container.LogConfig, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return container.LogConfig{}, fmt.Errorf(`want {"type": ..., "config": {...}}, got %s`, describe(v))
	}
	var lc container.LogConfig
	var err error
	for k, e := range m {
		switch k {
		case "type":
			lc.Type, err = asString(e)
		case "config":
			lc.Config, err = asStringMap(e)
		default:
			err = fmt.Errorf("unknown member %q; use \"type\" and \"config\"", k)
		}
		if err != nil {
			return container.LogConfig{}, err
		}
	}
	return lc, nil
}

// asTmpfs takes {"/path": "size=64m"} or ["/path:size=64m"].
func asTmpfs(v any) (map[string]string, error) {
	if m, ok := v.(map[string]any); ok {
		return asStringMap(m)
	}
	list, err := asStrings(v)
	if err != nil {
		return nil, fmt.Errorf(`want {"/path": "options"} or ["/path:options"]: %w`, err)
	}
	out := map[string]string{}
	for _, e := range list {
		path, opts, _ := strings.Cut(e, ":")
		out[path] = opts
	}
	return out, nil
}

// asUlimits takes [{"name": "nofile", "soft": 1024, "hard": 2048}].
func asUlimits(v any) ([]*container.Ulimit, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf(`want [{"name": ..., "soft": ..., "hard": ...}], got %s`, describe(v))
	}
	var out []*container.Ulimit
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("item %d: want an object, got %s", i, describe(e))
		}
		var u container.Ulimit
		var err error
		for k, f := range m {
			switch strings.ToLower(k) {
			case "name":
				u.Name, err = asString(f)
			case "soft":
				u.Soft, err = asInt(f)
			case "hard":
				u.Hard, err = asInt(f)
			default:
				err = fmt.Errorf("unknown member %q; use name, soft and hard", k)
			}
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
		}
		if u.Name == "" {
			return nil, fmt.Errorf("item %d: \"name\" is missing", i)
		}
		out = append(out, &u)
	}
	return out, nil
}

// describe names a value's JSON type, with the value itself for scalars.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return "the string " + strconv.Quote(v)
	case json.Number:
		return "the number " + v.String()
	case int, int64, float64:
		return fmt.Sprintf("the number %v", v)
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}
