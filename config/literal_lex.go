package config

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// errNotLiteral is the single failure of the literal parser: string_to_type
// turns any failure into "keep the original string", so no detail is needed.
var errNotLiteral = errors.New("not a Python literal")

// maxNesting mirrors CPython's tokenizer limit on nested brackets; it also keeps
// the recursive-descent parser's stack bounded on hostile input.
const maxNesting = 200

type tokKind int

const (
	tEOF tokKind = iota
	tNewline
	tNumber // val: int64, *big.Int or float64
	tString // val: the decoded string
	tName
	tOp // text: one of ( ) [ ] { } , : + -
)

type token struct {
	kind tokKind
	text string
	val  any
}

// lexer splits Python source into the tokens literal_eval can accept. Anything
// it does not know (operators, attribute dots, bytes and f-strings, complex
// numbers, unicode identifiers) is rejected at once.
type lexer struct {
	src       string
	pos       int
	depth     int
	lineStart bool
	toks      []token
}

func tokenize(src string) ([]token, error) {
	// Python source cannot hold NUL bytes, and a Python str is always valid
	// unicode, so neither can come out of a literal.
	if !utf8.ValidString(src) || strings.IndexByte(src, 0) >= 0 {
		return nil, errNotLiteral
	}
	// Python's tokenizer reads string input with universal newlines.
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	lx := &lexer{src: src, lineStart: true}
	for {
		done, err := lx.step()
		if err != nil {
			return nil, err
		}
		if done {
			return lx.toks, nil
		}
	}
}

func (lx *lexer) emit(t token) { lx.toks = append(lx.toks, t) }

func (lx *lexer) step() (bool, error) {
	if lx.lineStart {
		lx.lineStart = false
		if err := lx.checkIndent(); err != nil {
			return false, err
		}
	}
	if err := lx.skipBlanks(); err != nil {
		return false, err
	}
	if lx.pos >= len(lx.src) {
		lx.emit(token{kind: tEOF})
		return true, nil
	}
	c := lx.src[lx.pos]
	switch {
	case c == '\n':
		lx.pos++
		if lx.depth == 0 {
			lx.emit(token{kind: tNewline})
			lx.lineStart = true
		}
	case isDigit(c) || (c == '.' && lx.pos+1 < len(lx.src) && isDigit(lx.src[lx.pos+1])):
		return false, lx.number()
	case c == '\'' || c == '"':
		return false, lx.str("")
	case isIdentStart(c):
		start := lx.pos
		for lx.pos < len(lx.src) && isIdentChar(lx.src[lx.pos]) {
			lx.pos++
		}
		name := lx.src[start:lx.pos]
		if lx.pos < len(lx.src) && (lx.src[lx.pos] == '\'' || lx.src[lx.pos] == '"') && isStringPrefix(name) {
			return false, lx.str(name)
		}
		lx.emit(token{kind: tName, text: name})
	case strings.IndexByte("([{", c) >= 0:
		lx.depth++
		if lx.depth > maxNesting {
			return false, errNotLiteral
		}
		lx.pos++
		lx.emit(token{kind: tOp, text: string(c)})
	case strings.IndexByte(")]}", c) >= 0:
		lx.depth--
		if lx.depth < 0 {
			return false, errNotLiteral
		}
		lx.pos++
		lx.emit(token{kind: tOp, text: string(c)})
	case strings.IndexByte(",:+-", c) >= 0:
		lx.pos++
		lx.emit(token{kind: tOp, text: string(c)})
	default:
		return false, errNotLiteral
	}
	return false, nil
}

// checkIndent rejects an indented first line of content: eval input may not
// start with an INDENT token. Form feeds reset the column, as in CPython.
func (lx *lexer) checkIndent() error {
	col := 0
	i := lx.pos
	for ; i < len(lx.src); i++ {
		switch lx.src[i] {
		case ' ':
			col++
		case '\t':
			col = (col/8 + 1) * 8
		case '\f':
			col = 0
		default:
			if c := lx.src[i]; col > 0 && c != '\n' && c != '#' {
				return errNotLiteral
			}
			return nil
		}
	}
	if col > 0 {
		return errNotLiteral // CPython reads a final line of only spaces as an indent
	}
	return nil
}

