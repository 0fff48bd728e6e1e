package textseg

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func sentenceTexts(text string) []string {
	var out []string
	for _, s := range Split(text) {
		out = append(out, s.Text)
	}
	return out
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"bg year abbreviation ends sentence", "Това стана през 2019 г. Той не каза нищо.",
			[]string{"Това стана през 2019 г.", "Той не каза нищо."}},
		{"bg year abbreviation mid sentence", "През 1998 г. в София имаше избори.",
			[]string{"През 1998 г. в София имаше избори."}},
		{"bg city abbreviation", "Срещата е в гр. Пловдив и в с. Горна баня.",
			[]string{"Срещата е в гр. Пловдив и в с. Горна баня."}},
		{"bg titles", "Говори проф. Иванов, а после д-р Петров и г-н Георгиев. Те бяха съгласни.",
			[]string{"Говори проф. Иванов, а после д-р Петров и г-н Георгиев.", "Те бяха съгласни."}},
		{"bg that is", "Нещо друго, т.е. Народното събрание, ще реши. Така е.",
			[]string{"Нещо друго, т.е. Народното събрание, ще реши.", "Така е."}},
		{"bg so-called", "Т.нар. Ислямска държава пое отговорност.",
			[]string{"Т.нар. Ислямска държава пое отговорност."}},
		{"bg millions", "Сумата е 5 млн. лева. Тя е голяма. Загубите са 2 млрд. Никой не плаща.",
			[]string{"Сумата е 5 млн. лева.", "Тя е голяма.", "Загубите са 2 млрд.", "Никой не плаща."}},
		{"bg initials", "Говори Дж. Байдън, а след него Д. Тръмп.",
			[]string{"Говори Дж. Байдън, а след него Д. Тръмп."}},
		{"bg quote then speaker", "„Имаме разногласия. Надяваме се да спре“, заяви той. Той допълни нещо.",
			[]string{"„Имаме разногласия.", "Надяваме се да спре“, заяви той.", "Той допълни нещо."}},
		{"bg quoted question with dash", "„Защо?“ – попита той. После замълча.",
			[]string{"„Защо?“ – попита той.", "После замълча."}},
		{"bg sentence then quote", "Той каза: „Не.“ Тя отговори „Да“.",
			[]string{"Той каза: „Не.“", "Тя отговори „Да“."}},
		{"bg newspaper abbreviation", "Пише в. „Труд“. В XX в. Европа беше друга.",
			[]string{"Пише в. „Труд“.", "В XX в.", "Европа беше друга."}},
		{"ru initial glued to name", "Об этом заявила Т.Мэй. Она ушла.",
			[]string{"Об этом заявила Т.Мэй.", "Она ушла."}},
		{"ru year and city", "В 2019 г. в г. Москва прошли выборы. Явка была низкой.",
			[]string{"В 2019 г. в г. Москва прошли выборы.", "Явка была низкой."}},
		{"ru thousands", "Пришли 5 тыс. человек. Полиция задержала 20.",
			[]string{"Пришли 5 тыс. человек.", "Полиция задержала 20."}},
		{"ru guillemets", "«Мы готовы», — сказал Лавров. Он улыбнулся.",
			[]string{"«Мы готовы», — сказал Лавров.", "Он улыбнулся."}},
		{"uk year", "У 2007р. було підписано угоду. Вона діє.",
			[]string{"У 2007р. було підписано угоду.", "Вона діє."}},
		{"en titles", "Mr. Smith met Dr. Jones in St. Louis. They talked.",
			[]string{"Mr. Smith met Dr. Jones in St. Louis.", "They talked."}},
		{"en U.S. mid sentence", "The U.S. President spoke. Then he left.",
			[]string{"The U.S. President spoke.", "Then he left."}},
		{"en U.S. at the end", "He moved to the U.S. The move was hard.",
			[]string{"He moved to the U.S.", "The move was hard."}},
		{"en quote closes sentence", `"We won." He smiled.`,
			[]string{`"We won."`, "He smiled."}},
		{"en question", "Why now? Nobody knows!",
			[]string{"Why now?", "Nobody knows!"}},
		{"en ellipsis", "He waited... Nothing happened.",
			[]string{"He waited...", "Nothing happened."}},
		{"en lower case after dot", "The cost was $1.5bn. in total, he said.",
			[]string{"The cost was $1.5bn. in total, he said."}},
		{"en number starts sentence", "It ended in 2004. 30 people died.",
			[]string{"It ended in 2004.", "30 people died."}},
		{"de ordinal date", "Am 3. Oktober 2019 kam er, d.h. spät. Es regnete.",
			[]string{"Am 3. Oktober 2019 kam er, d.h. spät.", "Es regnete."}},
		{"de z.B.", "Viele, z.B. Wien, sind teuer. Graz nicht.",
			[]string{"Viele, z.B. Wien, sind teuer.", "Graz nicht."}},
		{"pl m.in.", "Przyjechali m.in. prezydent i premier. Było 5 tys. osób.",
			[]string{"Przyjechali m.in. prezydent i premier.", "Było 5 tys. osób."}},
		{"line breaks end sentences", "Заглавие без точка\nПърво изречение. Второ\n\nТрето",
			[]string{"Заглавие без точка", "Първо изречение.", "Второ", "Трето"}},
		{"missing space after dot", "Това е краят.Той дойде.",
			[]string{"Това е краят.", "Той дойде."}},
		{"domain is not a sentence end", "Actualno.com ги представя.",
			[]string{"Actualno.com ги представя."}},
		{"url", "Вижте https://example.com/a.b?x=1. Това е всичко.",
			[]string{"Вижте https://example.com/a.b?x=1.", "Това е всичко."}},
		{"empty", " \n\t ", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := sentenceTexts(tc.text)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Split(%q)\n got %q\nwant %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string // tokens as kind:text joined by spaces
	}{
		{"bg hyphenated and abbreviations", "д-р Иванов, т.е. по-големият",
			"word:д-р word:Иванов punct:, abbrev:т.е. word:по-големият"},
		{"numbers", "1,5 млн. и 2.000 души в 12:30 ч.",
			"number:1,5 abbrev:млн. word:и number:2.000 word:души word:в number:12:30 abbrev:ч."},
		{"percent and currency", "50% от $10",
			"number:50 symbol:% word:от symbol:$ number:10"},
		{"en apostrophes", "Don't O'Brien’s",
			"word:Don't word:O'Brien’s"},
		{"dotted acronym", "U.S. and U.K.",
			"abbrev:U.S. word:and abbrev:U.K."},
		{"initials", "Дж. Байдън и J. R. R. Tolkien",
			"abbrev:Дж. word:Байдън word:и abbrev:J. abbrev:R. abbrev:R. word:Tolkien"},
		{"mixed letters and digits", "COVID-19 и Г-20",
			"word:COVID-19 word:и word:Г-20"},
		{"year range", "2019-2020 г.",
			"number:2019-2020 abbrev:г."},
		{"quotes and dashes", "„Да“ – «нет» ...",
			"punct:„ word:Да punct:“ punct:– punct:« word:нет punct:» punct:..."},
		{"email and url", "a.b@example.bg www.dir.bg.",
			"url:a.b@example.bg url:www.dir.bg punct:."},
		{"plain word before dot", "краят.",
			"word:краят punct:."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var parts []string
			for _, tok := range Tokenize(tc.text) {
				parts = append(parts, tok.Kind.String()+":"+tok.Text)
			}
			if got := strings.Join(parts, " "); got != tc.want {
				t.Errorf("Tokenize(%q)\n got %s\nwant %s", tc.text, got, tc.want)
			}
		})
	}
}

