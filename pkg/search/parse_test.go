package search

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "*"},
		{"star", "*", "*"},
		{"word", "Лавров", "Лавров"},
		{"implicit and", "Помпео Сочи", "(Помпео AND Сочи)"},
		{"explicit and", "a AND b", "(a AND b)"},
		{"and binds tighter than or", "a b OR c", "((a AND b) OR c)"},
		{"or chain", "a OR b OR c", "(a OR b OR c)"},
		{"parentheses", "a (b OR c)", "(a AND (b OR c))"},
		{"not", "a NOT b", "(a AND NOT b)"},
		{"minus", "a -b", "(a AND NOT b)"},
		{"plus", "+a b", "(a AND b)"},
		{"hyphen inside a word", "COVID-19", "COVID-19"},
		{"lowercase operators are words", "rock and roll", "(rock AND and AND roll)"},
		{"phrase", `"Сергей Лавров" Сочи`, `("Сергей Лавров" AND Сочи)`},
		{"typographic quotes", `„Сергей Лавров“`, `"Сергей Лавров"`},
		{"field word", "title:Лавров", "title:Лавров"},
		{"field phrase", `entity:"Сергей Лавров"`, `entity:"Сергей Лавров"`},
		{"field group", "title:(a OR b)", "(title:a OR title:b)"},
		{"field case", "Lang:BG", `lang:"bg"`},
		{"keyword", "source:actualno", `source:"actualno"`},
		{"type", "type:person", `type:"PERSON"`},
		{"entity id with colons", "entity_id:per:trmp", `entity_id:"per:trmp"`},
		{"entity id then a field", "entity_id:iso:DE lang:bg", `(entity_id:"iso:DE" AND lang:"bg")`},
		{"prefix", "войн*", "войн*"},
		{"not a field: time", "10:30", "10:30"},
		{"url", "https://example.com/a", "https://example.com/a"},
		{"published day", "published:2019-05-14", "published:2019-05-14T00:00:00Z..2019-05-14T23:59:59Z"},
		{"published month", "published:2019-05", "published:2019-05-01T00:00:00Z..2019-05-31T23:59:59Z"},
		{"published after", "published:>=2019", "published:2019-01-01T00:00:00Z.."},
		{"published before", "published:<2019", "published:..2018-12-31T23:59:59Z"},
		{"published range", "published:2018..2019-06", "published:2018-01-01T00:00:00Z..2019-06-30T23:59:59Z"},
		{"words", "words:>300", "words:301.."},
		{"words range", "words:100..200", "words:100..200"},
		{"words exact", "words:5", "words:5..5"},
		{"double negation", "NOT -a", "a"},
		{"negative only", "-a", "NOT a"},
		{"star in and", "* a", "a"},
		{"star in or", "a OR *", "*"},
		{"nested and flattens", "a (b c)", "(a AND b AND c)"},
		{"operators as field values", "title:OR", "title:OR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := n.String(); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		pos            int
	}{
		{"unclosed phrase", `a "b c`, "phrase is not closed", 3},
		{"unclosed parenthesis", "a (b", "parenthesis is not closed", 3},
		{"stray closing parenthesis", "a) b", "closing parenthesis without an opening one", 2},
		{"empty parentheses", "a ()", "empty parentheses", 4},
		{"or at the start", "OR a", "OR needs something", 1},
		{"or at the end", "a OR", "OR needs something", 3},
		{"and at the end", "a AND", "AND needs something", 3},
		{"not at the end", "a NOT", "NOT needs something", 3},
		{"unknown field", "foo:bar", `unknown field "foo"`, 1},
		{"field without value", "title: a", "needs a value", 1},
		{"field at the end", "title:", "needs a value", 1},
		{"nested field", "title:(body:a)", "inside title:( ) is not allowed", 8},
		{"bad type", "type:animal", "type: must be PERSON", 6},
		{"field after a quoted entity id", `entity_id:"Q458" x:y`, `unknown field "x"`, 18},
		{"bad date", "published:yesterday", "published: want a date", 11},
		{"reversed range", "published:2020..2019", "ends before it starts", 11},
		{"bad number", "words:many", "words: want a whole number", 7},
		{"short prefix", "a*", "at least 2 characters", 1},
		{"field star", "title:*", "title:* is not supported", 7},
		{"empty phrase", `""`, "empty phrase", 1},
		{"too long", strings.Repeat("a ", MaxQueryBytes), "bytes long", 0},
		{"too many clauses", strings.Repeat("a ", MaxClauses+1), "clauses", 0},
		{"too deep", strings.Repeat("(", MaxDepth+2) + "a" + strings.Repeat(")", MaxDepth+2), "nests deeper", 0},
		{"invalid utf-8", "a\xffb", "not valid UTF-8", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want an error", tt.in, n)
			}
			if !errors.Is(err, ErrInvalidQuery) {
				t.Errorf("error %v does not wrap ErrInvalidQuery", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			var se *SyntaxError
			if errors.As(err, &se) && tt.pos > 0 && se.Pos != tt.pos {
				t.Errorf("error at character %d, want %d (%v)", se.Pos, tt.pos, err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "*", "Лавров", `"Сергей Лавров" Сочи`, "a OR b AND NOT c", "-a +b", "title:(a OR b)",
		"published:2019-01..2019-06", "words:>300", "lang:bg source:actualno", "войн*", `a "b`, "((a)",
		"type:PERSON entity:Путин", "https://x.org/a:b", "a:b", "NOT NOT a", `„a“ «b»`, "a) OR (b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidQuery) {
				t.Fatalf("Parse(%q): error %v does not wrap ErrInvalidQuery", s, err)
			}
			return
		}
		if n == nil {
			t.Fatalf("Parse(%q) returned nil without an error", s)
		}
		var walk func(Node, int)
		walk = func(n Node, depth int) {
			if depth > 3*MaxDepth {
				t.Fatalf("Parse(%q): tree deeper than %d", s, 3*MaxDepth)
			}
			switch v := n.(type) {
			case *Text:
				if strings.TrimSpace(v.Value) == "" {
					t.Fatalf("Parse(%q): empty text clause", s)
				}
			case *And:
				for _, c := range v.Nodes {
					walk(c, depth+1)
				}
			case *Or:
				for _, c := range v.Nodes {
					walk(c, depth+1)
				}
			case *Not:
				walk(v.Node, depth+1)
			}
		}
		walk(n, 0)
		// What a parsed query prints parses again.
		if _, err := Parse(n.String()); err != nil && len(n.String()) <= MaxQueryBytes {
			var se *SyntaxError
			if errors.As(err, &se) && strings.Contains(se.Msg, "clauses") {
				return
			}
			t.Fatalf("Parse(%q) = %s, which does not parse again: %v", s, n, err)
		}
	})
}
