package entities

import (
	"bufio"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// One id per real-world entity, the same in every language: Тръмп, Трамп,
// Trump and Trumpa share one. A name the gazetteers know gets the id they
// give it (a Wikidata QID for parties and international organisations,
// `iso:DE` for a country, `m49:150` for a world region, `tz:Europe/Sofia` for
// a CLDR city); any other name gets a key spelt the same in every script:
// its type, then its letters transliterated to Latin, without vowels or
// doubled letters (`per:trmp`); for people, only the surname counts, since
// an article names a person in full once and by surname after.

// loadIDs reads an ID\tNAME file.
func (g *Gazetteer) loadIDs(path string) error {
	f, err := data.Open(path)
	if err != nil {
		return fmt.Errorf("open ids %s: %w", path, err)
	}
	defer f.Close()
	if g.ids == nil {
		g.ids, g.idStems = map[string]string{}, map[string]string{}
	}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		id, name, ok := strings.Cut(l, "\t")
		if !ok || id == "" || name == "" {
			return fmt.Errorf("ids %s line %d: want ID and NAME separated by a tab, got %q", path, line, l)
		}
		lk := strings.ToLower(name)
		if _, dup := g.ids[lk]; !dup {
			g.ids[lk] = id
		}
		if sk := stemKey(name); sk != "" {
			if _, dup := g.idStems[sk]; !dup {
				g.idStems[sk] = id
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read ids %s: %w", path, err)
	}
	return nil
}

// stemKey is the stems of the words of a name, space-separated.
func stemKey(name string) string {
	ws := nameWords(name)
	for i, w := range ws {
		ws[i] = stem(w)
	}
	return strings.Join(ws, " ")
}

// ID returns the id of an entity of type typ (article.EntityPerson, ...)
// with the canonical name name: the gazetteers' id of the name or of its
// stems ("Германии"), else a key that transliteration and vowel changes do
// not move ("per:trmp" for Тръмп, Трамп, Trump, Trumpa). "" for a name
// with no letters.
func (g *Gazetteer) ID(name, typ string) string {
	if id := g.ids[strings.ToLower(name)]; id != "" {
		return id
	}
	if id := g.idStems[stemKey(name)]; id != "" {
		return id
	}
	words := strings.Fields(name)
	if len(words) == 0 {
		return ""
	}
	prefix := "oth:"
	switch typ {
	case "PERSON":
		prefix = "per:"
		words = words[len(words)-1:]
	case "LOCATION":
		prefix = "loc:"
	case "ORGANIZATION":
		prefix = "org:"
	}
	k := skeleton(strings.Join(words, " "))
	if prefix == "per:" {
		// Case and gender endings that keep a consonant (Trumpom,
		// Путиным, Merkelová) after the vowels went.
		for len(k) > 3 && (k[len(k)-1] == 'm' || k[len(k)-1] == 'v') {
			k = k[:len(k)-1]
		}
	}
	if k == "" {
		return ""
	}
	return prefix + k
}

// translit spells Cyrillic letters in Latin, as close to how the Latin
// languages spell the same sounds as one table allows.
var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z",
	'и': "i", 'й': "j", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
	'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "h", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sht",
	'ъ': "a", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya", 'є': "ye", 'і': "i", 'ї': "yi",
	'ґ': "g", 'ў': "u", 'ђ': "dj", 'ј': "j", 'љ': "lj", 'њ': "nj", 'ћ': "c", 'џ': "dzh",
	'ł': "l", 'ß': "ss", 'đ': "dj", 'ø': "o", 'æ': "ae", 'œ': "oe",
}

// sounds merges spellings of one sound (see skeleton).
var sounds = strings.NewReplacer("dzh", "j", "dž", "j", "dj", "j", "zh", "j", "sch", "s", "sht", "s", "shch", "s",
	"ch", "c", "cz", "c", "sh", "s", "sz", "s", "ph", "f", "th", "t", "kh", "h", "ck", "k", "ts", "c",
	"qu", "kv", "w", "v", "x", "ks", "c", "k", "q", "k")

// skeleton is the key of a name: lower case, transliterated to Latin,
// accents dropped, a few spellings of one sound merged (dzh, dj and j; ch,
// cz and c; sh, sz and s; ph and f; w and v; c and k; x and ks), then the
// vowels (a, e, i, o, u, y and j) dropped after the first letter of each
// word and doubled letters made single.
func skeleton(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case translit[r] != "":
			b.WriteString(translit[r])
		case r == 'ь':
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	s := sounds.Replace(b.String())
	var out []byte
	for _, w := range strings.Fields(s) {
		if len(out) > 0 {
			out = append(out, '-')
		}
		var last byte
		for i := 0; i < len(w); i++ {
			c := w[i]
			if i > 0 && (strings.IndexByte("aeiouyjh", c) >= 0) {
				continue
			}
			if c == last {
				continue
			}
			out = append(out, c)
			last = c
		}
	}
	return string(out)
}
