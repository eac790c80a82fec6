package config

import (
	"math"
	"math/big"
	"strings"
)

// StringToType is Prefect's string_to_type: "true"/"false" in any case become
// booleans; otherwise the string is read as a Python literal (the subset
// ast.literal_eval accepts); anything else is returned unchanged.
//
// Go types: string, bool, nil (None), int64 (*big.Int beyond int64), float64,
// []any (list, tuple or set) and map[string]any (dict; keys that are not
// strings are converted with Python's str()).
//
// The accepted syntax is that of Python 3.8 and later (no "1 + 2"). Known
// differences from Python, all of which keep the input string instead: bytes,
// complex numbers, \N{...} escapes and lone surrogates. Sets keep their
// source order (Python orders them by hash), and two keys that differ in
// Python but print alike (1 and '1') collapse, the last one winning.
func StringToType(s string) any {
	switch strings.ToUpper(s) {
	case "TRUE":
		return true
	case "FALSE":
		return false
	}
	v, err := parseLiteral(s)
	if err != nil {
		return s
	}
	return v
}

type nodeKind int

const (
	nConst  nodeKind = iota // string, bool or nil
	nNumber                 // int64, *big.Int or float64
	nSigned                 // a number with a unary sign; cannot be signed again
	nTuple
	nList
	nSet
	nDict
)

type node struct {
	kind  nodeKind
	val   any
	items []node // elements, or dict keys
	vals  []node // dict values
}

type parser struct {
	toks []token
	pos  int
}

func parseLiteral(src string) (any, error) {
	// ast.literal_eval strips leading spaces and tabs before parsing.
	toks, err := tokenize(strings.TrimLeft(src, " \t"))
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	p.skipNewlines()
	n, err := p.exprList()
	if err != nil {
		return nil, err
	}
	p.skipNewlines()
	if p.peek().kind != tEOF {
		return nil, errNotLiteral
	}
	return n.value()
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) isOp(text string) bool {
	t := p.peek()
	return t.kind == tOp && t.text == text
}

func (p *parser) expect(text string) error {
	if !p.isOp(text) {
		return errNotLiteral
	}
	p.pos++
	return nil
}

func (p *parser) skipNewlines() {
	for p.peek().kind == tNewline {
		p.pos++
	}
}

// startsExpr tells whether the next token can begin an expression, which
// decides whether a comma was a trailing one.
func (p *parser) startsExpr() bool {
	t := p.peek()
	switch t.kind {
	case tNumber, tString, tName:
		return true
	case tOp:
		return strings.Contains("([{+-", t.text)
	}
	return false
}

// exprList parses "expr (, expr)* [,]": a bare comma makes a tuple.
func (p *parser) exprList() (node, error) {
	first, err := p.expr()
	if err != nil || !p.isOp(",") {
		return first, err
	}
	items := []node{first}
	for p.isOp(",") {
		p.pos++
		if !p.startsExpr() {
			break
		}
		n, err := p.expr()
		if err != nil {
			return node{}, err
		}
		items = append(items, n)
	}
	return node{kind: nTuple, items: items}, nil
}

// sequence parses comma-separated expressions up to the closing bracket.
func (p *parser) sequence(closing string) ([]node, error) {
	var items []node
	for !p.isOp(closing) {
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, n)
		if !p.isOp(",") {
			break
		}
		p.pos++
	}
	return items, p.expect(closing)
}

func (p *parser) expr() (node, error) {
	t := p.next()
	switch t.kind {
	case tNumber:
		return node{kind: nNumber, val: t.val}, nil
	case tString:
		s := t.val.(string)
		for p.peek().kind == tString { // implicit concatenation
			s += p.next().val.(string)
		}
		return node{kind: nConst, val: s}, nil
	case tName:
		return p.name(t.text)
	case tOp:
		switch t.text {
		case "+", "-":
			return p.signed(t.text)
		case "(":
			if p.isOp(")") {
				p.pos++
				return node{kind: nTuple}, nil
			}
			n, err := p.exprList()
			if err != nil {
				return node{}, err
			}
			return n, p.expect(")")
		case "[":
			items, err := p.sequence("]")
			return node{kind: nList, items: items}, err
		case "{":
			return p.braces()
		}
	}
	return node{}, errNotLiteral
}

func (p *parser) name(name string) (node, error) {
	switch name {
	case "True":
		return node{kind: nConst, val: true}, nil
	case "False":
		return node{kind: nConst, val: false}, nil
	case "None":
		return node{kind: nConst, val: nil}, nil
	case "set": // literal_eval accepts set() for the empty set
		if err := p.expect("("); err != nil {
			return node{}, err
		}
		return node{kind: nSet}, p.expect(")")
	}
	return node{}, errNotLiteral
}

// signed applies a unary sign; Python allows it only directly on a number.
func (p *parser) signed(op string) (node, error) {
	if p.isOp("+") || p.isOp("-") {
		return node{}, errNotLiteral // a sign on a sign is not a number constant
	}
	n, err := p.expr()
	if err != nil || n.kind != nNumber {
		return node{}, errNotLiteral
	}
	if op == "+" {
		return node{kind: nSigned, val: n.val}, nil
	}
	switch v := n.val.(type) {
	case int64:
		if v == math.MinInt64 {
			return node{kind: nSigned, val: new(big.Int).Neg(big.NewInt(v))}, nil
		}
		return node{kind: nSigned, val: -v}, nil
	case *big.Int:
		return node{kind: nSigned, val: normalizeInt(new(big.Int).Neg(v))}, nil
	case float64:
		return node{kind: nSigned, val: -v}, nil
	}
	return node{}, errNotLiteral
}

// braces parses a dict or a set after "{".
func (p *parser) braces() (node, error) {
	if p.isOp("}") {
		p.pos++
		return node{kind: nDict}, nil
	}
	first, err := p.expr()
	if err != nil {
		return node{}, err
	}
	if !p.isOp(":") {
		if !p.isOp(",") {
			return node{kind: nSet, items: []node{first}}, p.expect("}")
		}
		p.pos++
		rest, err := p.sequence("}")
		return node{kind: nSet, items: append([]node{first}, rest...)}, err
	}
	d := node{kind: nDict}
	key := first
	for {
		if err := p.expect(":"); err != nil {
			return node{}, err
		}
		val, err := p.expr()
		if err != nil {
			return node{}, err
		}
		d.items, d.vals = append(d.items, key), append(d.vals, val)
		if !p.isOp(",") {
			break
		}
		p.pos++
		if p.isOp("}") {
			break
		}
		if key, err = p.expr(); err != nil {
			return node{}, err
		}
	}
	return d, p.expect("}")
}
