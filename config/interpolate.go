package config

import (
	"regexp"
	"strings"
)

// refPattern is Prefect's INTERPOLATION_REGEX: it matches innermost ${...}
// references first, so ${${backend}.endpoint} resolves ${backend} before the
// outer reference.
var refPattern = regexp.MustCompile(`\$\{(.[^${}]*)\}`)

// maxInterpolationPasses bounds reference resolution, as Prefect does.
const maxInterpolationPasses = 10

// interpolate resolves ${a.b} references between keys. Each pass makes at
// most one substitution per key. A reference that is the whole value takes
// the referenced value with its type; inside a longer string the value's
// Python str() is spliced in. A missing key reads as "". References still
// unresolved after the last pass are left as they are.
//
// Prefect walks the keys in set order, which varies between runs; here they
// are walked in the flat (sorted) order so results are reproducible.
func interpolate(fc *flatConfig) {
	pending := make([]int, len(fc.entries))
	for i := range pending {
		pending[i] = i
	}
	for pass := 0; pass < maxInterpolationPasses && len(pending) > 0; pass++ {
		still := pending[:0]
		for _, i := range pending {
			e := &fc.entries[i]
			s, ok := e.value.(string)
			if !ok {
				continue
			}
			m := refPattern.FindStringSubmatchIndex(s)
			if m == nil {
				continue
			}
			whole, ref := s[m[0]:m[1]], s[m[2]:m[3]]
			value, found := fc.get(strings.Split(ref, "."))
			if !found {
				value = ""
			}
			if s == whole {
				e.value = deepCopy(value)
			} else {
				e.value = strings.Replace(s, whole, PyStr(value), 1)
			}
			still = append(still, i)
		}
		pending = still
	}
}
