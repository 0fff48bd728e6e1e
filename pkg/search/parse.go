package search

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Fields a query can name with field:value.
const (
	FieldTitle     = "title"     // words in the title
	FieldBody      = "body"      // words in the body
	FieldEntity    = "entity"    // words in an entity name
	FieldLang      = "lang"      // the article's language (exact)
	FieldSource    = "source"    // the source (exact)
	FieldID        = "id"        // the article id (exact)
	FieldType      = "type"      // an entity type: PERSON, LOCATION, ORGANIZATION, OTHER
	FieldEntityID  = "entity_id" // an entity's id, the same in every language (exact)
	FieldPublished = "published" // a date or range of published_at
	FieldWords     = "words"     // a number or range of word_count
)

// Bounds on a query a person writes.
const (
	MaxQueryBytes = 2000
	MaxClauses    = 64
	MaxDepth      = 16
	minPrefixRune = 2
)

// knownFields lists the field names in the order error messages give them.
const knownFields = "title, body, entity, entity_id, lang, source, id, type, published, words"

// Node is a node of a parsed query: *Text, *Keyword, *DateRange,
// *NumRange, *And, *Or, *Not or *All.
type Node interface {
	String() string
	node()
}

// Text matches words in analysed text. Field is "" (title or body),
// FieldTitle, FieldBody or FieldEntity.
type Text struct {
	Field string
	// Value is the words as written, before analysis.
	Value string
	// Phrase asks for the words in this order, next to each other.
	Phrase bool
	// Prefix matches any word starting with Value (written value*).
	Prefix bool
}

// Keyword matches an exact value of a keyword field: FieldLang,
// FieldSource, FieldID, FieldType or FieldEntityID.
type Keyword struct {
	Field string
	Value string
}

// DateRange matches published_at within [From, To]; a zero bound is open.
type DateRange struct {
	From, To time.Time
}

// NumRange matches a number field (FieldWords) within [Min, Max]; a nil
// bound is open.
type NumRange struct {
	Field    string
	Min, Max *int64
}

// And matches when every one of Nodes matches.
type And struct{ Nodes []Node }

// Or matches when any one of Nodes matches.
type Or struct{ Nodes []Node }

// Not matches when Node does not.
type Not struct{ Node Node }

// All matches every article (the query * or an empty query).
type All struct{}

func (*Text) node()      {}
func (*Keyword) node()   {}
func (*DateRange) node() {}
func (*NumRange) node()  {}
func (*And) node()       {}
func (*Or) node()        {}
func (*Not) node()       {}
func (*All) node()       {}

func (t *Text) String() string {
	v := t.Value
	switch {
	case t.Phrase:
		v = strconv.Quote(v)
	case t.Prefix:
		v += "*"
	}
	if t.Field != "" {
		return t.Field + ":" + v
	}
	return v
}
func (k *Keyword) String() string { return k.Field + ":" + strconv.Quote(k.Value) }
func (d *DateRange) String() string {
	f := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	return FieldPublished + ":" + f(d.From) + ".." + f(d.To)
}
func (n *NumRange) String() string {
	f := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	return n.Field + ":" + f(n.Min) + ".." + f(n.Max)
}
func (a *And) String() string { return "(" + join(a.Nodes, " AND ") + ")" }
func (o *Or) String() string  { return "(" + join(o.Nodes, " OR ") + ")" }
func (n *Not) String() string { return "NOT " + n.Node.String() }
func (*All) String() string   { return "*" }

func join(ns []Node, sep string) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = n.String()
	}
	return strings.Join(s, sep)
}

// SyntaxError is a mistake in a query, at a character position (1-based,
// counted in characters, not bytes). It wraps ErrInvalidQuery.
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string {
	if e.Pos > 0 {
		return fmt.Sprintf("invalid query: %s (at character %d)", e.Msg, e.Pos)
	}
	return "invalid query: " + e.Msg
}

// Unwrap returns ErrInvalidQuery.
func (e *SyntaxError) Unwrap() error { return ErrInvalidQuery }

