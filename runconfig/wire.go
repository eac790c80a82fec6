package runconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// fields is one JSON object of the wire form, by member name. As with Python's json.loads,
// a repeated member keeps its last value. where names the object in error messages.
type fields struct {
	where string
	m     map[string]json.RawMessage
}

// isNull reports whether raw is absent or JSON null: Prefect treats both as None.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// jsonKind names the JSON type of raw for error messages.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func decodeObject(raw json.RawMessage, where string) (fields, error) {
	if k := jsonKind(raw); k != "an object" {
		return fields{}, fmt.Errorf("%s: must be a JSON object, got %s", where, k)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fields{}, fmt.Errorf("%s: invalid JSON: %w", where, err)
	}
	return fields{where: where, m: m}, nil
}

func (f fields) typeError(name, want string) error {
	return fmt.Errorf("%s: field %q must be %s, got %s", f.where, name, want, jsonKind(f.m[name]))
}

// listError names the first item of a list member that is not of kind item, or the
// member itself when it is not a list.
func (f fields) listError(name, item, want string) error {
	var items []json.RawMessage
	if json.Unmarshal(f.m[name], &items) == nil {
		for i, it := range items {
			if k := jsonKind(it); k != item {
				return fmt.Errorf("%s: field \"%s[%d]\" must be %s, got %s", f.where, name, i, item, k)
			}
		}
	}
	return f.typeError(name, want)
}

// str returns a string member; absent or null gives "".
func (f fields) str(name string) (string, error) {
	raw := f.m[name]
	if isNull(raw) {
		return "", nil
	}
	var s string
	if jsonKind(raw) != "a string" || json.Unmarshal(raw, &s) != nil {
		return "", f.typeError(name, "a string or null")
	}
	return s, nil
}

// required returns a string member that must be present and non-empty.
func (f fields) required(name string) (string, error) {
	s, err := f.str(name)
	if err == nil && s == "" {
		err = fmt.Errorf("%s: field %q is required", f.where, name)
	}
	return s, err
}

func (f fields) boolean(name string) (bool, error) {
	raw := f.m[name]
	if isNull(raw) {
		return false, nil
	}
	var v bool
	if json.Unmarshal(raw, &v) != nil {
		return false, f.typeError(name, "a boolean or null")
	}
	return v, nil
}

// strList returns a list of strings; absent or null gives nil.
func (f fields) strList(name string) ([]string, error) {
	raw := f.m[name]
	if isNull(raw) {
		return nil, nil
	}
	var items []json.RawMessage
	if jsonKind(raw) != "an array" || json.Unmarshal(raw, &items) != nil {
		return nil, f.typeError(name, "a list of strings or null")
	}
	v := make([]string, len(items))
	for i, item := range items {
		// Checked item by item: Go would quietly turn a null item into "".
		if jsonKind(item) != "a string" || json.Unmarshal(item, &v[i]) != nil {
			return nil, f.listError(name, "a string", "a list of strings or null")
		}
	}
	return v, nil
}

// labels returns a label list the way Prefect holds it: a set, so sorted and without
// duplicates.
func (f fields) labels(name string) ([]string, error) {
	v, err := f.strList(name)
	if err != nil || len(v) == 0 {
		return nil, err
	}
	sort.Strings(v)
	out := v[:1]
	for _, s := range v[1:] {
		if s != out[len(out)-1] {
			out = append(out, s)
		}
	}
	return out, nil
}

// object returns a JSON object as a map with json.Number numbers; absent or null gives nil.
func (f fields) object(name string) (map[string]any, error) {
	raw := f.m[name]
	if isNull(raw) {
		return nil, nil
	}
	if jsonKind(raw) != "an object" {
		return nil, f.typeError(name, "an object or null")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, f.typeError(name, "an object or null")
	}
	return m, nil
}

