package analysis

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/corpus"
)

func TestStemBulgarian(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{"masculine with articles and plural", []string{"министър", "министъра", "министърът", "министри", "министрите"}, "министр"},
		{"feminine", []string{"войната", "войни", "войните"}, "войн"},
		{"-ове plural", []string{"град", "градът", "градове", "градовете"}, "град"},
		{"-ци to -к", []string{"ученик", "ученици"}, "ученик"},
		{"adjective", []string{"американски", "американския", "американската", "американските"}, "американск"},
		{"neuter", []string{"правителство", "правителството"}, "правителств"},
		{"short words stay", []string{"в"}, "в"},
		{"three letters stay", []string{"ние"}, "ние"},
		{"-ища", []string{"съдилища"}, "съдил"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range tt.in {
				if got := StemBulgarian(w); got != tt.want {
					t.Errorf("StemBulgarian(%q) = %q, want %q", w, got, tt.want)
				}
			}
		})
	}
}

func TestAnalyzers(t *testing.T) {
	s := NewSet()
	const text = "Лавров заяви, че войната ё Running elections Häuser COVID-19 3.5"
	tests := []struct {
		lang string
		want string
	}{
		{"bg", "лавров заяв войн running elections häuser covid 19 3.5"},
		{"ru", "лавр заяв че войнат е running elections häuser covid 19 3.5"},
		{"en", "лавров заяви че войната е run elect häuser covid 19 3.5"},
		{"de", "лавров заяви че войната е running election haus covid 19 3.5"},
		{"uk", "лавров заяви че войната е running elections häuser covid 19 3.5"},
		{"", "лавров заяви че войната е running elections häuser covid 19 3.5"},
		// und (the detector could not tell): the neutral analyzer, no
		// stemming and no stop words of any one language.
		{"und", "лавров заяви че войната е running elections häuser covid 19 3.5"},
	}
	for _, tt := range tests {
		t.Run("lang "+tt.lang, func(t *testing.T) {
			if got := s.For(tt.lang).IndexText(text); got != tt.want {
				t.Errorf("IndexText = %q\nwant        %q", got, tt.want)
			}
		})
	}
	if got := s.For("und").Lang(); got != DefaultLang {
		t.Errorf("For(und) is the %s analyzer, want %s", got, DefaultLang)
	}
	t.Run("positions and offsets", func(t *testing.T) {
		var got []Token
		s.For("bg").Tokens("Сергей  Лавров!", func(tk Token) { got = append(got, tk) })
		want := []Token{{"сергей", 0, 12, 1}, {"лавров", 14, 26, 2}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("tokens = %+v, want %+v", got, want)
		}
	})
	t.Run("words", func(t *testing.T) {
		got := s.For("").Terms("U.S. it's 1,000.5 end.Next 東京 a-b")
		want := []string{"u.s", "it's", "1,000.5", "end.next", "東", "京", "a", "b"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Terms = %q, want %q", got, want)
		}
	})
	t.Run("phrase keeps stop word positions", func(t *testing.T) {
		if got, want := s.For("bg").Phrase("и Путин и Тръмп и"), []string{"путин", "", "тръмп"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Phrase = %q, want %q", got, want)
		}
		got := s.Variants("Путин и Тръмп", nil)
		want := [][]string{{"путин", "", "тръмп"}, {"путин", "и", "тръмп"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Variants = %q, want %q", got, want)
		}
	})
	t.Run("variants", func(t *testing.T) {
		got := s.Variants("Лавров", nil)
		want := [][]string{{"лавров"}, {"лавр"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Variants = %q, want %q", got, want)
		}
		if got := s.Variants("Лавров", []string{"ru"}); !reflect.DeepEqual(got, [][]string{{"лавр"}}) {
			t.Errorf("Variants(ru) = %q", got)
		}
	})
	t.Run("more languages", func(t *testing.T) {
		for lang, tc := range map[string][2]string{
			"fr": {"Les élections présidentielles de l'année dernière", "élect présidentiel anné derni"},
			"es": {"Las elecciones presidenciales del año pasado", "eleccion presidencial año pas"},
			"it": {"Le elezioni presidenziali dell'anno scorso", "elezion presidenzial anno scors"},
			"pt": {"As eleições presidenciais do ano passado", "eleiçõ presidenc ano pass"},
			"nl": {"De presidentsverkiezingen van vorig jaar", "presidentsverkiez vorig jar"},
			"tr": {"Geçen yılki cumhurbaşkanlığı seçimleri", "geçe yılki cumhurbaşkanlık seçim"},
			// Stempel: the forms of wybór and prezydent meet; w, o, do are stop words.
			"pl": {"Prezydent o wyborach, wyborów i wybory prezydenta w Polsce do Sejmu", "prezydent wybór wybór wybór prezydent polsce sejm"},
			"hr": {"Predsjednik o izborima i rezultatima izbora", "predsjednik o izbor i rezultat izbor"},
			"bs": {"Predsjednik o izborima i rezultatima izbora", "predsjednik o izbor i rezultat izbor"},
			"cs": {"Výsledky voleb, o volbách a volby prezidenta", "výsledk volb volb volb prezident"},
			// Bleve's Arabic and Hindi normalisers and light stemmers, the
			// Persian normaliser; stop words looked up after normalising.
			"ar": {"قال وزير الخارجية إن الحكومة ستدعم القرارات الجديدة إلى", "قال زير خارج حكوم ستدعم قرار جديد"},
			"fa": {"دولت از تصمیم\u200cهای جدید حمایت می\u200cکند", "دولت تصميم حمايت"},
			"hi": {"मंत्री ने कहा कि सरकार नए फैसलों का समर्थन करेगी", "मंतर सरकार नए फेसल समरथन करेग"},
			// Stop words only.
			"id": {"Menteri mengatakan bahwa pemerintah akan mendukung keputusan itu", "menteri mengatakan pemerintah mendukung keputusan"},
			"el": {"Ο υπουργός δήλωσε ότι η κυβέρνηση θα στηρίξει την απόφαση", "υπουργός δήλωσε ότι κυβέρνηση στηρίξει απόφαση"},
		} {
			if got := s.For(lang).IndexText(tc[0]); got != tc[1] {
				t.Errorf("%s: IndexText = %q, want %q", lang, got, tc[1])
			}
		}
		// A stop word of a language added later stays a query word:
		// "come" is Italian for "how" but an English verb.
		if s.IsStopWord("come") || s.IsStopWord("die") != true {
			t.Errorf("IsStopWord(come) = %v, IsStopWord(die) = %v: want only the bg, ru, en, de lists", s.IsStopWord("come"), s.IsStopWord("die"))
		}
		if got := s.For("it").IndexText("come Roma"); got != "rom" {
			t.Errorf("Italian IndexText(come Roma) = %q, want the stop word out", got)
		}
		if got := s.Variants("elections", nil); len(got) != 3 {
			t.Errorf("Variants(elections) = %q, want elections, elect, election", got)
		}
	})
	t.Run("stop words", func(t *testing.T) {
		for w, want := range map[string]bool{"и": true, "The": true, "und": true, "Лавров": false} {
			if got := s.IsStopWord(w); got != want {
				t.Errorf("IsStopWord(%q) = %v", w, got)
			}
		}
	})
}

func TestSnippet(t *testing.T) {
	s := NewSet()
	bg := s.For("bg")
	m := &Matcher{}
	m.AddTerm("лавров")
	tests := []struct {
		name, text string
		size       int
		want       string
		ok         bool
	}{
		{"marks and escapes", "Сергей Лавров заяви <b>нещо</b>.\n\nЛавров каза още.", 200,
			"Сергей <mark>Лавров</mark> заяви &lt;b&gt;нещо&lt;/b&gt;. <mark>Лавров</mark> каза още.", true},
		{"no match", "Нищо общо.", 200, "", false},
		{"cut with ellipses", strings.Repeat("дума ", 60) + "Лавров " + strings.Repeat("друга ", 60), 60,
			"…дума дума <mark>Лавров</mark> друга друга друга друга друга друга друга…", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := bg.Snippet(tt.text, m, tt.size)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Snippet = %q, %v\nwant      %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	t.Run("prefix", func(t *testing.T) {
		pm := &Matcher{}
		pm.AddPrefix("войн")
		got, _ := bg.Snippet("Войната и войниците.", pm, 100)
		if want := "<mark>Войната</mark> и <mark>войниците</mark>."; got != want {
			t.Errorf("Snippet = %q, want %q", got, want)
		}
	})
}

func FuzzSnippet(f *testing.F) {
	for _, s := range []string{"Сергей Лавров заяви", "a <b> & \"c\"", "", "ё\n\n\tЁ", "COVID-19 3.5 U.S."} {
		f.Add(s, "bg")
	}
	set := NewSet()
	f.Fuzz(func(t *testing.T, text, lang string) {
		a := set.For(lang)
		m := &Matcher{}
		prev := 0
		a.Tokens(text, func(tk Token) {
			if tk.Start < prev || tk.End > len(text) || tk.Start >= tk.End || tk.Term == "" {
				t.Fatalf("bad token %+v in %q", tk, text)
			}
			prev = tk.End
			m.AddTerm(tk.Term)
		})
		out, ok := a.Snippet(text, m, 50)
		if ok && !utf8.ValidString(out) && utf8.ValidString(text) {
			t.Fatalf("snippet of valid text is not valid UTF-8: %q", out)
		}
		if strings.Count(out, "<mark>") != strings.Count(out, "</mark>") {
			t.Fatalf("unbalanced marks: %q", out)
		}
	})
}

// TestBulgarianStemmerRecall measures recall and precision of single-word
// queries built from the inflected forms in testdata/bg_paradigms.txt over
// the Bulgarian corpus, without and with the stemmer. A document is
// relevant to a form when it holds any form of the same word.
func TestBulgarianStemmerRecall(t *testing.T) {
	var docs []map[string]bool // lowercased words of each document
	var stems []map[string]bool
	bg := NewSet().For("bg")
	for _, name := range []string{"bg.jsonl", "bg_htfn.jsonl"} {
		f, err := os.Open(corpus.Path(t, name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var a struct{ Title, Body string }
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Fatal(err)
			}
			words, st := map[string]bool{}, map[string]bool{}
			text := a.Title + "\n" + a.Body
			bg.Tokens(text, func(tk Token) {
				w := fold(text[tk.Start:tk.End])
				words[w] = true
				st[tk.Term] = true
			})
			docs = append(docs, words)
			stems = append(stems, st)
		}
		_ = f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile("testdata/bg_paradigms.txt")
	if err != nil {
		t.Fatal(err)
	}
	var rPlain, rStem, pPlain, pStem float64
	queries := 0
	for _, line := range strings.Split(string(data), "\n") {
		forms := strings.Fields(line)
		if len(forms) == 0 || strings.HasPrefix(line, "#") {
			continue
		}
		relevant := map[int]bool{}
		for i, d := range docs {
			for _, f := range forms {
				if d[f] {
					relevant[i] = true
					break
				}
			}
		}
		if len(relevant) == 0 {
			continue
		}
		for _, f := range forms {
			stem := bg.term(f)
			var hitPlain, hitStem, relPlain, relStem int
			for i := range docs {
				if docs[i][f] {
					hitPlain++
					if relevant[i] {
						relPlain++
					}
				}
				if stems[i][stem] {
					hitStem++
					if relevant[i] {
						relStem++
					}
				}
			}
			queries++
			rPlain += float64(relPlain) / float64(len(relevant))
			rStem += float64(relStem) / float64(len(relevant))
			pPlain += ratio(relPlain, hitPlain)
			pStem += ratio(relStem, hitStem)
		}
	}
	n := float64(queries)
	t.Logf("%d documents, %d queries: recall %.3f without stemming, %.3f with the Bulgarian stemmer; precision %.3f and %.3f",
		len(docs), queries, rPlain/n, rStem/n, pPlain/n, pStem/n)
	if queries < 100 {
		t.Fatalf("only %d queries found documents", queries)
	}
	if rStem/n < rPlain/n+0.2 {
		t.Errorf("stemming should raise mean recall by at least 0.2: %.3f -> %.3f", rPlain/n, rStem/n)
	}
	if pStem/n < 0.8 {
		t.Errorf("precision with stemming %.3f is below 0.8", pStem/n)
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
