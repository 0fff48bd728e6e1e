package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/newsflow/newsflow/pkg/article"
)

// The halves of the speaker annotations (testdata/speakers/README.md).
const (
	HalfDev     = "dev"
	HalfHeldOut = "heldout"
)

// SpeakerHalf returns the half an annotated article belongs to: held out
// when the FNV-1a 32-bit hash of its id is odd. The rule was fixed before
// any article was annotated.
func SpeakerHalf(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	if h.Sum32()%2 == 1 {
		return HalfHeldOut
	}
	return HalfDev
}

// SpeakerArticle is one article of the speaker annotations.
type SpeakerArticle struct {
	ID         string      `json:"id"`
	CorpusFile string      `json:"corpus_file"`
	Half       string      `json:"half"`
	Quotes     []GoldQuote `json:"quotes"`
	// Lang is the language, from the file name (bg.json).
	Lang string `json:"-"`
}

// ReadSpeakers reads every <lang>.json file of dir, checking each article's
// half against SpeakerHalf.
func ReadSpeakers(dir string) ([]SpeakerArticle, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list speaker annotations: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("speaker annotations %s: no *.json files: %w", dir, ErrNoData)
	}
	var out []SpeakerArticle
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read speaker annotations: %w", err)
		}
		var as []SpeakerArticle
		if err := json.Unmarshal(data, &as); err != nil {
			return nil, fmt.Errorf("decode speaker annotations %s: %w", p, err)
		}
		lang := strings.TrimSuffix(filepath.Base(p), ".json")
		for i := range as {
			a := &as[i]
			if a.ID == "" || a.CorpusFile == "" {
				return nil, fmt.Errorf("speaker annotations %s, article %d: id and corpus_file are required", p, i+1)
			}
			if a.Half != SpeakerHalf(a.ID) {
				return nil, fmt.Errorf("speaker annotations %s, article %s: half %q, the rule says %q", p, a.ID, a.Half, SpeakerHalf(a.ID))
			}
			a.Lang = lang
		}
		out = append(out, as...)
	}
	return out, nil
}

// SpeakerScores counts how the annotated quotations with a named speaker
// fared: Correct with the annotated speaker, Wrong with another one,
// Abstained found without a speaker, Missed not found at all.
type SpeakerScores struct {
	Articles, Quotes, Found                  int
	Named, Correct, Wrong, Abstained, Missed int
}

// Accuracy is Correct/Named (a missed or unattributed quotation is wrong).
func (s SpeakerScores) Accuracy() float64 {
	if s.Named == 0 {
		return 0
	}
	return float64(s.Correct) / float64(s.Named)
}

// Precision is Correct/(Correct+Wrong): how often a speaker given is right.
func (s SpeakerScores) Precision() float64 {
	if s.Correct+s.Wrong == 0 {
		return 0
	}
	return float64(s.Correct) / float64(s.Correct+s.Wrong)
}

func (s *SpeakerScores) add(o SpeakerScores) {
	s.Articles += o.Articles
	s.Quotes += o.Quotes
	s.Found += o.Found
	s.Named += o.Named
	s.Correct += o.Correct
	s.Wrong += o.Wrong
	s.Abstained += o.Abstained
	s.Missed += o.Missed
}

// Coverage is (Correct+Wrong)/Named: how often a speaker is given.
func (s SpeakerScores) Coverage() float64 {
	if s.Named == 0 {
		return 0
	}
	return float64(s.Correct+s.Wrong) / float64(s.Named)
}

// speakerRow renders a SpeakerScores as table cells after name.
func speakerRow(name string, s SpeakerScores) []string {
	return []string{name, fmt.Sprint(s.Articles), fmt.Sprint(s.Named),
		fmt.Sprintf("**%s** (%d)", F3(s.Accuracy()), s.Correct), fmt.Sprint(s.Wrong), fmt.Sprint(s.Abstained), fmt.Sprint(s.Missed), F3(s.Precision()), F3(s.Coverage())}
}

var speakerHeader = []string{"set", "articles", "quotes with a named speaker", "speaker accuracy", "wrong speaker", "unattributed", "quote missed", "precision of given speakers", "coverage (a speaker given)"}

