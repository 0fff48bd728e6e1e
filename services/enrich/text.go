package enrich

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/entities"
	"github.com/newsflow/newsflow/pkg/keywords"
	"github.com/newsflow/newsflow/pkg/langdetect"
	"github.com/newsflow/newsflow/pkg/simhash"
	"github.com/newsflow/newsflow/pkg/story"
	"github.com/newsflow/newsflow/pkg/textclean"
	"github.com/newsflow/newsflow/pkg/textseg"
)

// textModels loads the language profiles and the other text models on
// first use, once, and shares them between the steps (read-only, safe for
// concurrent use).
type textModels struct {
	stores Stores
	once   sync.Once
	lang   *langdetect.Detector
	kw     *keywords.Model
	err    error
	// names gives the keyword step the entity mentions, so that a
	// keyword is the name it is part of; nil for none.
	names *extractor
}

func newTextModels(st Stores) *textModels {
	if st.Boilerplate == nil {
		st.Boilerplate = textclean.NewMemoryLearner()
	}
	if st.NearDup == nil {
		st.NearDup = simhash.NewMemoryIndex()
	}
	if st.Stories == nil {
		st.Stories = story.NewMemoryIndex(story.DefaultParams())
	}
	return &textModels{stores: st}
}

// clean removes boilerplate from the body: the rules of textclean and the
// lines learned as boilerplate of the article's source. When the learned
// lines cannot be read, the rules still apply and the error is recorded.
func (m *textModels) clean(ctx context.Context, a *article.Article) error {
	learned, err := m.stores.Boilerplate.Observe(ctx, a.Source, a.ID, textclean.Candidates(a.Body))
	r := textclean.CleanWith(a.Body, textclean.Options{
		Title:       a.Title,
		Boilerplate: func(line string) bool { return learned[line] },
	})
	a.CleanBody = r.Body
	a.RelatedLinks = r.RelatedLinks
	return err
}

func (m *textModels) load() error {
	m.once.Do(func() {
		d, err := langdetect.New()
		if err != nil {
			m.err = fmt.Errorf("load language profiles: %w", err)
			return
		}
		m.lang = d
		k, err := keywords.New()
		if err != nil {
			m.err = fmt.Errorf("load keyword frequencies: %w", err)
			return
		}
		m.kw = k
	})
	return m.err
}

// detectLang sets lang, lang_declared and lang_confidence from the title
// and the clean body: the language given on input is kept as
// lang_declared, and stays the article's language unless the text clearly
// says otherwise (langdetect.Choose); with none given, lang is the detected
// one, "und" when the text does not settle it.
func (m *textModels) detectLang(_ context.Context, a *article.Article, d *analysis) error {
	if err := m.load(); err != nil {
		return err
	}
	if a.EnrichedAt.IsZero() && a.LangDeclared == "" {
		// First enrichment: lang is still the publisher's. (An article
		// enriched again keeps the declared language it was given.)
		a.LangDeclared = a.Lang
	}
	// The title on its own line, then the clean body; without a title,
	// the body alone (a line break before it changes nothing: Detect
	// reads letters).
	r := m.lang.Detect(d.of(a).full)
	lang, conf := langdetect.Choose(a.LangDeclared, r)
	a.Lang = lang
	a.LangConfidence = math.Round(conf*1000) / 1000
	return nil
}

// Keywords and summary sizes.
const (
	maxKeywords      = 10
	summarySentences = 3
)

// keywords sets the article's key terms (TF-IDF over the clean body, with
// the title as a hint), each shown as the name or set phrase it belongs
// to: the entity mentions (when the gazetteers load) and the phrases the
// article repeats.
func (m *textModels) keywords(_ context.Context, a *article.Article, d *analysis) error {
	if err := m.load(); err != nil {
		return err
	}
	d = d.of(a)
	var names []keywords.Name
	var descriptors map[string]bool
	if m.names != nil {
		if x, err := m.names.get(); err == nil {
			names, descriptors = keywordNames(a.Lang, d.full, d.entities(x, a.Lang).Mentions, x.Gazetteer().GivenName)
		}
	}
	lang := a.Lang
	kws := d.keywordTerms(m.kw, lang).Phrases(maxKeywords, names, func(w string) bool {
		return keywords.IsGeneric(lang, w) || entities.IsRole(w) || descriptors[strings.ToLower(w)]
	})
	a.Keywords = make([]article.Keyword, len(kws))
	for i, k := range kws {
		a.Keywords[i] = article.Keyword{Term: k.Term, Score: k.Score}
	}
	return nil
}