// Parse parses a query written by a person:
//
//	words             every word must match (in the title or the body)
//	"a phrase"        the words next to each other, in order
//	a OR b, a AND b   either, both; AND binds tighter than OR
//	NOT a, -a         must not match; +a must match (the default)
//	( ... )           grouping
//	field:value       title, body, entity (words); lang, source, id, type
//	                  (exact values); published, words (ranges)
//	word*             any word starting with word
//	*                 every article
//
// published takes 2019, 2019-05, 2019-05-14, an RFC 3339 time, a range
// a..b (either side may be empty) or >, >=, <, <= before a date; words
// takes a number, a range or a comparison likewise. Errors are
// *SyntaxError, which wraps ErrInvalidQuery.
func Parse(text string) (Node, error) {
	if len(text) > MaxQueryBytes {
		return nil, &SyntaxError{Msg: fmt.Sprintf("query is %d bytes long, the limit is %d", len(text), MaxQueryBytes)}
	}
	if !utf8.ValidString(text) {
		return nil, &SyntaxError{Msg: "query is not valid UTF-8"}
	}
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, src: text}
	if len(toks) == 0 {
		return &All{}, nil
	}
	n, err := p.or(0, "")
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		if t.kind == tokRParen {
			return nil, p.errAt(t, "closing parenthesis without an opening one")
		}
		return nil, p.errAt(t, fmt.Sprintf("unexpected %s", t.describe()))
	}
	if p.clauses > MaxClauses {
		return nil, &SyntaxError{Msg: fmt.Sprintf("query has %d clauses, the limit is %d", p.clauses, MaxClauses)}
	}
	return simplify(n), nil
}

type tokKind int

const (
	tokWord tokKind = iota
	tokPhrase
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokNot
	tokMinus
	tokPlus
	tokField // a field name; its value follows without space
)

type token struct {
	kind tokKind
	text string
	pos  int // byte offset
}

func (t token) describe() string {
	switch t.kind {
	case tokPhrase:
		return "phrase " + strconv.Quote(t.text)
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	case tokField:
		return "field " + strconv.Quote(t.text+":")
	}
	return strconv.Quote(t.text)
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	// atStart is true where a leading - or + is an operator.
	atStart := true
	// rawValue: the next word is the value of an entity_id: field.
	rawValue := false
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case isSpace(r):
			i += w
			atStart = true
			continue
		case r == '(':
			toks = append(toks, token{kind: tokLParen, text: "(", pos: i})
			i += w
			atStart, rawValue = true, false
			continue
		case r == ')':
			toks = append(toks, token{kind: tokRParen, text: ")", pos: i})
			i += w
			atStart = false
			continue
		case r == '"' || r == '“' || r == '„' || r == '«':
			end := strings.IndexAny(s[i+w:], "\"”“»")
			if end < 0 {
				return nil, &SyntaxError{Pos: charPos(s, i), Msg: "phrase is not closed by a quote"}
			}
			toks = append(toks, token{kind: tokPhrase, text: s[i+w : i+w+end], pos: i})
			_, cw := utf8.DecodeRuneInString(s[i+w+end:])
			i += w + end + cw
			atStart, rawValue = false, false
			continue
		case atStart && (r == '-' || r == '+') && i+w < len(s):
			next, _ := utf8.DecodeRuneInString(s[i+w:])
			if !isSpace(next) && next != ')' {
				k := tokMinus
				if r == '+' {
					k = tokPlus
				}
				toks = append(toks, token{kind: k, text: string(r), pos: i})
				i += w
				continue
			}
		}
		// A word runs to whitespace, a parenthesis or a quote.
		start := i
		for i < len(s) {
			r, w := utf8.DecodeRuneInString(s[i:])
			if isSpace(r) || r == '(' || r == ')' || r == '"' || r == '“' || r == '„' || r == '«' {
				break
			}
			if r == ':' && !rawValue && i > start && isFieldName(s[start:i]) && !strings.HasPrefix(s[i+w:], "//") {
				break
			}
			i += w
		}
		word := s[start:i]
		if rawValue {
			// An entity id may hold colons ("per:trmp", "iso:DE").
			rawValue = false
			toks = append(toks, token{kind: tokWord, text: word, pos: start})
			atStart = false
			continue
		}
		if i < len(s) && s[i] == ':' {
			name := strings.ToLower(word)
			if !isKnownField(name) {
				return nil, &SyntaxError{Pos: charPos(s, start), Msg: fmt.Sprintf("unknown field %q; fields are %s (put the word in quotes to search for it)", word, knownFields)}
			}
			toks = append(toks, token{kind: tokField, text: name, pos: start})
			rawValue = name == FieldEntityID
			i++
			if i >= len(s) {
				return nil, &SyntaxError{Pos: charPos(s, start), Msg: fmt.Sprintf("%s: needs a value", name)}
			}
			if r, _ := utf8.DecodeRuneInString(s[i:]); isSpace(r) || r == ')' {
				return nil, &SyntaxError{Pos: charPos(s, start), Msg: fmt.Sprintf("%s: needs a value right after the colon", name)}
			}
			atStart = false
			continue
		}
		kind := tokWord
		switch word {
		case "AND", "&&":
			kind = tokAnd
		case "OR", "||":
			kind = tokOr
		case "NOT":
			kind = tokNot
		}
		toks = append(toks, token{kind: kind, text: word, pos: start})
		atStart = kind != tokWord
	}
	return toks, nil
}

