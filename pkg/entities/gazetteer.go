package entities

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

//go:generate go run ./gazgen -gazetteers ../../../shared/gazetteers -corpus ../../../shared/corpus -out data

// data holds the generated gazetteers (gazgen), the hand-curated entries and
// the notices of their sources.
//
//go:embed data/gazetteer.tsv data/gazetteer-cc-by-sa.tsv data/curated.tsv data/common-words.tsv data/curated-ids.tsv data/ids.tsv data/ids-cc-by-sa.tsv data/aliases.tsv
var data embed.FS

// Kind of a gazetteer entry.
type kind uint8

const (
	kindNone kind = iota
	kindLoc
	kindOrg
	kindFirst
	kindLast
	kindPatr
	kindDemonym
	kindStop
	kindFemale
	kindOther
)

var kindNames = map[string]kind{
	"COUNTRY": kindLoc, "LOC": kindLoc, "OTHER": kindOther, "ORG": kindOrg, "FIRST": kindFirst, "LAST": kindLast,
	"PATR": kindPatr, "FEMALE": kindFemale, "DEMONYM": kindDemonym, "STOP": kindStop,
}

// gazEntry is a name of a place or organisation.
type gazEntry struct {
	name string // canonical form, as written in the source
	lang string
	kind kind
	// country marks countries and world regions, which a given name of the
	// same spelling never overrides.
	country bool
	caps    []bool // per word: must be written in capitals (acronyms)
	runes   []int  // per word: length in letters
}

// Gazetteer holds the names the extractor recognises, keyed by the stems of
// their words so that inflected forms match ("Германии" -> "Германия",
// "Европейския парламент" -> "Европейски парламент"). Build it once with
// NewGazetteer and share it: it is read-only and safe for concurrent use.
type Gazetteer struct {
	// names maps the stem key of a place or organisation name to its
	// entries (several languages may share a key).
	names map[string][]gazEntry
	// exact maps the lower-case name to its entries; an exact match wins
	// over a stem match ("Русия" is not "Русе").
	exact map[string][]gazEntry
	// maxWords is the longest name, in words, starting with a stem.
	maxWords map[string]int
	// person maps the stem of a given name, surname or patronymic to the
	// kinds it has and a canonical (nominative) form.
	person map[string]personWord
	// personExact maps the lower-case given names, surnames and
	// patronymics, as listed (nominative), to their kinds.
	personExact map[string]personWord
	// demonyms are capitalised adjectives and nationality nouns (lower case).
	demonyms map[string]bool
	// common are sorted "lang\tword" lines: stop words and words the corpus
	// writes in lower case. commonLangs numbers their languages, and
	// commonBits holds, for each word, a bit for every language it is
	// common in.
	common      []string
	commonLangs map[string]uint
	commonBits  map[string]uint32
	// cyrCommon and enCommon are the bits of bg, ru and uk, and of en.
	cyrCommon, enCommon uint32
	// ids maps lower-case names, and the stem keys of names, to the id of
	// what they name in every language (ids.go).
	ids, idStems map[string]string
	// idSkeletons maps the skeleton (see skeleton) of each name with an id
	// to the id, "" when names of two ids share it.
	idSkeletons map[string]string
	// aliases maps "TYPE\tlower-case name" and "TYPE\tstem key" to an id:
	// names in other languages of entities the ids above do not cover
	// (learned from annotated articles, see ids.go).
	aliases map[string]string
	// slavic maps the slavicStem keys of the latinSlavic entries to them,
	// and slavicMax the first word's key to the longest, in words.
	slavic    map[string][]gazEntry
	slavicMax map[string]int
	// idSlavic maps the same keys to the entries' ids ("" when two ids
	// share a key), for the inflected forms ("Rosji": iso:RU).
	idSlavic map[string]string
	// placeSkel holds the skeletons (see skeleton) of the one-word places
	// of the permissive gazetteers and curated.tsv, minSkeleton letters
	// at least, for placeLike.
	placeSkel map[string]bool
	// entries counts the entries loaded, for Stats.
	entries int
}

type personWord struct {
	first, last, patr, female bool
	canonical                 string
	// given names of men and of women with this stem (nominative)
	male, woman string
}

