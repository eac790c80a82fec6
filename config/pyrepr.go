package config

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
)

// PyStr is Python's str() of a configuration value: strings as they are,
// everything else as PyRepr. Prefect uses str() when it splices a value into
// another (${a.b} inside a longer string) and when it turns configuration
// into environment variables.
func PyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return PyRepr(v)
}

// PyRepr is Python's repr() of a configuration value: True/False/None, ints,
// floats in Python's shortest form (30.0, 1e+16), quoted strings, and lists
// and dicts in Python syntax. A Dict prints in its own order, as Python's dict
// keeps insertion order; a map prints with sorted keys, since a Go map has no
// order to keep. Dates, times and durations print as Python's str() of them
// rather than as constructor calls.
func PyRepr(v any) string {
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

// Dict is a Python dict whose keys keep their insertion order, for values
// decoded from a source that has one (a JSON object read the way json.loads
// reads it). PyRepr prints it in that order.
type Dict []DictEntry

// DictEntry is one key of a Dict.
type DictEntry struct {
	Key   string
	Value any
}

func writeRepr(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case string:
		writeQuoted(b, x)
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case *big.Int:
		if x == nil {
			b.WriteString("None")
		} else {
			b.WriteString(x.String())
		}
	case float64:
		b.WriteString(floatRepr(x))
	case []any:
		b.WriteByte('[')
		for i, it := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, it)
		}
		b.WriteByte(']')
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		writeRepr(b, items)
	case Dict:
		b.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeQuoted(b, e.Key)
			b.WriteString(": ")
			writeRepr(b, e.Value)
		}
		b.WriteByte('}')
	case map[string]any:
		keys := sortedKeys(x)
		d := make(Dict, len(keys))
		for i, k := range keys {
			d[i] = DictEntry{Key: k, Value: x[k]}
		}
		writeRepr(b, d)
	case time.Duration:
		b.WriteString(timedeltaStr(x))
	case time.Time:
		b.WriteString(x.Format("2006-01-02 ") + clockStr(x.Hour(), x.Minute(), x.Second(), x.Nanosecond()))
		_, off := x.Zone()
		b.WriteString(offsetStr(off))
	case toml.LocalDate:
		fmt.Fprintf(b, "%04d-%02d-%02d", x.Year, x.Month, x.Day)
	case toml.LocalTime:
		b.WriteString(clockStr(x.Hour, x.Minute, x.Second, x.Nanosecond))
	case toml.LocalDateTime:
		fmt.Fprintf(b, "%04d-%02d-%02d %s", x.Year, x.Month, x.Day,
			clockStr(x.Hour, x.Minute, x.Second, x.Nanosecond))
	default:
		fmt.Fprint(b, x)
	}
}

// floatRepr formats like Python's repr(float): the shortest digits that read
// back exactly, in fixed notation unless the exponent is below -4 or above 15.
func floatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	case f == 0 && math.Signbit(f):
		return "-0.0"
	case f == 0:
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // e.g. -1.2345e+06
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1
	if decpt <= -4 || decpt > 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		expSign := "+"
		if exp < 0 {
			expSign, exp = "-", -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, expSign, exp)
	}
	switch {
	case decpt <= 0:
		return sign + "0." + strings.Repeat("0", -decpt) + digits
	case decpt >= len(digits):
		return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
	default:
		return sign + digits[:decpt] + "." + digits[decpt:]
	}
}

// writeQuoted writes a Python str repr: single quotes unless the text holds a
// single quote and no double quote; non-printable characters escaped.
func writeQuoted(b *strings.Builder, s string) {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b.WriteByte(q)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// Python shows undecodable bytes as surrogate escapes.
			fmt.Fprintf(b, `\udc%02x`, s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(b, `\x%02x`, r)
		case r < utf8.RuneSelf || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			fmt.Fprintf(b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
}

// timedeltaStr is Python's str(timedelta), e.g. "0:00:05" or "-1 day, 23:59:55".
func timedeltaStr(d time.Duration) string {
	micro := d.Microseconds()
	days := micro / (86400 * 1e6)
	rest := micro % (86400 * 1e6)
	if rest < 0 {
		days, rest = days-1, rest+86400*1e6
	}
	secs := rest / 1e6
	out := fmt.Sprintf("%d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if us := rest % 1e6; us != 0 {
		out += fmt.Sprintf(".%06d", us)
	}
	if days != 0 {
		unit := "days"
		if days == 1 || days == -1 {
			unit = "day"
		}
		out = fmt.Sprintf("%d %s, %s", days, unit, out)
	}
	return out
}

func clockStr(h, m, s, ns int) string {
	out := fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	if us := ns / 1000; us != 0 {
		out += fmt.Sprintf(".%06d", us)
	}
	return out
}

func offsetStr(seconds int) string {
	sign := "+"
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	out := fmt.Sprintf("%s%02d:%02d", sign, seconds/3600, seconds/60%60)
	if s := seconds % 60; s != 0 {
		out += fmt.Sprintf(":%02d", s)
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
