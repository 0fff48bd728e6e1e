package entities

// What Extract returns.

import (
	"github.com/newsflow/newsflow/pkg/article"
)

// Entity is one entity of a text with its canonical name and the number
// of times it is mentioned.
type Entity struct {
	// ID is the entity's id in every language (Gazetteer.ID).
	ID    string
	Text  string
	Type  string
	Count int
}

// Mention is one place in the text where an entity is named.
type Mention struct {
	// Start and End are byte offsets of the mention in the text.
	Start, End int
	// Entity is the canonical name of the entity mentioned.
	Entity string
	// Type is the entity's type (article.EntityPerson, ...).
	Type string
	// Guessed marks a person known only by an unknown capitalised word,
	// with no cue: too weak to resolve a pronoun to.
	Guessed bool
}

// Role is a word naming an office or job ("министърът", "the minister")
// and the person it refers to, if known.
type Role struct {
	Start, End int
	// Person is the canonical name of the person who holds the role: the
	// name right after it ("министърът ... Сергей Лавров"), else the person
	// last named with the same role, else the last person named before.
	Person string
}

// Result is what Extract finds.
type Result struct {
	// Entities in order of count, then of first mention.
	Entities []Entity
	// Mentions in text order.
	Mentions []Mention
	// Roles in text order.
	Roles []Role
}

// ArticleEntities returns the entities as an article carries them.
func (r Result) ArticleEntities() []article.Entity {
	out := make([]article.Entity, len(r.Entities))
	for i, e := range r.Entities {
		out[i] = article.Entity{ID: e.ID, Text: e.Text, Type: e.Type, Count: e.Count}
	}
	return out
}
