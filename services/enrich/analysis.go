package enrich

import (
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/entities"
	"github.com/newsflow/newsflow/pkg/keywords"
	"github.com/newsflow/newsflow/pkg/textseg"
)

// analysis is an article's text analysed once and shared by the steps of
// one Enrich call: the title and the clean body tokenised and split into
// sentences together, and what the steps derive from them (keyword terms,
// entities). Each part is computed on first use; if a step changes the
// title, the clean body or the language, what depends on it is computed
// again. An analysis belongs to one article and one goroutine.
type analysis struct {
	title, body string // what the text parts were computed from

	// full is what the language, entity and quotation steps read: the
	// title on its own line, then the clean body (the body alone without
	// a title); the body starts at byte bodyOff.
	full    string
	bodyOff int

	tokenized bool
	toks      []textseg.Token // of full
	// spare is an array for the tokens, reused from an earlier text.
	spare   []textseg.Token
	bodyTok int // index of the body's first token
	words   int // word tokens of the body

	sents     []textseg.Sentence // of full
	bodySents []textseg.Sentence // of the body alone

	terms     *keywords.Analysis
	termsLang string

	ents     *entities.Result
	entsLang string
	// rules are the entities of the rule-based chunker alone (of entsLang),
	// which the quotation step's speaker rules were written against.
	rules *entities.Result
}

// of returns the analysis of a's current text, resetting it when the
// title or clean body changed since it was computed.
func (d *analysis) of(a *article.Article) *analysis {
	body := text(a)
	if d.full != "" && d.title == a.Title && d.body == body {
		return d
	}
	spare := d.spare
	if d.toks != nil {
		spare = d.toks // nothing reads the old text's tokens any more
	}
	*d = analysis{title: a.Title, body: body, full: body, spare: spare[:0]}
	if a.Title != "" {
		d.full = a.Title + "\n" + body
		d.bodyOff = len(a.Title) + 1
	}
	return d
}

// tokens tokenises the text once. The body's tokens are the same as
// Tokenize(body) would give, shifted by bodyOff: a token never crosses
// the line break after the title, and none depends on the text before it
// (FuzzSplit checks this).
func (d *analysis) tokenize() {
	if d.tokenized {
		return
	}
	d.tokenized = true
	d.toks = textseg.AppendTokens(d.spare[:0], d.full)
	d.spare = d.toks
	d.bodyTok = len(d.toks)
	for i, t := range d.toks {
		if t.Start >= d.bodyOff {
			d.bodyTok = i
			break
		}
	}
	for _, t := range d.toks[d.bodyTok:] {
		if t.IsWord() {
			d.words++
		}
	}
}

// tokens returns the tokens of the full text.
func (d *analysis) tokens() []textseg.Token {
	d.tokenize()
	return d.toks
}

// titleTokens returns the tokens of the title.
func (d *analysis) titleTokens() []textseg.Token {
	d.tokenize()
	return d.toks[:d.bodyTok]
}

// bodyTokens returns the tokens of the clean body.
func (d *analysis) bodyTokens() []textseg.Token {
	d.tokenize()
	return d.toks[d.bodyTok:]
}

// wordCount returns the number of word tokens of the clean body.
func (d *analysis) wordCount() int {
	d.tokenize()
	return d.words
}

// sentences returns the sentences of the full text.
func (d *analysis) sentences() []textseg.Sentence {
	if d.sents == nil {
		d.tokenize()
		d.sents = textseg.SplitTokens(d.full, d.toks)
	}
	return d.sents
}

// bodySentences returns the sentences of the clean body alone.
func (d *analysis) bodySentences() []textseg.Sentence {
	if d.bodySents == nil {
		d.tokenize()
		if d.bodyTok == 0 {
			d.bodySents = d.sentences()
		} else {
			d.bodySents = textseg.SplitTokens(d.full, d.toks[d.bodyTok:])
		}
	}
	return d.bodySents
}

// keywordTerms returns the scored terms of the article in lang.
func (d *analysis) keywordTerms(m *keywords.Model, lang string) *keywords.Analysis {
	if d.terms == nil || d.termsLang != lang {
		d.terms, d.termsLang = m.AnalyzeTokens(lang, d.titleTokens(), d.bodyTokens()), lang
	}
	return d.terms
}

// ruleEntities returns the entities of the full text in lang found by the
// rule-based chunker alone, which x's tagger computes on the way.
func (d *analysis) ruleEntities(x *entities.Extractor, lang string) *entities.Result {
	d.entities(x, lang)
	return d.rules
}

// entities returns the entities of the full text in lang.
func (d *analysis) entities(x *entities.Extractor, lang string) *entities.Result {
	if d.ents == nil || d.entsLang != lang {
		tagged, rules := x.ExtractBoth(d.full, d.sentences(), lang)
		d.ents, d.rules, d.entsLang = &tagged, &rules, lang
	}
	return d.ents
}