func isFieldName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_') {
			return false
		}
	}
	return s != ""
}

func isKnownField(name string) bool {
	switch name {
	case FieldTitle, FieldBody, FieldEntity, FieldEntityID, FieldLang, FieldSource, FieldID, FieldType, FieldPublished, FieldWords:
		return true
	}
	return false
}

func charPos(s string, byteOff int) int {
	if byteOff > len(s) {
		byteOff = len(s)
	}
	return utf8.RuneCountInString(s[:byteOff]) + 1
}

type parser struct {
	toks    []token
	src     string
	i       int
	clauses int
}

func (p *parser) errAt(t token, msg string) error {
	return &SyntaxError{Pos: charPos(p.src, t.pos), Msg: msg}
}

func (p *parser) peek() (token, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return token{}, false
}

// or parses alternatives. field is the field of an enclosing field:( ).
func (p *parser) or(depth int, field string) (Node, error) {
	if depth > MaxDepth {
		t, _ := p.peek()
		return nil, p.errAt(t, fmt.Sprintf("query nests deeper than %d levels", MaxDepth))
	}
	first, err := p.and(depth, field)
	if err != nil {
		return nil, err
	}
	nodes := []Node{first}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tokOr {
			break
		}
		p.i++
		if nt, ok := p.peek(); !ok || nt.kind == tokRParen || nt.kind == tokOr || nt.kind == tokAnd {
			return nil, p.errAt(t, "OR needs something to search for on both sides")
		}
		n, err := p.and(depth, field)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 1 {
		return first, nil
	}
	return &Or{Nodes: nodes}, nil
}

