// Package entities finds the people, places and organisations named in a
// news text and counts their mentions, each with one id for the entity in
// every language (Gazetteer.ID: "per:trmp" for Тръмп, Трамп and Trump).
//
// With a tagger model (WithModel, LoadModel: an averaged-perceptron BIO
// tagger trained on the BSNLP and CoNLL-2003 annotations, tagger.go and
// train.go) the names are what the tagger finds, in any of the languages it
// was trained on (bg, ru, uk, pl, cs, sl, hr, sk, en). Without one (New
// alone) a rule-based chunker finds them in Bulgarian, Russian, Ukrainian,
// English or German: runs of capitalised words (sentence starts told apart
// by word statistics), gazetteers matched on stems so that inflected forms
// match (Bulgarian definite articles, Russian case endings), cue words
// (titles, roles, organisation and place words, reporting verbs) for the
// names no gazetteer holds. The tagger uses the chunker's labels and the
// gazetteers as features. Either way, mentions are resolved into entities
// with coreference of surnames and given names with the full name
// ("Лавров" is "Сергей Лавров") and canonical (nominative) names.
//
// The package imports nothing of NATS; Extract is a pure function of its
// input and safe for concurrent use.
package entities

import (
	"strings"

	"github.com/newsflow/newsflow/pkg/textseg"
)

// Gazetteer returns the gazetteer x uses.
func (x *Extractor) Gazetteer() *Gazetteer { return x.g }

// Extractor extracts entities with a gazetteer.
type Extractor struct {
	g *Gazetteer
	// model, when set, tags the names (see tagger.go); the rule-based
	// chunker then only supplies features, roles and canonical forms.
	model *Model
	// memo caches what is computed about the tokens of the sentence being
	// read; set only on the per-call copy Extract makes, so Extractor
	// stays safe for concurrent use.
	memo *gazMemo
}

// New returns an extractor using g.
func New(g *Gazetteer) *Extractor { return &Extractor{g: g} }

// mention is a candidate mention before coreference.
type mention struct {
	start, end int
	words      []string
	typ        string
	canonical  string // set for gazetteer matches
	country    bool   // a gazetteer country or world region
	weak       bool   // a capitalised sentence start: counts only if it corefers
	byVerb     bool   // typed PERSON only for standing next to a reporting verb
	group      int
}

// Extract finds the entities of text, a news article in language lang
// (ISO 639-1; "" when unknown). Put the title on the first line of text
// if it should count.
func (x *Extractor) Extract(text, lang string) Result {
	return x.ExtractSentences(text, textseg.Split(text), lang)
}

// ExtractBoth is ExtractSentences with the tagger, and also returns what
// the rule-based chunker alone finds (x without its model), which the
// tagger computes on the way: the quotation step's speaker rules read the
// chunker's mentions and roles. Without a model both are the chunker's.
func (x *Extractor) ExtractBoth(text string, sents []textseg.Sentence, lang string) (tagged, rules Result) {
	if x.model == nil {
		r := x.ExtractSentences(text, sents, lang)
		return r, r
	}
	var ruleMs []mention
	var ruleRoles []Role
	tagged = x.extractSentences(text, sents, lang, func(ms []mention, roles []Role) {
		ruleMs, ruleRoles = append(ruleMs, ms...), append(ruleRoles, roles...)
	})
	rx := *x
	rx.model = nil
	return tagged, rx.resolve(text, ruleMs, ruleRoles, lang)
}

// ExtractSentences is Extract over the sentences of text as
// textseg.Split(text) returns them, for callers that have split the text
// already.
func (x *Extractor) ExtractSentences(text string, sents []textseg.Sentence, lang string) Result {
	return x.extractSentences(text, sents, lang, nil)
}

// extractSentences is ExtractSentences; with the tagger, rules (when not
// nil) receives each sentence's rule-based mentions and roles.
func (x *Extractor) extractSentences(text string, sents []textseg.Sentence, lang string, rules func([]mention, []Role)) Result {
	xc := *x
	xc.memo = memoPool.Get().(*gazMemo)
	defer xc.memo.release()
	longest := 0
	for _, s := range sents {
		longest = max(longest, len(s.Tokens))
	}
	xc.memo.reserve(longest)
	var ms []mention
	var roles []Role
	if x.model != nil {
		if xc.memo.doc == nil {
			xc.memo.doc = make(map[string]uint8, 512)
		}
		for _, s := range sents {
			xc.memo.texts = appendTexts(xc.memo.texts[:0], s.Tokens)
			addDocWords(xc.memo.doc, xc.memo.texts)
		}
	}
	for _, s := range sents {
		if x.model != nil {
			xc.memo.reset(s.Tokens)
			ms, roles = xc.tagSentence(s.Tokens, lang, shouting(s.Text), ms, roles, rules)
			continue
		}
		if shouting(s.Text) {
			continue
		}
		xc.memo.reset(s.Tokens)
		ms, roles = xc.sentence(s.Tokens, lang, ms, roles)
	}
	if x.model != nil {
		ms = trimPersonPrefixes(text, ms)
	}
	return x.resolve(text, ms, roles, lang)
}

// trimPersonPrefixes drops the first word of a tagged person's name of
// three or more words when the rest is a person named elsewhere in the
// text, or the first word a place, organisation or other name of its own
// elsewhere in it (in any case form: compared by stems): a capitalised
// word before a name ("ФРГ Хайко Маас", "Брекзит Дейвид Дейвис") that the
// tagger ran into it.
func trimPersonPrefixes(text string, ms []mention) []mention {
	long := false
	for _, m := range ms {
		long = long || m.typ == "PERSON" && len(m.words) >= 3
	}
	if !long {
		return ms
	}
	people, others := map[string]bool{}, map[string]bool{}
	for _, m := range ms {
		k := stemKey(strings.Join(m.words, " "))
		if m.typ == "PERSON" {
			people[k] = true
		} else if len(m.words) == 1 {
			others[k] = true
		}
	}
	for i := range ms {
		m := &ms[i]
		if m.typ != "PERSON" || len(m.words) < 3 || !people[stemKey(strings.Join(m.words[1:], " "))] && !others[stemKey(m.words[0])] {
			continue
		}
		k := strings.Index(text[m.start:m.end], m.words[1])
		if k <= 0 {
			continue
		}
		m.start += k
		m.words = m.words[1:]
		m.canonical = ""
	}
	return ms
}