// strMap returns an object whose values are all strings.
func (f fields) strMap(name string) (map[string]string, error) {
	raw := f.m[name]
	if isNull(raw) {
		return nil, nil
	}
	var items map[string]json.RawMessage
	if jsonKind(raw) != "an object" || json.Unmarshal(raw, &items) != nil {
		return nil, f.typeError(name, "an object of strings or null")
	}
	m := make(map[string]string, len(items))
	for k, item := range items {
		var v string
		if jsonKind(item) != "a string" || json.Unmarshal(item, &v) != nil {
			return nil, fmt.Errorf("%s: field %q: the value of %q must be a string, got %s", f.where, name, k, jsonKind(item))
		}
		m[k] = v
	}
	return m, nil
}

// ports returns a list of TCP/UDP port numbers.
func (f fields) ports(name string) ([]int, error) {
	raw := f.m[name]
	if isNull(raw) {
		return nil, nil
	}
	var items []json.RawMessage
	if jsonKind(raw) != "an array" || json.Unmarshal(raw, &items) != nil {
		return nil, f.typeError(name, "a list of integers or null")
	}
	out := make([]int, len(items))
	for i, item := range items {
		if jsonKind(item) != "a number" {
			return nil, f.listError(name, "a number", "a list of integers or null")
		}
		n := bytes.TrimSpace(item)
		p, err := strconv.Atoi(string(n))
		if err != nil || p < 1 || p > math.MaxUint16 {
			return nil, fmt.Errorf("%s: field %q: %s is not a port number (an integer from 1 to 65535)", f.where, fmt.Sprintf("%s[%d]", name, i), n)
		}
		out[i] = p
	}
	return out, nil
}

// pyText returns a member rendered with Python's str(), as Prefect does for fields it
// str()s (cpu_limit, cpu_request); absent or null gives "".
func (f fields) pyText(name string) (string, error) {
	raw := f.m[name]
	if isNull(raw) {
		return "", nil
	}
	switch jsonKind(raw) {
	case "a string", "a number":
		v, err := decodeValue(raw)
		if err != nil {
			return "", f.typeError(name, "a string, a number or null")
		}
		return pyStr(v), nil
	}
	return "", f.typeError(name, "a string, a number or null")
}

// env returns the run-config env map. Values can be any JSON; Prefect does not check
// them. Names are checked here because no process or container can be given a variable
// whose name is empty or holds '=' or NUL, and saying so now beats a launch failure.
func (f fields) env(name string) (map[string]any, error) {
	raw := f.m[name]
	if isNull(raw) {
		return nil, nil
	}
	members, err := decodeObject(raw, f.where)
	if err != nil {
		return nil, f.typeError(name, "an object or null")
	}
	env := make(map[string]any, len(members.m))
	for k, v := range members.m {
		val, err := decodeValue(v)
		if err != nil {
			return nil, fmt.Errorf("%s: env %q: %w", f.where, k, err)
		}
		if err := checkEnvVar(k, pyStr(val)); err != nil {
			return nil, fmt.Errorf("%s: env: %w", f.where, err)
		}
		env[k] = val
	}
	return env, nil
}

// decodeValue decodes one JSON value as json.loads would shape it: json.Number numbers,
// []any arrays and Object objects in document order (a repeated key keeps its first
// position and its last value).
func decodeValue(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return readValue(dec)
}

func readValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch delim {
	case '[':
		list := []any{}
		for dec.More() {
			v, err := readValue(dec)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err = dec.Token()
		return list, err
	case '{':
		obj := Object{}
		at := map[string]int{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := kt.(string)
			v, err := readValue(dec)
			if err != nil {
				return nil, err
			}
			if i, dup := at[key]; dup {
				obj[i].Value = v
				continue
			}
			at[key] = len(obj)
			obj = append(obj, Member{Key: key, Value: v})
		}
		_, err = dec.Token()
		return obj, err
	}
	return nil, fmt.Errorf("unexpected %q in JSON", delim)
}