// ScoreSpeakerArticle scores one annotated article against its enriched
// form: a quotation is found when an extracted one starts with the
// annotated key; its speaker is right when it equals the annotated name
// (NormName). miss receives a line per error.
func ScoreSpeakerArticle(g SpeakerArticle, a *article.Article, miss func(string)) SpeakerScores {
	s := SpeakerScores{Articles: 1}
	gold := Gold{Quotes: g.Quotes}
	res, _ := MatchQuotes(gold, a)
	for _, r := range res {
		s.Quotes++
		if r.Found {
			s.Found++
		}
		if r.Gold.Speaker == nil {
			continue
		}
		s.Named++
		switch {
		case !r.Found:
			s.Missed++
			miss(fmt.Sprintf("%s: quote %q not found", g.ID, r.Gold.StartsWith))
		case r.Correct():
			s.Correct++
		case r.Speaker == "":
			s.Abstained++
			miss(fmt.Sprintf("%s: quote %q unattributed, want %q", g.ID, r.Gold.StartsWith, *r.Gold.Speaker))
		default:
			s.Wrong++
			miss(fmt.Sprintf("%s: quote %q speaker %q, want %q", g.ID, r.Gold.StartsWith, r.Speaker, *r.Gold.Speaker))
		}
	}
	return s
}

// SpeakerResults are the speaker figures per language and half ("bg\theldout").
type SpeakerResults map[string]*SpeakerScores

// ScoreSpeakers enriches the annotated bg/ru/de articles and scores their
// speakers per language and half. Errors are written to env.Log only for
// the dev half: the held-out half is for reporting, not for reading.
func ScoreSpeakers(ctx context.Context, env *Env) (SpeakerResults, error) {
	if env.SpeakersDir == "" {
		return nil, fmt.Errorf("no speaker annotations directory: %w", ErrNoData)
	}
	gold, err := ReadSpeakers(env.SpeakersDir)
	if err != nil {
		return nil, err
	}
	out := SpeakerResults{}
	for _, g := range gold {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a, err := env.Article(g.CorpusFile, g.ID)
		if err != nil {
			return nil, err
		}
		miss := func(string) {}
		if g.Half == HalfDev && env.Log != nil {
			miss = func(s string) { fmt.Fprintln(env.Log, "speakers:", g.Lang, s) }
		}
		s := ScoreSpeakerArticle(g, env.Enriched(ctx, a), miss)
		k := g.Lang + "\t" + g.Half
		if out[k] == nil {
			out[k] = &SpeakerScores{}
		}
		out[k].add(s)
	}
	return out, nil
}