func TestTokenCase(t *testing.T) {
	tests := []struct {
		text             string
		capital, allCaps bool
	}{
		{"Лавров", true, false},
		{"НАТО", true, true},
		{"U.S.", true, true},
		{"г.", false, false},
		{"A", true, false},
		{"ёж", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			tok := Token{Text: tc.text}
			if tok.Capitalized() != tc.capital || tok.AllCaps() != tc.allCaps {
				t.Errorf("%q: Capitalized %v AllCaps %v, want %v %v", tc.text, tok.Capitalized(), tok.AllCaps(), tc.capital, tc.allCaps)
			}
		})
	}
}

func TestCountWords(t *testing.T) {
	if got := CountWords("Министърът Сергей Лавров заяви, че 5 млн. души са „за“."); got != 10 {
		t.Errorf("CountWords = %d, want 10", got)
	}
}

// checkInvariants verifies what every caller relies on: tokens are in
// order, do not overlap, match their offsets and cover every non-space
// character; sentences hold consecutive tokens.
func checkInvariants(t *testing.T, text string) {
	t.Helper()
	toks := Tokenize(text)
	prevEnd := 0
	for i, tok := range toks {
		if tok.Start < prevEnd || tok.End <= tok.Start || tok.End > len(text) {
			t.Fatalf("token %d %q has bad offsets [%d,%d) after %d", i, tok.Text, tok.Start, tok.End, prevEnd)
		}
		if text[tok.Start:tok.End] != tok.Text {
			t.Fatalf("token %d text %q does not match offsets", i, tok.Text)
		}
		if gap := strings.TrimFunc(text[prevEnd:tok.Start], isSpace); gap != "" && utf8.ValidString(gap) {
			t.Fatalf("text %q between tokens is lost", gap)
		}
		prevEnd = tok.End
	}
	n := 0
	for _, s := range SplitTokens(text, toks) {
		if len(s.Tokens) == 0 || s.Text != text[s.Start:s.End] || s.Start != s.Tokens[0].Start || s.End != s.Tokens[len(s.Tokens)-1].End {
			t.Fatalf("sentence %q is inconsistent", s.Text)
		}
		for _, tok := range s.Tokens {
			if tok != toks[n] {
				t.Fatalf("sentence %q token %q out of order", s.Text, tok.Text)
			}
			n++
		}
	}
	if n != len(toks) {
		t.Fatalf("sentences hold %d of %d tokens", n, len(toks))
	}
}