// Stats describes a loaded gazetteer.
type Stats struct {
	// Entries is the number of entries loaded from the data files.
	Entries int
	// Names is the number of distinct place and organisation keys.
	Names int
	// PersonWords is the number of distinct given-name, surname and
	// patronymic stems.
	PersonWords int
	// CommonWords is the number of stop and common words.
	CommonWords int
}

// Stats returns the size of g.
func (g *Gazetteer) Stats() Stats {
	return Stats{Entries: g.entries, Names: len(g.names), PersonWords: len(g.person), CommonWords: len(g.common)}
}

// NewGazetteer parses the embedded data files. It takes a few milliseconds;
// call it once per process.
func NewGazetteer() (*Gazetteer, error) {
	g := &Gazetteer{
		names:       make(map[string][]gazEntry, 8192),
		exact:       make(map[string][]gazEntry, 8192),
		maxWords:    make(map[string]int, 8192),
		person:      make(map[string]personWord, 8192),
		personExact: make(map[string]personWord, 16384),
		demonyms:    make(map[string]bool, 1024),
		placeSkel:   make(map[string]bool, 4096),
	}
	for _, f := range []string{"data/gazetteer.tsv", "data/gazetteer-cc-by-sa.tsv", "data/curated.tsv"} {
		if err := g.load(f); err != nil {
			return nil, err
		}
	}
	if err := g.loadCommon("data/common-words.tsv"); err != nil {
		return nil, err
	}
	for _, f := range []string{"data/curated-ids.tsv", "data/ids.tsv", "data/ids-cc-by-sa.tsv"} {
		if err := g.loadIDs(f); err != nil {
			return nil, err
		}
	}
	if err := g.loadSlavicPlaces("data/curated-ids.tsv", "data/ids.tsv", "data/ids-cc-by-sa.tsv"); err != nil {
		return nil, err
	}
	b, err := data.ReadFile("data/aliases.tsv")
	if err != nil {
		return nil, fmt.Errorf("read aliases: %w", err)
	}
	if g.aliases, err = ReadAliases(bytes.NewReader(b)); err != nil {
		return nil, fmt.Errorf("data/aliases.tsv: %w", err)
	}
	slices.Sort(g.common)
	g.common = slices.Compact(g.common)
	g.commonLangs = map[string]uint{}
	g.commonBits = make(map[string]uint32, len(g.common))
	for _, l := range g.common {
		lang, w, _ := strings.Cut(l, "\t")
		bit, ok := g.commonLangs[lang]
		if !ok {
			if len(g.commonLangs) == 32 {
				return nil, fmt.Errorf("common words: more than 32 languages")
			}
			bit = uint(len(g.commonLangs))
			g.commonLangs[lang] = bit
		}
		g.commonBits[w] |= 1 << bit
	}
	g.cyrCommon = g.commonMask("bg") | g.commonMask("ru") | g.commonMask("uk")
	g.enCommon = g.commonMask("en")
	return g, nil
}