// Speakers is the report section on quote speakers in bg, ru and de: the
// held-out half first, then the half the rules were written from.
func Speakers(ctx context.Context, env *Env) (string, error) {
	res, err := ScoreSpeakers(ctx, env)
	if err != nil {
		return "", err
	}
	seen := map[string]bool{}
	for k := range res {
		l, _, _ := strings.Cut(k, "\t")
		seen[l] = true
	}
	langs := sortedKeys(seen)
	n := 0
	for _, sc := range res {
		n += sc.Articles
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Quote speakers on %d bg, ru and de corpus articles annotated for it\n", n)
	b.WriteString("(`services/enrich/testdata/speakers`, chosen and annotated before the pipeline ran on them).\n")
	b.WriteString("The held-out half (FNV-1a of the id odd) is never read to write a rule; the dev half is.\n")
	b.WriteString("A quotation with a named speaker counts as right when an extracted quotation starts with the\n")
	b.WriteString("annotated words and its speaker is the annotated full name (case-insensitive); a missed or\n")
	b.WriteString("unattributed quotation counts as wrong. Target: speaker accuracy at least 0.85 per language.\n")
	b.WriteString("Before the speaker work of the issue \"Speakers, languages and keywords\" (pkg/quotes at 486826d):\n")
	b.WriteString("held out bg 0.828, ru 0.550, de 0.077 (all 0.581); dev half 0.456. The held-out figures were\n")
	b.WriteString("looked at six times while rules were written (before, four times midway, at the end), never their\n")
	b.WriteString("errors. At 049a5d8: held out bg 0.862, ru 0.700, de 0.385 (all 0.710, precision 0.863); dev 0.785.\n")
	b.WriteString("A second round followed: a headline's or lead's quotation taken up again where its speaker is\n")
	b.WriteString("named (echo); surnames completed after a role (\"Bürgermeister Ignazio Marino\"); English\n")
	b.WriteString("attributions after a question (`\"...?\" Sanders asked`), a bare surname, a name and a verb form\n")
	b.WriteString("the lists lack (`\"...,\" Trump barked`), a longer apposition, a headline's `‘...’`, the name after a\n")
	b.WriteString("role and its qualifiers (`said Virginia delegate Beau Correll`); organisations\n")
	b.WriteString("after a sentence adverb and completed by a place (`Госдеп США`); Cyrillic names in an oblique case\n")
	b.WriteString("not taken as the subject; no guess of the person last named after an English or German verb whose\n")
	b.WriteString("subject is not found. Its held-out figures were seen thirteen times (before, after each step),\n")
	b.WriteString("never their errors; once with that last change in every language (bg 0.828, ru 0.650), after\n")
	b.WriteString("which it was kept to English and German, where PolNeAR's train month supports it.\n")
	b.WriteString("A third round (issue 22, point 1) first annotated 93 more articles before the pipeline ran on\n")
	b.WriteString("them: 90 ru, the next in FNV order, and 3 de, the last German articles of the corpus with a\n")
	b.WriteString("quotation in their lead (10kGNAD keeps no quotation marks in its bodies). Then German rules\n")
	b.WriteString("(`X zufolge`, `laut` and the noun phrase after it, `lautet seine Botschaft`, a headline's name and\n")
	b.WriteString("preposition before a colon, `der 52-Jährige`, role nouns the entities lack, more verbs of saying,\n")
	b.WriteString("`»...«`) and Russian ones (no guess after a plural verb, `По информации X`, no antecedent in an\n")
	b.WriteString("oblique case, role bindings) were written from the dev half. On the enlarged set, before them\n")
	b.WriteString("(pkg/quotes at afbddf5) and after: held out bg 0.862 -> 0.862, ru 0.579 -> 0.579, de 0.385 -> 0.462;\n")
	b.WriteString("dev half bg 0.938 -> 0.938, ru 0.655 -> 0.678, de 0.667 -> 0.667. These held-out figures were read\n")
	b.WriteString("once, at the end, both together; the earlier ru 0.800 was on 20 held-out quotations, now 76.\n")
	b.WriteString("A fourth round wrote Russian rules from the dev half's errors only (`По информации The X`; no\n")
	b.WriteString("speaker after `передают X` or `в интервью ведущей X`; `глава Евросовета` not a person; a surname\n")
	b.WriteString("completed from its oblique full name; `уль-Малук`; `говорится в отчете X`; `В компании X ...\n")
	b.WriteString("сообщили`). Before it (pkg/quotes at 72a1d0c) and after: held out ru 0.579 -> 0.605, wrong\n")
	b.WriteString("speakers 14 -> 11; dev half ru 0.678 -> 0.747, wrong 8 -> 1; bg and de unchanged in both halves.\n")
	b.WriteString("The held-out figures were read once, at the end.\n")
	b.WriteString("A fifth round (Russian, from the dev half's errors only): `в компании`, `в авиакомпании`,\n")
	b.WriteString("`в министерстве`, `в профсоюзе` and a sentence's subject `Компания`, `перевозчик` take up the\n")
	b.WriteString("nearest organisation the article introduced with a noun of that kind (`авиакомпания Ryanair`,\n")
	b.WriteString("`МИД Франции`), and name nobody when none was; `в Министерстве иностранных дел X` is a name, given\n")
	b.WriteString("as first introduced (`МИД X`); `говорится в отчете.` takes up the document cited just before; an\n")
	b.WriteString("organisation in an oblique case (`Газпрома`) takes the nominative the text uses; `она` does not\n")
	b.WriteString("fall back to a man the text's past-tense verbs of saying make male (`заявил Трамп`); a hyphenated\n")
	b.WriteString("role (`Премьер-министр Великобритании`) takes the holder named after the same role and word\n")
	b.WriteString("elsewhere. Before it (pkg/quotes at cacd67c) and after: held out ru 0.605 -> 0.618 (46 -> 47 of\n")
	b.WriteString("76; wrong 11 -> 11, unattributed 18 -> 17); dev half ru 0.747 -> 0.851 (wrong 1 -> 0,\n")
	b.WriteString("unattributed 20 -> 12); bg and de unchanged in both halves; PolNeAR's dev and train months\n")
	b.WriteString("unchanged. The held-out figures were read once, at the end: the dev gain mostly did not carry over.\n\n")
	for _, half := range []string{HalfHeldOut, HalfDev} {
		var rows [][]string
		var all SpeakerScores
		for _, l := range langs {
			if s := res[l+"\t"+half]; s != nil {
				rows = append(rows, speakerRow(l, *s))
				all.add(*s)
			}
		}
		rows = append(rows, speakerRow("**all**", all))
		if half == HalfHeldOut {
			b.WriteString("**Held out** (the figure to quote):\n\n")
		} else {
			b.WriteString("\nDev half (rules were written from these errors; a tuning figure):\n\n")
		}
		b.WriteString(Table(speakerHeader, rows))
	}
	return b.String(), nil
}

// PolNeARQuote is an annotated attribution of the PolNeAR files
// (../shared/corpus/quotes/SOURCES.md).
type PolNeARQuote struct {
	StartsWith  string  `json:"starts_with"`
	Speaker     *string `json:"speaker"`
	SpeakerKind string  `json:"speaker_kind"`
	Direct      bool    `json:"direct"`
}

// PolNeARArticle is one article of a PolNeAR file.
type PolNeARArticle struct {
	article.Article
	Attributions []PolNeARQuote `json:"quotes"`
}

// ReadPolNeAR reads a PolNeAR JSONL file.
func ReadPolNeAR(path string) ([]PolNeARArticle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read PolNeAR: %w", err)
	}
	var out []PolNeARArticle
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var a PolNeARArticle
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			return nil, fmt.Errorf("read %s line %d: %w", path, i+1, err)
		}
		// The embedded article's quotes field takes the attributions'
		// JSON; it is the enricher's output, so it starts empty.
		a.Quotes = nil
		out = append(out, a)
	}
	return out, nil
}

