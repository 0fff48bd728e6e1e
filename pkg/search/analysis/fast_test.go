package analysis

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/newsflow/newsflow/pkg/corpus"
)

// The fast paths for ASCII and Cyrillic must agree with the Unicode
// tables they stand in for, for every rune.
func TestRuneClassesMatchUnicode(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) ||
			unicode.IsNumber(r)
		if got := isWordRune(r); got != word {
			t.Fatalf("isWordRune(%U) = %v, the Unicode tables say %v", r, got, word)
		}
		single := r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
			unicode.Is(unicode.Katakana, r)) || unicode.Is(unicode.Thai, r)
		if got := isSingleRuneWord(r); got != single {
			t.Fatalf("isSingleRuneWord(%U) = %v, the Unicode tables say %v", r, got, single)
		}
	}
}

func slowFold(w string) string {
	return strings.ReplaceAll(strings.ToLower(w), "ё", "е")
}

func TestFoldMatchesToLower(t *testing.T) {
	// Every rune alone and between ASCII and Cyrillic letters, and words
	// that end in the middle of a two-byte sequence.
	for r := rune(0); r < 0x3000; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		for _, w := range []string{string(r), "A" + string(r) + "я", "Ж" + string(r), string(r) + "Ёж"} {
			if got, want := fold(w), slowFold(w); got != want {
				t.Fatalf("fold(%q) = %q, want %q", w, got, want)
			}
		}
	}
	for _, w := range []string{"", "\xd0", "ab\xd1", "\xd0A", "Я\xd1\xd1я", "\xd1\xff", "ЁЛКА", "Ѐѝ", "Ѓрозни", "ҐАНОК", "Straße", "İstanbul", "ǅemal", "MiXeD", "123Ab"} {
		if got, want := fold(w), slowFold(w); got != want {
			t.Errorf("fold(%q) = %q, want %q", w, got, want)
		}
	}
	// A word already folded is returned as is, without a copy.
	w := "москва"
	if got := fold(w); unsafe.StringData(got) != unsafe.StringData(w) {
		t.Errorf("fold copied a folded word")
	}
}

// uncached returns an analyzer like a that keeps no terms.
func uncached(a *Analyzer) *Analyzer {
	return &Analyzer{lang: a.lang, stem: a.stem, stop: a.stop}
}

// The cache changes nothing: every corpus text gives the same tokens
// with a cache (filled by texts of the same and other languages, by
// several goroutines at once) as without.
func TestTermCacheGivesTheSameTokens(t *testing.T) {
	type doc struct{ Lang, Title, Body string }
	var docs []doc
	for _, name := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl", "de.jsonl", "mixed.jsonl"} {
		f, err := os.Open(corpus.Path(t, name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for n := 0; n < 400 && sc.Scan(); n++ {
			var d doc
			if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
				t.Fatal(err)
			}
			docs = append(docs, d)
		}
		_ = f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	set := NewSet()
	tokens := func(a *Analyzer, text string) []Token {
		var out []Token
		a.Tokens(text, func(tk Token) { out = append(out, tk) })
		return out
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < len(docs); i += 2 { // every document twice, by two goroutines
				d := docs[i%len(docs)]
				a := set.For(d.Lang)
				text := d.Title + "\n" + d.Body
				if got, want := tokens(a, text), tokens(uncached(a), text); !reflect.DeepEqual(got, want) {
					select {
					case errs <- d.Lang + ": " + d.Title:
					default:
					}
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("cached tokens differ from uncached ones for %s", e)
	}
}

// Cached words are copies: the cache must not keep the texts it saw alive.
func TestTermCacheHoldsCopies(t *testing.T) {
	a := NewSet().For("ru")
	text := strings.Repeat("Москва и Петербург, Казань. ", 10)
	n := 0
	a.Tokens(text, func(Token) { n++ })
	if n == 0 {
		t.Fatal("no tokens")
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(text)))
	entries := 0
	for i := range a.cache.slots {
		e := a.cache.slots[i].Load()
		if e == nil {
			continue
		}
		entries++
		for _, s := range []string{e.word, e.term} {
			if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); s != "" && p >= start && p < start+uintptr(len(text)) {
				t.Fatalf("cached %q points into the analysed text", s)
			}
		}
	}
	if entries == 0 {
		t.Fatal("nothing was cached")
	}
}

// FuzzTokens checks the fast paths on any input: fold agrees with
// strings.ToLower, and the cache with no cache.
func FuzzTokens(f *testing.F) {
	for _, s := range []string{"Москва и Ёлка", "It's U.S. 3.5", "\xd0A Ѐ", "Straße İstanbul", "ЖЖЖ жжж"} {
		f.Add(s)
	}
	a := NewSet().For("ru")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := fold(s), slowFold(s); got != want {
			t.Fatalf("fold(%q) = %q, want %q", s, got, want)
		}
		var cached, plain []Token
		a.Tokens(s, func(tk Token) { cached = append(cached, tk) })
		a.Tokens(s, func(tk Token) { cached = append(cached, tk) }) // from the cache now
		u := uncached(a)
		u.Tokens(s, func(tk Token) { plain = append(plain, tk) })
		u.Tokens(s, func(tk Token) { plain = append(plain, tk) })
		if !reflect.DeepEqual(cached, plain) {
			t.Fatalf("tokens of %q: cached %v, uncached %v", s, cached, plain)
		}
	})
}
