package entities

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

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
		g.ids, g.idStems, g.idSkeletons = map[string]string{}, map[string]string{}, map[string]string{}
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
		if sk := skeleton(name); len(sk) >= minSkeleton {
			if old, dup := g.idSkeletons[sk]; !dup {
				g.idSkeletons[sk] = id
			} else if old != id {
				g.idSkeletons[sk] = ""
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
	// The gazetteers' ids name places and organisations: a person named
	// like one (Пери, Перу) keeps a person's key.
	person := typ == "PERSON"
	lower := strings.ToLower(name)
	if id := g.ids[lower]; id != "" && !person {
		return id
	}
	if id := g.aliases[typ+"\t"+lower]; id != "" {
		return id
	}
	sk := stemKey(name)
	if id := g.idStems[sk]; id != "" && !person {
		return id
	}
	if id := g.aliases[typ+"\t"+sk]; id != "" {
		return id
	}
	if !person && latinScript(name) {
		// An inflected form of a Latin-script Slavic name of one id
		// ("Wielkiej Brytanii": iso:GB).
		if id := g.idSlavic[slavicKey(name)]; id != "" {
			return id
		}
	}
	if !person {
		// A name spelt in another script or language as a gazetteer name
		// of one id (Moskva, Moskwa as Москва: tz:Europe/Moscow).
		if k := skeleton(name); len(k) >= minSkeleton {
			if id := g.idSkeletons[k]; id != "" {
				return id
			}
		}
	}
	return g.keyID(name, typ)
}

// slavicKey is the slavicStem of each word of a name, space-separated.
func slavicKey(name string) string {
	ws := nameWords(name)
	for i, w := range ws {
		ws[i] = slavicStem(w)
	}
	return strings.Join(ws, " ")
}

// minSkeleton is the shortest skeleton that names a gazetteer id by
// itself: shorter ones (Сочи: "s") say too little.
const minSkeleton = 4

// gazetteerID is the gazetteers' id of a name or of its stems, "" if none.
func (g *Gazetteer) gazetteerID(name string) string {
	if id := g.ids[strings.ToLower(name)]; id != "" {
		return id
	}
	return g.idStems[stemKey(name)]
}

// keyID is the transliterated key of a name (see ID).
func (g *Gazetteer) keyID(name, typ string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || (typ == "PERSON" && r == '.') })
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
		words = dropLegalForms(words)
	}
	if prefix == "per:" {
		words[0] = surnameBase(words[0])
	}
	k := skeleton(strings.Join(words, " "))
	if prefix == "per:" {
		// Case and gender endings that keep a consonant (Trumpom,
		// Путиным, Merkelová, Малиновського) after the vowels went.
		for len(k) > 2 && (k[len(k)-1] == 'm' || k[len(k)-1] == 'v' || k[len(k)-1] == 'g') {
			k = k[:len(k)-1]
		}
	}
	if k == "" {
		return ""
	}
	return prefix + k
}

// legalForms are company forms that a name is written with or without
// (Engie SA, OMV AG, ПАО «Газпром»), compared without dots.
var legalForms = map[string]bool{
	"ag": true, "sa": true, "se": true, "plc": true, "lp": true, "bv": true, "nv": true, "ltd": true,
	"limited": true, "gmbh": true, "inc": true, "llc": true, "corp": true, "spa": true, "as": true,
	"ооо": true, "оао": true, "пао": true, "зао": true, "ао": true, "ад": true, "еад": true, "оод": true,
	"бв": true, "тов": true, "пат": true,
}