func (p *parser) and(depth int, field string) (Node, error) {
	var nodes []Node
	for {
		t, ok := p.peek()
		if !ok || t.kind == tokRParen || t.kind == tokOr {
			break
		}
		if t.kind == tokAnd {
			if len(nodes) == 0 {
				return nil, p.errAt(t, "AND needs something to search for on both sides")
			}
			p.i++
			if nt, ok := p.peek(); !ok || nt.kind == tokRParen || nt.kind == tokOr || nt.kind == tokAnd {
				return nil, p.errAt(t, "AND needs something to search for on both sides")
			}
			continue
		}
		n, err := p.unary(depth, field)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 0 {
		t, ok := p.peek()
		if !ok {
			if p.i > 0 {
				return nil, p.errAt(p.toks[p.i-1], "query ends where a search term was expected")
			}
			return nil, &SyntaxError{Msg: "empty query"}
		}
		if t.kind == tokOr {
			return nil, p.errAt(t, "OR needs something to search for on both sides")
		}
		return nil, p.errAt(t, "empty parentheses")
	}
	if len(nodes) == 1 {
		return nodes[0], nil
	}
	return &And{Nodes: nodes}, nil
}

func (p *parser) unary(depth int, field string) (Node, error) {
	t, _ := p.peek()
	switch t.kind {
	case tokNot, tokMinus:
		p.i++
		if nt, ok := p.peek(); !ok || nt.kind == tokRParen || nt.kind == tokOr || nt.kind == tokAnd {
			return nil, p.errAt(t, fmt.Sprintf("%s needs something to exclude after it", t.text))
		}
		n, err := p.unary(depth+1, field)
		if err != nil {
			return nil, err
		}
		return &Not{Node: n}, nil
	case tokPlus:
		p.i++
		if nt, ok := p.peek(); !ok || nt.kind == tokRParen || nt.kind == tokOr || nt.kind == tokAnd {
			return nil, p.errAt(t, "+ needs something to require after it")
		}
		return p.unary(depth+1, field)
	}
	return p.primary(depth, field)
}

func (p *parser) primary(depth int, field string) (Node, error) {
	t, _ := p.peek()
	p.i++
	switch t.kind {
	case tokLParen:
		n, err := p.or(depth+1, field)
		if err != nil {
			return nil, err
		}
		if ct, ok := p.peek(); !ok || ct.kind != tokRParen {
			return nil, p.errAt(t, "parenthesis is not closed")
		}
		p.i++
		return n, nil
	case tokField:
		if field != "" {
			return nil, p.errAt(t, fmt.Sprintf("field %s: inside %s:( ) is not allowed", t.text, field))
		}
		nt, ok := p.peek()
		if !ok {
			return nil, p.errAt(t, fmt.Sprintf("%s: needs a value", t.text))
		}
		if nt.kind == tokLParen {
			return p.primary(depth, t.text)
		}
		p.i++
		switch nt.kind {
		case tokWord, tokPhrase, tokAnd, tokOr, tokNot:
			return p.value(t.text, nt)
		}
		return nil, p.errAt(t, fmt.Sprintf("%s: needs a value, not %s", t.text, nt.describe()))
	case tokWord, tokPhrase:
		return p.value(field, t)
	}
	return nil, p.errAt(t, fmt.Sprintf("unexpected %s", t.describe()))
}

// value builds the clause for one word or phrase t in field.
func (p *parser) value(field string, t token) (Node, error) {
	p.clauses++
	v := t.text
	phrase := t.kind == tokPhrase
	switch field {
	case FieldLang, FieldSource, FieldID, FieldType, FieldEntityID:
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, p.errAt(t, fmt.Sprintf("%s: needs a value", field))
		}
		switch field {
		case FieldLang:
			v = strings.ToLower(v)
		case FieldType:
			v = strings.ToUpper(v)
			switch v {
			case "PERSON", "LOCATION", "ORGANIZATION", "OTHER":
			default:
				return nil, p.errAt(t, fmt.Sprintf("type: must be PERSON, LOCATION, ORGANIZATION or OTHER, not %q", t.text))
			}
		}
		return &Keyword{Field: field, Value: v}, nil
	case FieldPublished:
		d, err := parseDateRange(v)
		if err != nil {
			return nil, p.errAt(t, "published: "+err.Error())
		}
		return d, nil
	case FieldWords:
		n, err := parseNumRange(v)
		if err != nil {
			return nil, p.errAt(t, "words: "+err.Error())
		}
		n.Field = FieldWords
		return n, nil
	}
	if phrase {
		if strings.TrimSpace(v) == "" {
			return nil, p.errAt(t, "empty phrase")
		}
		return &Text{Field: field, Value: v, Phrase: true}, nil
	}
	if v == "*" {
		if field != "" {
			return nil, p.errAt(t, fmt.Sprintf("%s:* is not supported; use * alone for every article", field))
		}
		return &All{}, nil
	}
	if w, ok := strings.CutSuffix(v, "*"); ok {
		w = strings.TrimRight(w, "*")
		if utf8.RuneCountInString(w) < minPrefixRune {
			return nil, p.errAt(t, fmt.Sprintf("a prefix needs at least %d characters before the *", minPrefixRune))
		}
		return &Text{Field: field, Value: w, Prefix: true}, nil
	}
	return &Text{Field: field, Value: v}, nil
}

var errBadDate = errors.New("want a date such as 2019, 2019-05, 2019-05-14 or an RFC 3339 time, a range a..b, or >, >=, <, <= before one")