// checkJoined verifies what callers that tokenise a title and a body
// together rely on: the tokens and sentences of the text after a line
// break are those of that text alone, shifted by its offset.
func checkJoined(t *testing.T, text string) {
	t.Helper()
	for _, cut := range []int{strings.IndexByte(text, '\n'), strings.LastIndexByte(text, '\n')} {
		if cut < 0 {
			return
		}
		off := cut + 1
		body := text[off:]
		all := Tokenize(text)
		k := len(all)
		for i, tok := range all {
			if tok.Start >= off {
				k = i
				break
			}
		}
		alone := Tokenize(body)
		if len(all)-k != len(alone) {
			t.Fatalf("after the line break at %d: %d tokens, alone %d", cut, len(all)-k, len(alone))
		}
		for i, tok := range alone {
			if got := all[k+i]; got.Text != tok.Text || got.Kind != tok.Kind || got.Start != tok.Start+off || got.End != tok.End+off {
				t.Fatalf("token %d after the line break is %+v, alone %+v", i, got, tok)
			}
		}
		joined, single := SplitTokens(text, all[k:]), Split(body)
		if len(joined) != len(single) {
			t.Fatalf("after the line break at %d: %d sentences, alone %d", cut, len(joined), len(single))
		}
		for i, s := range single {
			if got := joined[i]; got.Text != s.Text || got.Start != s.Start+off || len(got.Tokens) != len(s.Tokens) {
				t.Fatalf("sentence %d after the line break is %q, alone %q", i, got.Text, s.Text)
			}
		}
	}
}

// checkWindows verifies what callers that read a window of a text from
// its tokens rely on: when no token of the text straddles either end of a
// window (both at rune starts), the window's tokens are those of the text
// between its ends, except that a web address cut right before a final
// dot that is not its own ("www" of "www.") is a word in the window.
func checkWindows(t *testing.T, text string) {
	t.Helper()
	all := Tokenize(text)
	runeStart := func(i int) int {
		for i < len(text) && !utf8.RuneStart(text[i]) {
			i++
		}
		return i
	}
	n := len(text)
	for _, w := range [][2]int{{0, n / 2}, {n / 3, 2 * n / 3}, {n / 4, n}, {n / 5, n / 5 * 4}} {
		from, to := runeStart(w[0]), runeStart(w[1])
		if from > to {
			continue
		}
		var inside []Token
		straddles := false
		for _, tok := range all {
			if tok.Start < from && tok.End > from || tok.Start < to && tok.End > to {
				straddles = true
			}
			if tok.Start >= from && tok.End <= to {
				inside = append(inside, tok)
			}
		}
		if straddles {
			continue
		}
		alone := Tokenize(text[from:to])
		if len(alone) != len(inside) {
			t.Fatalf("window [%d,%d): %d tokens, %d in the text", from, to, len(alone), len(inside))
		}
		for i, tok := range alone {
			got := inside[i]
			kindOK := got.Kind == tok.Kind || got.Kind == URL && tok.Kind == Word && i == len(alone)-1 && strings.HasPrefix(text[got.End:], ".")
			if got.Text != tok.Text || !kindOK || got.Start != tok.Start+from {
				t.Fatalf("window [%d,%d) token %d is %+v, in the text %+v", from, to, i, tok, got)
			}
		}
	}
}

func TestJoined(t *testing.T) {
	for _, text := range []string{
		"Заглавие 2019\nг. Тя каза. Той не.",
		"Title with U.S.\n. The end.",
		"a\nb\nc",
		"Нов рекорд\nwww.example.com/a Посетете го.",
		"\n",
	} {
		checkJoined(t, text)
		checkWindows(t, text)
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"Това стана през 2019 г. Той не каза нищо.",
		"„Имаме разногласия. Надяваме се да спре“, заяви той.",
		"Mr. Smith met Dr. Jones in the U.S. The end...",
		"a.b@c.d www.x.y https://z. 1,5 2.000 12:30 т.е. z.B. m.in.",
		"2014г. д-р O'Brien’s «нет» — ?! …",
		"\xff\xfe.\n\u00a0\u2029.",
		"Заглавие 2019\nг. Тя каза. Той не.",
		"Title: Mr\n. Smith a.b@c.d\nwww.x.y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkInvariants(t, text)
		checkJoined(t, text)
		checkWindows(t, text)
	})
}
func TestToLower(t *testing.T) {
	for _, s := range []string{"", "abc", "ABC Def", "ЁЖИК Ѐ Џ Ѓ", "Москва-Сити", "СЪЕДИНЕНИ ЩАТИ", "Україна Її Ґ", "Straße ÄÖÜ", "Ωmega", "\xd0", "a\xd0\x90"} {
		if got, want := ToLower(s), strings.ToLower(s); got != want {
			t.Errorf("ToLower(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzToLower(f *testing.F) {
	for _, s := range []string{"ABC", "МОСКВА", "Ёж", "ÄÖÜ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ToLower(s), strings.ToLower(s); got != want {
			t.Fatalf("ToLower(%q) = %q, want %q", s, got, want)
		}
	})
}
