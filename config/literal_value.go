package config

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// value converts the parsed node to its Go form, applying Python's rules for
// sets and dict keys (hashable only, equal values collapse).
func (n node) value() (any, error) {
	switch n.kind {
	case nTuple, nList:
		out := make([]any, 0, len(n.items))
		for _, it := range n.items {
			v, err := it.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case nSet:
		out := make([]any, 0, len(n.items))
		seen := map[string]bool{}
		for _, it := range n.items {
			h, ok := it.hashKey()
			if !ok {
				return nil, errNotLiteral
			}
			if seen[h] {
				continue
			}
			seen[h] = true
			v, err := it.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case nDict:
		return n.dictValue()
	}
	return n.val, nil
}

func (n node) dictValue() (any, error) {
	type slot struct {
		key string
		val node
	}
	var slots []slot
	index := map[string]int{}
	for i, k := range n.items {
		h, ok := k.hashKey()
		if !ok {
			return nil, errNotLiteral // unhashable key: TypeError in Python
		}
		// An equal key keeps the first key object and takes the new value.
		if j, dup := index[h]; dup {
			slots[j].val = n.vals[i]
			continue
		}
		index[h] = len(slots)
		slots = append(slots, slot{key: k.keyString(), val: n.vals[i]})
	}
	out := make(map[string]any, len(slots))
	for _, s := range slots {
		v, err := s.val.value()
		if err != nil {
			return nil, err
		}
		out[s.key] = v
	}
	return out, nil
}

// hashKey returns a string equal for values Python considers equal (so 1,
// 1.0 and True share one), and false for unhashable values.
func (n node) hashKey() (string, bool) {
	switch n.kind {
	case nList, nSet, nDict:
		return "", false
	case nTuple:
		var b strings.Builder
		b.WriteString("t")
		for _, it := range n.items {
			h, ok := it.hashKey()
			if !ok {
				return "", false
			}
			fmt.Fprintf(&b, "%d:%s", len(h), h)
		}
		return b.String(), true
	}
	switch v := n.val.(type) {
	case nil:
		return "N", true
	case string:
		return "s" + v, true
	case bool:
		if v {
			return "n1", true
		}
		return "n0", true
	case int64:
		return "n" + strconv.FormatInt(v, 10), true
	case *big.Int:
		return "n" + v.String(), true
	case float64:
		if !math.IsInf(v, 0) && v == math.Trunc(v) {
			i, _ := big.NewFloat(v).Int(nil)
			return "n" + i.String(), true
		}
		return "f" + strconv.FormatFloat(v, 'g', -1, 64), true
	}
	return "", false
}

// keyString is Python's str() of a dict key.
func (n node) keyString() string {
	if n.kind == nTuple {
		return n.tupleRepr()
	}
	return PyStr(n.val)
}

func (n node) tupleRepr() string {
	parts := make([]string, len(n.items))
	for i, it := range n.items {
		if it.kind == nTuple {
			parts[i] = it.tupleRepr()
		} else {
			parts[i] = PyRepr(it.val)
		}
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