func (g *Gazetteer) load(path string) error {
	f, err := data.Open(path)
	if err != nil {
		return fmt.Errorf("open gazetteer %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		parts := strings.Split(l, "\t")
		if len(parts) != 3 {
			return fmt.Errorf("gazetteer %s line %d: want KIND, LANG, NAME separated by tabs, got %q", path, line, l)
		}
		k, ok := kindNames[parts[0]]
		if !ok {
			return fmt.Errorf("gazetteer %s line %d: unknown kind %q", path, line, parts[0])
		}
		g.add(k, parts[1], parts[2], parts[0] == "COUNTRY")
		g.entries++
		if k == kindLoc && path != "data/gazetteer-cc-by-sa.tsv" && len(nameWords(parts[2])) == 1 {
			if sk := skeleton(parts[2]); len(sk) >= minSkeleton {
				g.placeSkel[sk] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read gazetteer %s: %w", path, err)
	}
	return nil
}

func (g *Gazetteer) add(k kind, lang, name string, country bool) {
	switch k {
	case kindStop:
		g.common = append(g.common, lang+"\t"+strings.ToLower(name))
		return
	case kindDemonym:
		for _, w := range strings.Fields(name) {
			g.demonyms[strings.ToLower(w)] = true
		}
		return
	case kindFirst, kindLast, kindPatr, kindFemale:
		if strings.Contains(name, " ") {
			return
		}
		key := stem(name)
		pw := g.person[key]
		switch k {
		case kindFirst:
			pw.first = true
		case kindFemale:
			pw.first, pw.female = true, true
		case kindLast:
			pw.last = true
		default:
			pw.patr = true
		}
		if pw.canonical == "" || len(name) < len(pw.canonical) {
			pw.canonical = name
		}
		switch {
		case k == kindFemale && (pw.woman == "" || len(name) < len(pw.woman)):
			pw.woman = name
		case k == kindFirst && (pw.male == "" || len(name) < len(pw.male)):
			pw.male = name
		}
		g.person[key] = pw
		lw := strings.ToLower(name)
		ex := g.personExact[lw]
		ex.first = ex.first || k == kindFirst || k == kindFemale
		ex.female = ex.female || k == kindFemale
		ex.last = ex.last || k == kindLast
		ex.patr = ex.patr || k == kindPatr
		ex.canonical = name
		g.personExact[lw] = ex
		return
	}
	words := nameWords(name)
	if len(words) == 0 {
		return
	}
	e := gazEntry{name: name, lang: lang, kind: k, country: country, caps: make([]bool, len(words)), runes: make([]int, len(words))}
	stems := make([]string, len(words))
	for i, w := range words {
		stems[i] = stem(w)
		e.caps[i] = isAcronym(w)
		e.runes[i] = utf8.RuneCountInString(w)
	}
	key := strings.Join(stems, " ")
	for _, old := range g.names[key] {
		if old.lang == lang && old.kind == k && old.name == name {
			return
		}
	}
	g.names[key] = append(g.names[key], e)
	lk := strings.ToLower(strings.Join(words, " "))
	g.exact[lk] = append(g.exact[lk], e)
	if len(words) > g.maxWords[stems[0]] {
		g.maxWords[stems[0]] = len(words)
	}
}

// latinSlavic is the language of the gazetteer entries that only texts
// in a Latin-script Slavic language match (latinSlavicLangs).
const latinSlavic = "x-latn-sla"

// latinSlavicLangs are the languages that match the latinSlavic entries.
var latinSlavicLangs = map[string]bool{"pl": true, "cs": true, "sk": true, "sl": true, "hr": true}

// usable reports whether entry e may match a text in lang: the entries
// of the Latin-script Slavic languages only match those languages.
func usable(e *gazEntry, lang string) bool {
	return e.lang != latinSlavic || latinSlavicLangs[lang]
}

// loadSlavicPlaces adds the names of the ids files written in the Latin
// script and unknown to the gazetteers, for texts in pl, cs, sk, sl and
// hr: countries and world regions (iso: and m49: ids) as places, parties
// and international organisations (Wikidata QIDs) as organisations. The
// ids file carries CLDR's display names in those languages ("Rosja",
// "Rakousko", "Nemčija"), which the gazetteers, built for bg, ru, uk, en
// and de, do not. They match inflected forms by slavicStem as well, which
// keep their own spelling as the name (matchSlavic).
func (g *Gazetteer) loadSlavicPlaces(paths ...string) error {
	g.slavic = map[string][]gazEntry{}
	g.slavicMax = map[string]int{}
	g.idSlavic = map[string]string{}
	for _, path := range paths {
		b, err := data.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			id, name, ok := strings.Cut(l, "\t")
			if !ok || l[0] == '#' || !latinScript(name) {
				continue
			}
			k, country := kindOrg, false
			switch {
			case strings.HasPrefix(id, "iso:") || strings.HasPrefix(id, "m49:"):
				k, country = kindLoc, true
			case !strings.HasPrefix(id, "Q"):
				continue
			}
			words := nameWords(name)
			if len(words) == 0 || len(g.exact[strings.ToLower(strings.Join(words, " "))]) > 0 {
				continue
			}
			g.add(k, latinSlavic, name, country)
			g.entries++
			stems := make([]string, len(words))
			for i, w := range words {
				stems[i] = slavicStem(w)
			}
			key := strings.Join(stems, " ")
			e := g.exact[strings.ToLower(strings.Join(words, " "))]
			g.slavic[key] = append(g.slavic[key], e[len(e)-1])
			if old, dup := g.idSlavic[key]; !dup {
				g.idSlavic[key] = id
			} else if old != id {
				g.idSlavic[key] = ""
			}
			g.slavicMax[stems[0]] = max(g.slavicMax[stems[0]], len(words))
		}
	}
	return nil
}

// slavicEndings are case endings of Polish, Czech, Slovak, Slovene and
// Croatian nouns and adjectives, longest first within each last letter
// (slavicStem strips the first that fits).
var slavicEndings = []string{
	"owie", "iego", "ijo", "iji", "ija", "ije", "iej", "ych", "ich", "ami", "ach", "ech", "ego", "emu", "ymi", "imi", "ého", "ému", "ých", "ími", "ými",
	"ów", "om", "em", "ie", "ii", "ji", "ją", "ję", "ja", "ią", "ię", "ia", "ou", "ám", "ách", "ej", "oj", "ih", "im", "ima", "ama", "ega", "ovi",
	"a", "e", "i", "o", "u", "y", "ą", "ę", "í", "é", "á", "ý", "ě", "ů",
}

// slavicStem is a word in lower case less one case ending of the
// Latin-script Slavic languages ("Rosji", "Rosję", "Rosja": "ros"),
// keeping at least three letters; acronyms keep their letters.
func slavicStem(w string) string {
	if isAcronym(w) {
		return strings.ToLower(w)
	}
	l := strings.ToLower(w)
	n := utf8.RuneCountInString(l)
	for _, e := range slavicEndings {
		if strings.HasSuffix(l, e) && n-utf8.RuneCountInString(e) >= 3 {
			return l[:len(l)-len(e)]
		}
	}
	return l
}

// placeLike reports whether the capitalised Latin-script word w, less a
// case ending of the Latin-script Slavic languages, is spelt like a
// one-word place of the gazetteers in another language or script
// (skeleton): Londyn, Londynie as London.
func (g *Gazetteer) placeLike(w string) bool {
	if !firstUpper(w) || isAcronym(w) || !latinScript(w) {
		return false
	}
	var buf [64]byte
	if g.placeSkel[string(appendSkeleton(buf[:0], w))] {
		return true
	}
	st := slavicStem(w)
	return len(st) != len(w) && g.placeSkel[string(appendSkeleton(buf[:0], st))]
}

// latinScript reports whether every letter of s is Latin.
func latinScript(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}

func (g *Gazetteer) loadCommon(path string) error {
	b, err := data.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		g.common = append(g.common, l)
		g.entries++
	}
	return nil
}

// Female reports whether the first word of a person's name is a woman's
// given name.
func (g *Gazetteer) Female(name string) bool {
	f, _, _ := strings.Cut(name, " ")
	p, ok := g.personExact[strings.ToLower(f)]
	return ok && p.female && !p.last
}

// isCommon reports whether the lower-case word w is a stop word or a word
// usually written in lower case in lang (any language when lang is "").
func (g *Gazetteer) isCommon(lang, w string) bool {
	return g.commonBits[w]&g.commonMask(lang) != 0
}

// commonMask returns the bits of lang's common words in commonBits, the
// bits of bg, ru, en, uk and de for "".
func (g *Gazetteer) commonMask(lang string) uint32 {
	if lang == "" {
		return g.commonMask("bg") | g.commonMask("ru") | g.commonMask("en") | g.commonMask("uk") | g.commonMask("de")
	}
	if bit, ok := g.commonLangs[lang]; ok {
		return 1 << bit
	}
	return 0
}

// nameWords splits a gazetteer name into the words the tokenizer would
// produce, dropping punctuation.
func nameWords(name string) []string {
	return strings.FieldsFunc(name, func(r rune) bool {
		return r == ' ' || r == ',' || r == '.' || r == '"' || r == '„' || r == '“' || r == '«' || r == '»' || r == '(' || r == ')' || r == '–' || r == '—' || r == ':' || r == ';'
	})
}

// GivenName reports whether the word w is a given name of the gazetteers
// ("Ignazio", "Юрий").
func (g *Gazetteer) GivenName(w string) bool {
	return g.personExact[strings.ToLower(w)].first
}