// dropLegalForms returns the words of an organisation's name without its
// legal forms, or all of them when nothing else is left.
func dropLegalForms(words []string) []string {
	var out []string
	for _, w := range words {
		k := strings.ToLower(strings.Trim(strings.ReplaceAll(w, ".", ""), "\"«»“”„,"))
		if !legalForms[k] {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return words
	}
	return out
}

// surnameBase drops the Czech and Slovak feminine ending of a surname
// (Mayová, Bibiová: May, Bibi), which a skeleton would keep as a "v".
func surnameBase(w string) string {
	lw := strings.ToLower(w)
	if strings.HasSuffix(lw, "ová") && len(lw) > len("ová")+2 {
		return w[:len(w)-len("ová")]
	}
	if strings.HasSuffix(lw, "ier") && len(lw) > 5 {
		// A French final r is silent (Barnier, Барние).
		return w[:len(w)-1]
	}
	return w
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
	// Before accents go: č and ć sound as ч, š as ш, ž as ж.
	'č': "ch", 'ć': "ch", 'š': "sh", 'ž': "zh",
}

// soundPairs merges spellings of one sound (see skeleton): old, new, in
// the order they are tried at each position.
// Inside a word ch is a German or Czech [x] as often as a [tʃ] (Schumacher
// and Шумахер, Locher and Лохер), and goes with h; a word's first ch stays
// c (Charles, Чарлз).
var soundPairs = []string{"dzh", "j", "dž", "j", "dj", "j", "zh", "j", "sch", "s", "shch", "s", "sht", "s",
	"ch", "h", "cz", "c", "sh", "s", "sz", "s", "ph", "f", "th", "t", "kh", "h", "ck", "k", "ts", "c",
	"qu", "kv", "w", "v", "x", "ks", "c", "k", "q", "k", "z", "s"}

// soundsByFirst lists, for each byte, the indices in soundPairs of the
// old spellings that start with it, in order.
var soundsByFirst = func() (t [256][]uint8) {
	for k := 0; k < len(soundPairs); k += 2 {
		b := soundPairs[k][0]
		t[b] = append(t[b], uint8(k))
	}
	return t
}()

// appendSounds appends w to dst with soundPairs' spellings merged: at
// each position the first pair whose old spelling starts there, else the
// byte (what a strings.Replacer of the pairs does, without its
// allocations).
func appendSounds(dst, w []byte) []byte {
next:
	for i := 0; i < len(w); {
		for _, k := range soundsByFirst[w[i]] {
			if old := soundPairs[k]; len(w)-i >= len(old) && string(w[i:i+len(old)]) == old {
				dst = append(dst, soundPairs[k+1]...)
				i += len(old)
				continue next
			}
		}
		dst = append(dst, w[i])
		i++
	}
	return dst
}

// skeleton is the key of a name: lower case, transliterated to Latin,
// accents dropped, a few spellings of one sound merged (dzh, dj and j; ch,
// cz and c; sh, sz and s; ph and f; w and v; c and k; x and ks), then the
// vowels (a, e, i, o, u, y and j) dropped after the first letter of each
// word and doubled letters made single.
func skeleton(name string) string {
	var buf [64]byte
	return string(appendSkeleton(buf[:0], name))
}

// appendSkeleton appends skeleton(name) to dst.
func appendSkeleton(dst []byte, name string) []byte {
	var lb [64]byte
	b := lb[:0]
	var nb [8]byte
	for _, r := range name {
		r = unicode.ToLower(r)
		if t, ok := translit[r]; ok {
			b = append(b, t...)
			continue
		}
		if r < utf8.RuneSelf {
			b = appendSkeletonRune(b, r)
			continue
		}
		for d := norm.NFD.AppendString(nb[:0], string(r)); len(d) > 0; {
			r, n := utf8.DecodeRune(d)
			b = appendSkeletonRune(b, r)
			d = d[n:]
		}
	}
	start := len(dst)
	for rest := b; len(rest) > 0; {
		var word []byte
		if i := bytes.IndexByte(rest, ' '); i >= 0 {
			word, rest = rest[:i], rest[i+1:]
		} else {
			word, rest = rest, nil
		}
		if len(word) == 0 {
			continue
		}
		// The first sound spelt one way: an English w written "у"
		// before a vowel in Cyrillic (Уилямс, Уайли: Williams, Wylie)
		// as v, as w becomes; a y as j (Юнкер, Якобс: Juncker,
		// Jacobs). Then soundPairs, but a first ch stays c.
		var gb, wb [64]byte
		g := gb[:0]
		switch {
		case len(word) > 3 && word[0] == 'u' && strings.IndexByte("aeio", word[1]) >= 0:
			g = append(append(g, 'v'), word[1:]...)
		case len(word) > 1 && word[0] == 'y':
			g = append(append(g, 'j'), word[1:]...)
		default:
			g = append(g, word...)
		}
		w := wb[:0]
		if bytes.HasPrefix(g, []byte("ch")) {
			w = appendSounds(append(w, 'c'), g[2:])
		} else {
			w = appendSounds(w, g)
		}
		if len(dst) > start {
			dst = append(dst, '-')
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
			dst = append(dst, c)
			last = c
		}
	}
	return dst
}

// appendSkeletonRune appends a lower-case rune of a name, or a letter of
// its decomposition, as skeleton spells it: marks dropped, a few letters
// transliterated, any other rune but a letter or digit a space.
func appendSkeletonRune(b []byte, r rune) []byte {
	switch {
	case unicode.Is(unicode.Mn, r):
	case translit[r] != "":
		b = append(b, translit[r]...)
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		b = utf8.AppendRune(b, r)
	default:
		b = append(b, ' ')
	}
	return b
}

// AliasItem is one annotated name of an entity: its form, type
// (article.EntityPerson, ...) and a cross-lingual id of the annotations
// ("PER-Donald-Trump", "GPE-Germany": a type, then the English name).
type AliasItem struct {
	Name, Type, Entity string
}

// BuildAliases learns, from annotated names, the names that ID would not
// give the id of their entity. Each annotated entity gets one id: the
// gazetteers' id most of its names have (Великобритания and UK are iso:GB,
// so Wielka Brytania is too), else what ID gives its English name (the
// annotation id without its type: "PER-Donald-Trump" -> "Donald Trump" ->
// per:trmp). Every form (lower case, and its stem key) that ID would give
// another id, and that no gazetteer knows, is mapped to it (to the entity
// most of the form's annotations name; on a tie the first id in sorted
// order). The result is what WithAliases takes and WriteAliases writes.
func (g *Gazetteer) BuildAliases(items []AliasItem) map[string]string {
	plain := *g
	plain.aliases = nil
	type entityKey struct{ entity, typ string }
	gazVotes := map[entityKey]map[string]int{}
	for _, it := range items {
		// People never take the gazetteers' ids (see ID).
		if id := plain.gazetteerID(it.Name); id != "" && it.Type != "PERSON" {
			k := entityKey{it.Entity, it.Type}
			if gazVotes[k] == nil {
				gazVotes[k] = map[string]int{}
			}
			gazVotes[k][id]++
		}
	}
	votes := map[string]map[string]int{}
	vote := func(k, id string) {
		if votes[k] == nil {
			votes[k] = map[string]int{}
		}
		votes[k][id]++
	}
	for _, it := range items {
		_, eng, ok := strings.Cut(it.Entity, "-")
		if !ok || it.Name == "" || it.Type == "" || (it.Type != "PERSON" && plain.gazetteerID(it.Name) != "") {
			continue
		}
		target := majority(gazVotes[entityKey{it.Entity, it.Type}])
		if target == "" {
			target = plain.ID(strings.ReplaceAll(eng, "-", " "), it.Type)
		}
		if target == "" || plain.ID(it.Name, it.Type) == target {
			continue
		}
		vote(it.Type+"\t"+strings.ToLower(it.Name), target)
		if sk := stemKey(it.Name); sk != "" {
			vote(it.Type+"\t"+sk, target)
		}
	}
	out := make(map[string]string, len(votes))
	for k, ids := range votes {
		out[k] = majority(ids)
	}
	return out
}

// majority is the id with the most votes, on a tie the first in sorted
// order; "" for none.
func majority(votes map[string]int) string {
	best, n := "", 0
	for id, c := range votes {
		if c > n || (c == n && id < best) {
			best, n = id, c
		}
	}
	return best
}

// WithAliases returns a copy of g whose ID uses aliases (from
// BuildAliases) instead of the shipped ones.
func (g *Gazetteer) WithAliases(aliases map[string]string) *Gazetteer {
	c := *g
	c.aliases = aliases
	return &c
}

// WriteAliases writes aliases as sorted TYPE, KEY, ID lines.
func WriteAliases(w io.Writer, aliases map[string]string) error {
	keys := make([]string, 0, len(aliases))
	for k := range aliases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# generated by go run ./pkg/entities/train from the BSNLP annotations (research use; see MODEL.md). TYPE\tNAME OR STEM KEY\tID")
	for _, k := range keys {
		fmt.Fprintf(bw, "%s\t%s\n", k, aliases[k])
	}
	return bw.Flush()
}

// ReadAliases reads what WriteAliases writes.
func ReadAliases(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("line %d: want TYPE, NAME and ID separated by tabs, got %q", line, l)
		}
		out[f[0]+"\t"+f[1]] = f[2]
	}
	return out, sc.Err()
}