// parseDate parses a date at its precision and returns the first and last
// instant it covers.
func parseDate(s string) (from, to time.Time, err error) {
	for _, l := range []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{time.RFC3339, nil},
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	} {
		t, perr := time.Parse(l.layout, s)
		if perr != nil {
			continue
		}
		if l.next == nil {
			return t, t, nil
		}
		return t, l.next(t).Add(-time.Nanosecond), nil
	}
	return time.Time{}, time.Time{}, errBadDate
}

func parseDateRange(s string) (*DateRange, error) {
	if a, b, ok := strings.Cut(s, ".."); ok {
		var d DateRange
		if a != "" {
			f, _, err := parseDate(a)
			if err != nil {
				return nil, err
			}
			d.From = f
		}
		if b != "" {
			_, t, err := parseDate(b)
			if err != nil {
				return nil, err
			}
			d.To = t
		}
		if a == "" && b == "" {
			return nil, errBadDate
		}
		if !d.From.IsZero() && !d.To.IsZero() && d.To.Before(d.From) {
			return nil, errors.New("the range ends before it starts")
		}
		return &d, nil
	}
	op, rest := cutOp(s)
	f, t, err := parseDate(rest)
	if err != nil {
		return nil, err
	}
	switch op {
	case ">":
		return &DateRange{From: t.Add(time.Nanosecond)}, nil
	case ">=":
		return &DateRange{From: f}, nil
	case "<":
		return &DateRange{To: f.Add(-time.Nanosecond)}, nil
	case "<=":
		return &DateRange{To: t}, nil
	}
	return &DateRange{From: f, To: t}, nil
}

func cutOp(s string) (string, string) {
	for _, op := range []string{">=", "<=", ">", "<"} {
		if rest, ok := strings.CutPrefix(s, op); ok {
			return op, rest
		}
	}
	return "", s
}

var errBadNum = errors.New("want a whole number, a range a..b, or >, >=, <, <= before one")

func parseNumRange(s string) (*NumRange, error) {
	num := func(v string) (*int64, error) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, errBadNum
		}
		return &n, nil
	}
	var r NumRange
	if a, b, ok := strings.Cut(s, ".."); ok {
		if a == "" && b == "" {
			return nil, errBadNum
		}
		var err error
		if a != "" {
			if r.Min, err = num(a); err != nil {
				return nil, err
			}
		}
		if b != "" {
			if r.Max, err = num(b); err != nil {
				return nil, err
			}
		}
		if r.Min != nil && r.Max != nil && *r.Max < *r.Min {
			return nil, errors.New("the range ends before it starts")
		}
		return &r, nil
	}
	op, rest := cutOp(s)
	n, err := num(rest)
	if err != nil {
		return nil, err
	}
	switch op {
	case ">":
		m := *n + 1
		r.Min = &m
	case ">=":
		r.Min = n
	case "<":
		if *n == 0 {
			return nil, errors.New("no count is below 0")
		}
		m := *n - 1
		r.Max = &m
	case "<=":
		r.Max = n
	default:
		r.Min, r.Max = n, n
	}
	return &r, nil
}

// simplify flattens nested And/Or of the same kind, removes double
// negation and drops All from conjunctions.
func simplify(n Node) Node {
	switch v := n.(type) {
	case *And:
		var out []Node
		for _, c := range v.Nodes {
			c = simplify(c)
			switch cv := c.(type) {
			case *And:
				out = append(out, cv.Nodes...)
			case *All:
			default:
				out = append(out, c)
			}
		}
		switch len(out) {
		case 0:
			return &All{}
		case 1:
			return out[0]
		}
		return &And{Nodes: out}
	case *Or:
		var out []Node
		for _, c := range v.Nodes {
			c = simplify(c)
			if _, ok := c.(*All); ok {
				return &All{}
			}
			if co, ok := c.(*Or); ok {
				out = append(out, co.Nodes...)
				continue
			}
			out = append(out, c)
		}
		return &Or{Nodes: out}
	case *Not:
		inner := simplify(v.Node)
		if nn, ok := inner.(*Not); ok {
			return nn.Node
		}
		return &Not{Node: inner}
	}
	return n
}
