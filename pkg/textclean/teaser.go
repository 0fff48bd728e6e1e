package textclean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// teaserPrefixes introduce a line that points at another article; the text
// after the prefix is the linked title.
var teaserPrefixes = []string{
	"Още:", "Прочетете още", "Вижте още", "Виж още", "Вижте също", "Прочети още", "Свързани новини",
	"Читайте также", "Читайте тоже", "Смотрите также", "Подробнее читайте", "Читайте подробнее",
	"Читайте по теме", "По теме", "Читайте також", "Дивіться також", "Більше по темі",
	"Read more", "Read also", "Also read", "Related", "See also", "More on this story",
	"Lesen Sie auch", "Lesen Sie mehr", "Mehr zum Thema", "Siehe auch",
	"Czytaj także", "Czytaj też", "Zobacz też", "Čtěte také", "Přečtěte si také", "Preberite še",
	"Pročitajte još", "Pročitajte i", "Lire aussi", "À lire aussi", "Leer más", "Lee también",
}

// teaserIndex files the teaser prefixes, in order, under the case fold of
// their first letter: a line is compared only with those its first letter
// can match.
var teaserIndex = indexTeasers()

func indexTeasers() map[rune][]string {
	idx := map[rune][]string{}
	for _, p := range teaserPrefixes {
		r, _ := utf8.DecodeRuneInString(p)
		idx[foldKey(r)] = append(idx[foldKey(r)], p)
	}
	return idx
}

// foldKey returns the smallest rune of r's case-fold orbit (see
// unicode.SimpleFold): two runes strings.EqualFold takes as equal have the
// same key.
func foldKey(r rune) rune {
	k := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		k = min(k, f)
	}
	return k
}

// teaser reports whether line is a teaser and returns the linked title.
// The prefix must be followed by a colon (or a dash), so that "Още през
// 1998 година ..." stays: it is a sentence, not a teaser. alone reports a
// prefix with nothing after it, whose title is the next line.
func teaser(line string) (link string, ok, alone bool) {
	r, _ := utf8.DecodeRuneInString(line)
	for _, p := range teaserIndex[foldKey(r)] {
		if len(line) < len(p) || !strings.EqualFold(line[:len(p)], p) {
			continue
		}
		rest := strings.TrimSpace(line[len(p):])
		if strings.HasSuffix(p, ":") {
			rest = ":" + rest
		}
		switch {
		case strings.HasPrefix(rest, ":"):
			rest = strings.TrimSpace(rest[1:])
		case strings.HasPrefix(rest, "–"), strings.HasPrefix(rest, "—"):
			rest = strings.TrimSpace(rest[len("–"):])
		case strings.HasPrefix(rest, "- "):
			rest = strings.TrimSpace(rest[1:])
		case rest == "" || rest == "..." || rest == "…":
			return "", true, true
		default:
			continue
		}
		if rest == "" {
			return "", true, true
		}
		return strings.Trim(rest, " \"„“”«»"), true, false
	}
	return "", false, false
}

// hasTeaser reports whether a long line holds a teaser prefix right
// before a colon ("... Читайте также: ...").
func hasTeaser(line string) bool {
	for off := 0; ; {
		j := strings.IndexByte(line[off:], ':')
		if j < 0 {
			return false
		}
		c := off + j
		before := strings.TrimRight(line[max(0, c-40):c], " ")
		for _, p := range teaserPrefixes {
			p = strings.TrimSuffix(p, ":")
			if len(before) >= len(p) && strings.EqualFold(before[len(before)-len(p):], p) {
				return true
			}
		}
		off = c + 1
	}
}
