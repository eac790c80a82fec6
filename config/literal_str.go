package config

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// str reads a string literal whose prefix (possibly empty) was already read.
func (lx *lexer) str(prefix string) error {
	p := strings.ToLower(prefix)
	if strings.ContainsAny(p, "bft") {
		return errNotLiteral // bytes, f-strings and t-strings are not str constants
	}
	raw := strings.Contains(p, "r")
	s := lx.src
	q := s[lx.pos]
	closing := string(q)
	if strings.HasPrefix(s[lx.pos:], strings.Repeat(closing, 3)) {
		closing = strings.Repeat(closing, 3)
	}
	lx.pos += len(closing)
	var b strings.Builder
	for {
		if lx.pos >= len(s) {
			return errNotLiteral
		}
		if strings.HasPrefix(s[lx.pos:], closing) {
			lx.pos += len(closing)
			break
		}
		c := s[lx.pos]
		switch {
		case c == '\n' && len(closing) == 1:
			return errNotLiteral
		case c == '\\' && raw:
			// In a raw string the backslash stays and protects the next character.
			if lx.pos+1 >= len(s) {
				return errNotLiteral
			}
			_, size := utf8.DecodeRuneInString(s[lx.pos+1:])
			b.WriteString(s[lx.pos : lx.pos+1+size])
			lx.pos += 1 + size
		case c == '\\':
			if err := lx.escape(&b); err != nil {
				return err
			}
		default:
			r, size := utf8.DecodeRuneInString(s[lx.pos:])
			b.WriteRune(r)
			lx.pos += size
		}
	}
	lx.emit(token{kind: tString, val: b.String()})
	return nil
}

var simpleEscapes = map[byte]string{
	'\n': "", '\\': "\\", '\'': "'", '"': "\"",
	'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v",
}

// escape decodes one backslash escape of a non-raw str literal.
func (lx *lexer) escape(b *strings.Builder) error {
	s := lx.src
	if lx.pos+1 >= len(s) {
		return errNotLiteral
	}
	c := s[lx.pos+1]
	if rep, ok := simpleEscapes[c]; ok {
		b.WriteString(rep)
		lx.pos += 2
		return nil
	}
	switch {
	case c >= '0' && c <= '7':
		end := lx.pos + 1
		for end < len(s) && end < lx.pos+4 && s[end] >= '0' && s[end] <= '7' {
			end++
		}
		v, _ := strconv.ParseUint(s[lx.pos+1:end], 8, 32)
		b.WriteRune(rune(v))
		lx.pos = end
		return nil
	case c == 'x' || c == 'u' || c == 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		start := lx.pos + 2
		if start+n > len(s) {
			return errNotLiteral
		}
		v, err := strconv.ParseUint(s[start:start+n], 16, 32)
		// Lone surrogates are valid in a Python str but not in Go text.
		if err != nil || v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
			return errNotLiteral
		}
		b.WriteRune(rune(v))
		lx.pos = start + n
		return nil
	case c == 'N':
		return errNotLiteral // \N{name} would need the unicode name table
	default:
		// Unknown escapes keep their backslash, as in Python.
		b.WriteByte('\\')
		lx.pos++
		return nil
	}
}