// skipBlanks skips spaces, comments and backslash line continuations. A
// continuation must be followed by more input.
func (lx *lexer) skipBlanks() error {
	for lx.pos < len(lx.src) {
		switch c := lx.src[lx.pos]; {
		case c == ' ' || c == '\t' || c == '\f':
			lx.pos++
		case c == '#':
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' {
				lx.pos++
			}
		case c == '\\' && lx.pos+1 < len(lx.src) && lx.src[lx.pos+1] == '\n':
			lx.pos += 2
			if lx.pos == len(lx.src) {
				return errNotLiteral
			}
		default:
			return nil
		}
	}
	return nil
}

// digitPart reads digit (["_"] digit)*, Python's digitpart.
func (lx *lexer) digitPart(isValid func(byte) bool) string {
	start := lx.pos
	if lx.pos >= len(lx.src) || !isValid(lx.src[lx.pos]) {
		return ""
	}
	lx.pos++
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case isValid(c):
			lx.pos++
		case c == '_' && lx.pos+1 < len(lx.src) && isValid(lx.src[lx.pos+1]):
			lx.pos += 2
		default:
			return lx.src[start:lx.pos]
		}
	}
	return lx.src[start:lx.pos]
}

func (lx *lexer) number() error {
	s := lx.src
	if s[lx.pos] == '0' && lx.pos+1 < len(s) {
		if base := radixOf(s[lx.pos+1]); base != 0 {
			return lx.radixInt(base)
		}
	}
	start := lx.pos
	intPart := lx.digitPart(isDigit)
	isFloat := false
	if lx.pos < len(s) && s[lx.pos] == '.' {
		lx.pos++
		isFloat = true
		lx.digitPart(isDigit)
	}
	if lx.pos < len(s) && (s[lx.pos] == 'e' || s[lx.pos] == 'E') {
		lx.pos++
		if lx.pos < len(s) && (s[lx.pos] == '+' || s[lx.pos] == '-') {
			lx.pos++
		}
		if lx.digitPart(isDigit) == "" {
			return errNotLiteral
		}
		isFloat = true
	}
	// A letter, digit or underscore glued to a number is a syntax error, and
	// "j" would make a complex number, which has no Go counterpart here.
	if lx.pos < len(s) && (isIdentChar(s[lx.pos]) || s[lx.pos] >= utf8.RuneSelf) {
		return errNotLiteral
	}
	text := strings.ReplaceAll(s[start:lx.pos], "_", "")
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return errNotLiteral
		}
		// Out-of-range literals become inf (or 0), as in Python.
		lx.emit(token{kind: tNumber, val: f})
		return nil
	}
	if strings.TrimLeft(intPart, "0_") != "" && intPart[0] == '0' {
		return errNotLiteral // leading zeros in a decimal integer
	}
	return lx.emitInt(text, 10)
}

func (lx *lexer) radixInt(base int) error {
	lx.pos += 2
	valid := func(c byte) bool { return digitValue(c) < base }
	if lx.pos < len(lx.src) && lx.src[lx.pos] == '_' {
		lx.pos++ // Python allows one underscore right after the prefix
	}
	digits := lx.digitPart(valid)
	if digits == "" {
		return errNotLiteral
	}
	if lx.pos < len(lx.src) && (isIdentChar(lx.src[lx.pos]) || lx.src[lx.pos] >= utf8.RuneSelf) {
		return errNotLiteral
	}
	return lx.emitInt(strings.ReplaceAll(digits, "_", ""), base)
}

func (lx *lexer) emitInt(digits string, base int) error {
	n, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return errNotLiteral
	}
	lx.emit(token{kind: tNumber, val: normalizeInt(n)})
	return nil
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) }

func isStringPrefix(name string) bool {
	switch strings.ToLower(name) {
	case "r", "u", "b", "br", "rb", "f", "fr", "rf", "t", "tr", "rt":
		return true
	}
	return false
}

func radixOf(c byte) int {
	switch c | 0x20 {
	case 'x':
		return 16
	case 'o':
		return 8
	case 'b':
		return 2
	}
	return 0
}

// digitValue returns the value of a hex digit, or 99 for anything else.
func digitValue(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return 99
}

// normalizeInt keeps integers that fit in int64 as int64.
func normalizeInt(n *big.Int) any {
	if n.IsInt64() {
		return n.Int64()
	}
	return n
}