// lastCapitalised returns the last word of s that starts with an upper-case
// letter ("Clinton" of "Hillary Clinton", "Post" of "The New York Post").
func lastCapitalised(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' && r != '\'' && r != '’' })
	for i := len(words) - 1; i >= 0; i-- {
		if r := []rune(words[i]); unicode.IsUpper(r[0]) {
			return words[i]
		}
	}
	return ""
}

// speakerHead is a PolNeAR source span without its apposition, relative
// clause or "of"/"for" phrase: "Brad Komar" of "Brad Komar, Clinton's
// Colorado state director", "Sen. Chris Murphy" of "Sen. Chris Murphy
// (D-Conn.), who ...", "Senator John McCain" of "Senator John McCain of
// Arizona".
func speakerHead(s string) string {
	if i := strings.IndexAny(s, ",("); i > 0 {
		s = s[:i]
	}
	for _, sep := range []string{" of ", " who ", " for "} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	return s
}

// normSpace folds every run of white space (no-break spaces too) to one
// space.
func normSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// ScorePolNeARArticle scores the direct quotations with a named speaker of
// one PolNeAR article as SOURCES.md says: right when an extracted
// quotation contains the start of the content and its speaker contains
// the gold speaker's last capitalised word. literal takes that word from
// the whole source span as annotated (SOURCES.md to the letter: "Colorado"
// of "Brad Komar, Clinton's Colorado state director"); otherwise from the
// span's head, before its first comma or bracket ("Komar").
func ScorePolNeARArticle(g PolNeARArticle, a *article.Article, literal bool, miss func(string)) SpeakerScores {
	s := SpeakerScores{Articles: 1}
	for _, q := range g.Attributions {
		if !q.Direct || q.SpeakerKind != "name" || q.Speaker == nil {
			continue
		}
		s.Quotes++
		s.Named++
		// The annotated content of a short quotation runs to its closing
		// mark ("I think she will,”"), which an extracted quotation
		// leaves out.
		start := strings.TrimRight(normSpace(q.StartsWith), "\"”“'’» ")
		found, speaker := false, ""
		for _, x := range a.Quotes {
			t := normSpace(x.Text)
			if strings.Contains(t, start) || (len(t) >= min(20, len(start)) && strings.HasPrefix(start, t)) {
				found, speaker = true, x.Speaker
				break
			}
		}
		want := lastCapitalised(*q.Speaker)
		if !literal {
			want = lastCapitalised(speakerHead(*q.Speaker))
		}
		switch {
		case !found:
			s.Missed++
			miss(fmt.Sprintf("%s: quote %q not found", g.ID, start))
		case speaker == "":
			s.Found++
			s.Abstained++
			miss(fmt.Sprintf("%s: quote %q unattributed, want %q", g.ID, start, *q.Speaker))
		case want != "" && strings.Contains(speaker, want):
			s.Found++
			s.Correct++
		default:
			s.Found++
			s.Wrong++
			miss(fmt.Sprintf("%s: quote %q speaker %q, want %q", g.ID, start, speaker, *q.Speaker))
		}
	}
	return s
}