// keywordNames returns the entity mentions of text that may stand for
// keyword terms (keywordName), a German person's name without the nouns
// before a given name and surname ("Brasilianer Joao Souza" is "Joao
// Souza", from where "Joao" starts), and a person named with no given name by the name of
// the one person of the text with a given name and the same surname
// ("Spanier Andujar" is "Pablo Andujar"). The words cut off before a
// name ("Brasilianer", "Spanier") are returned too, lower-cased: they
// describe the person and are no keyword alone.
func keywordNames(lang, text string, ms []entities.Mention, given func(string) bool) ([]keywords.Name, map[string]bool) {
	full := map[string]string{} // surname -> the one name with a given name ending in it, "" for several
	for _, mn := range ms {
		ws := strings.Fields(mn.Entity)
		if mn.Type != article.EntityPerson || len(ws) < 2 || !given(ws[0]) {
			continue
		}
		last := strings.ToLower(ws[len(ws)-1])
		if f, ok := full[last]; ok && f != mn.Entity {
			full[last] = ""
		} else {
			full[last] = mn.Entity
		}
	}
	var out []keywords.Name
	descriptors := map[string]bool{}
	for _, mn := range ms {
		if !keywordName(lang, mn.Entity) {
			continue
		}
		n := keywords.Name{Start: mn.Start, End: mn.End, Text: mn.Entity}
		ws := strings.Fields(mn.Entity)
		if (mn.Type == article.EntityPerson || mn.Type == article.EntityOther) && len(ws) > 1 && !given(ws[0]) {
			cut := 0
			if j := slices.IndexFunc(ws, given); j > 0 && j < len(ws)-1 && lang == "de" {
				n.Text, cut = strings.Join(ws[j:], " "), j
			} else if f := full[strings.ToLower(ws[len(ws)-1])]; f != "" && mn.Type == article.EntityPerson {
				n.Text, cut = f, len(ws)-1
			}
			for _, w := range ws[:cut] {
				descriptors[strings.ToLower(w)] = true
			}
			// The span starts after the words cut when the surface has
			// the name's words.
			if sw := strings.Fields(text[mn.Start:mn.End]); cut > 0 && len(sw) == len(ws) {
				n.Start += strings.Index(text[mn.Start:mn.End], sw[cut])
			}
		}
		out = append(out, n)
	}
	return out, descriptors
}

// keywordName reports whether an entity's name may stand for keyword
// terms: at most four words and, in German (where every noun is
// capitalised), no lower-case word but the particles of names ("von",
// "der", "für"): a span such as "Finals die Siegesserie" is no name.
func keywordName(lang, name string) bool {
	ws := strings.Fields(name)
	if len(ws) > 4 {
		return false
	}
	if lang != "de" {
		return true
	}
	for _, w := range ws {
		if !textseg.FirstUpper(w) && !germanNameParticles[w] {
			return false
		}
	}
	return true
}

var germanNameParticles = map[string]bool{"von": true, "van": true, "der": true, "de": true, "und": true, "für": true, "zu": true, "am": true, "an": true, "im": true}

// summary sets an extractive summary: two or three sentences of the clean
// body that carry the most keyword weight, in text order.
func (m *textModels) summary(_ context.Context, a *article.Article, d *analysis) error {
	if err := m.load(); err != nil {
		return err
	}
	d = d.of(a)
	a.Summary = d.keywordTerms(m.kw, a.Lang).Summary(d.bodySentences(), summarySentences)
	return nil
}

// wordsPerMinute is an adult's average silent reading speed.
const wordsPerMinute = 200

// stats sets the word count of the clean body (words, numbers and
// abbreviations, as textseg counts them) and the reading time.
func (m *textModels) stats(_ context.Context, a *article.Article, d *analysis) error {
	n := d.of(a).wordCount()
	a.WordCount = n
	a.ReadingTimeSeconds = int(math.Ceil(float64(n) * 60 / wordsPerMinute))
	return nil
}

// minFingerprintWords is the shortest clean body filed for near-duplicate
// search: a few words say too little to call two articles copies.
const minFingerprintWords = 40

// Sign returns the signature (SimHash and sketch) of a clean body and
// whether the body is long enough to be compared.
func Sign(cleanBody string) (simhash.Signature, bool) {
	return simhash.Sign(cleanBody), textseg.CountWords(cleanBody) >= minFingerprintWords
}

// nearDuplicates sets simhash and, when an earlier article of the last
// ones seen is a near-duplicate (a lightly rewritten, shortened or extended
// copy), near_duplicate_of.
func (m *textModels) nearDuplicates(ctx context.Context, a *article.Article, d *analysis) error {
	d = d.of(a)
	sig, ok := simhash.Sign(d.body), d.wordCount() >= minFingerprintWords
	a.Simhash = fmt.Sprintf("%016x", sig.FP)
	if !ok {
		return nil
	}
	orig, err := m.stores.NearDup.Add(ctx, a.ID, sig)
	if err != nil {
		return fmt.Errorf("near-duplicate search: %w", err)
	}
	a.NearDuplicateOf = orig
	return nil
}

// stories gives the article its story: the recent story of the article it
// is a near-duplicate of, or the one whose members share the most rare
// entities and keywords with it, or a new one (pkg/story). It runs after
// the entity and near-duplicate steps, whose output it reads.
func (m *textModels) stories(ctx context.Context, a *article.Article) error {
	id, err := m.stores.Stories.Assign(ctx, a.ID, story.Sign(a))
	if err != nil {
		return fmt.Errorf("story: %w", err)
	}
	a.StoryID = id
	return nil
}