// ScorePolNeAR enriches the articles of a PolNeAR file and scores them,
// on the span's head and literally (ScorePolNeARArticle). verbose writes
// each error of the head scoring to env.Log (never asked for the month
// reported).
func ScorePolNeAR(ctx context.Context, env *Env, file string, verbose bool) (head, literal SpeakerScores, err error) {
	as, err := ReadPolNeAR(filepath.Join(env.CorpusDir, "quotes", file))
	if err != nil {
		return head, literal, err
	}
	for _, g := range as {
		if err := ctx.Err(); err != nil {
			return head, literal, err
		}
		miss := func(string) {}
		if verbose && env.Log != nil {
			miss = func(s string) { fmt.Fprintln(env.Log, "polnear:", s) }
		}
		a := g.Article
		e := env.Enriched(ctx, &a)
		head.add(ScorePolNeARArticle(g, e, false, miss))
		literal.add(ScorePolNeARArticle(g, e, true, func(string) {}))
	}
	return head, literal, nil
}

// PolNeAR is the report section on English quote speakers: PolNeAR's dev
// month (reported; no rule is written from it) and its train month (where
// the rules come from).
func PolNeAR(ctx context.Context, env *Env) (string, error) {
	dev, devLit, err := ScorePolNeAR(ctx, env, "polnear-dev.jsonl", false)
	if err != nil {
		return "", err
	}
	train, trainLit, err := ScorePolNeAR(ctx, env, "polnear-train.jsonl", env.Log != nil)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("English direct quotations with a named speaker in PolNeAR's political news (`../shared/corpus/quotes`,\n")
	b.WriteString("scored as its SOURCES.md says: right when an extracted quotation contains the start of the\n")
	b.WriteString("annotated content and its speaker contains the annotated speaker's last capitalised word; a\n")
	b.WriteString("missed or unattributed quotation counts as wrong). Rules are written from the train month; the\n")
	b.WriteString("dev month is the figure to quote (PolNeAR's test month is kept for evaluating the project).\n\n")
	b.WriteString("The annotated speaker is a source span, often with an apposition (\"Brad Komar, Clinton's\n")
	b.WriteString("Colorado state director\"), whose last capitalised word is not the name. The first rows take the\n")
	b.WriteString("word from the span's head, before its first comma or bracket (\"Komar\"); the literal rows take it\n")
	b.WriteString("from the whole span, as SOURCES.md reads to the letter (\"Colorado\"). A short quotation's annotated\n")
	b.WriteString("content runs to its closing mark (\"I think she will,”\"), which is trimmed before matching. Before the\n")
	b.WriteString("speaker work (pkg/quotes at 486826d) the same scoring gave 0.502 on the dev month, and 0.384\n")
	b.WriteString("literally (the issue's 0.39); at 049a5d8, 0.726 and 0.566. English rules of issue 22 written from the\n")
	b.WriteString("train month's errors only (docs/enrichment.md, \"Quotations\"): before them (pkg/quotes at 375b3b0) the dev\n")
	b.WriteString("month gave 0.758 (wrong 14, unattributed 39, missed 15), 0.591 literally, the train month 0.824; the dev\n")
	b.WriteString("month was read twice (after a first round of those rules and at the end), its errors never. A second\n")
	b.WriteString("round of them (pkg/quotes at 8252424 before it) moved the dev month from 0.804 (wrong 11, unattributed\n")
	b.WriteString("31, missed 13) and the train month from 0.867 to the figures below; the dev month was read twice for it.\n\n")
	b.WriteString(Table(speakerHeader, [][]string{
		speakerRow("**dev month** (held out)", dev), speakerRow("dev month, literal", devLit),
		speakerRow("train month (tuning)", train), speakerRow("train month, literal", trainLit)}))
	return b.String(), nil
}
