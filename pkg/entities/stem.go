package entities

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/textseg"
)

// endings are inflectional endings of Bulgarian (definite articles, plural)
// and Russian and Ukrainian (case endings), longest first. stem strips one
// of them so that the forms of a name share a key.
var endings = []string{
	"иями", "ями", "ами", "ией", "ией", "ого", "его", "ому", "ему", "ыми", "ими", "ите", "ята", "ата", "ото", "ото", "ове", "ева", "ова",
	"ият", "ия", "ът", "ят", "та", "то", "те", "ии", "ию", "ие", "ой", "ей", "ом", "ем", "ам", "ям", "ах", "ях", "ую", "юю", "ая", "яя",
	"ое", "ее", "ый", "ий", "ые", "ых", "их", "ым", "им", "ов", "ев",
	"а", "я", "ы", "и", "у", "ю", "е", "о", "ь", "й", "і", "ї", "є",
}

// endingsByLast indexes endings by their last letter, longest first.
var endingsByLast = func() map[rune][]string {
	m := map[rune][]string{}
	for _, e := range endings {
		r, _ := utf8.DecodeLastRuneInString(e)
		m[r] = append(m[r], e)
	}
	return m
}()

// stem returns the lookup key of one word: lower case, "ё" as "е", an
// English possessive dropped, and for Cyrillic words one inflectional
// ending stripped (keeping at least three letters), with a final "ен" of
// the stem reduced to "н" (Bulgarian "Върховен"/"Върховния"). Acronyms and
// Latin words keep their letters.
func stem(w string) string {
	w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
	if isAcronym(w) {
		return textseg.ToLower(w)
	}
	l := w
	if hasUpper(l) {
		l = textseg.ToLower(l)
	}
	if strings.Contains(l, "ё") {
		l = strings.ReplaceAll(l, "ё", "е")
	}
	if !cyrillic(l) {
		return l
	}
	n := utf8.RuneCountInString(l)
	if n <= 3 {
		return l
	}
	last, _ := utf8.DecodeLastRuneInString(l)
	for _, e := range endingsByLast[last] {
		if strings.HasSuffix(l, e) && n-utf8.RuneCountInString(e) >= 3 {
			l = l[:len(l)-len(e)]
			break
		}
	}
	if strings.HasSuffix(l, "ен") && utf8.RuneCountInString(l) >= 6 {
		l = l[:len(l)-len("ен")] + "н"
	}
	return l
}

func cyrillic(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x80:
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				return false
			}
		case r >= 0x400 && r <= 0x45F:
			return true
		case unicode.IsLetter(r):
			return unicode.Is(unicode.Cyrillic, r)
		}
	}
	return false
}

// letterCase returns unicode.IsLetter(r) and unicode.IsUpper(r), with
// fast paths for ASCII and the Cyrillic letters U+0400-U+045F.
func letterCase(r rune) (letter, upper bool) {
	switch {
	case r < 0x80:
		upper = r >= 'A' && r <= 'Z'
		return upper || r >= 'a' && r <= 'z', upper
	case r >= 0x400 && r <= 0x45F:
		return true, r <= 0x42F
	}
	return unicode.IsLetter(r), unicode.IsUpper(r)
}

// isUpper is unicode.IsUpper with the fast paths of letterCase.
func isUpper(r rune) bool {
	_, upper := letterCase(r)
	return upper
}

// isAcronym reports whether w is written in capitals: at least two letters,
// all upper case ("НАТО", "BBC", "G20").
func isAcronym(w string) bool {
	n := 0
	for _, r := range w {
		if letter, upper := letterCase(r); letter {
			if !upper {
				return false
			}
			n++
		}
	}
	return n >= 2
}

func firstUpper(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return isUpper(r)
}

// bgDefinite strips the Bulgarian definite article from a word of a name
// that is not a person's: adjectives ("Европейския" -> "Европейски",
// "Върховния" -> "Върховен", "Изпълнителната" -> "Изпълнителна") and nouns
// ("Съюзът" -> "Съюз", "Агенцията" -> "Агенция", "Конгреса" -> "Конгрес").
func bgDefinite(w string, head, org bool) string {
	switch {
	case strings.HasSuffix(w, "ският"), strings.HasSuffix(w, "ския"):
		return strings.TrimSuffix(strings.TrimSuffix(w, "ят"), "я")
	case strings.HasSuffix(w, "ният") || strings.HasSuffix(w, "ния"):
		base := strings.TrimSuffix(strings.TrimSuffix(w, "ният"), "ния")
		return base + "ен"
	case strings.HasSuffix(w, "ият"):
		return strings.TrimSuffix(w, "ят")
	case strings.HasSuffix(w, "ата") && utf8.RuneCountInString(w) > 5:
		return strings.TrimSuffix(w, "та")
	case strings.HasSuffix(w, "ята") && utf8.RuneCountInString(w) > 5:
		return strings.TrimSuffix(w, "та")
	case strings.HasSuffix(w, "ото") && utf8.RuneCountInString(w) > 5:
		return strings.TrimSuffix(w, "то")
	case strings.HasSuffix(w, "ът"):
		return strings.TrimSuffix(w, "ът")
	case strings.HasSuffix(w, "ят") && head:
		return strings.TrimSuffix(w, "ят") + "й"
	case head && org && strings.HasSuffix(w, "а") && orgHeads[strings.ToLower(strings.TrimSuffix(w, "а"))]:
		// The short article of a masculine noun: "Съвета" -> "Съвет".
		return strings.TrimSuffix(w, "а")
	}
	return w
}

func isVowel(r rune) bool {
	return strings.ContainsRune("аеиоуъюяыэёієїaeiouy", unicode.ToLower(r))
}

// ruNominative guesses the nominative of one word of a Russian or
// Ukrainian person's name from an oblique form ("Бориса" -> "Борис",
// "Терезой" -> "Тереза", "Меланией" -> "Мелания", "Обамы" -> "Обама").
// female tells the gender when known from a given name.
func ruNominative(w string, female bool) string {
	n := utf8.RuneCountInString(w)
	if n < 4 {
		return w
	}
	cut := func(suf, add string) string { return strings.TrimSuffix(w, suf) + add }
	switch {
	case strings.HasSuffix(w, "ии"):
		return cut("и", "я")
	case strings.HasSuffix(w, "ией"):
		return cut("ей", "я")
	case strings.HasSuffix(w, "овой"), strings.HasSuffix(w, "евой"), strings.HasSuffix(w, "иной"):
		return cut("ой", "а")
	case strings.HasSuffix(w, "ой"):
		return cut("ой", "а")
	case strings.HasSuffix(w, "ей") && female:
		return cut("ей", "я")
	case strings.HasSuffix(w, "ым") || strings.HasSuffix(w, "ом"):
		if strings.HasSuffix(w, "ым") {
			return cut("ым", "")
		}
		return cut("ом", "")
	case strings.HasSuffix(w, "ем") && !female:
		return cut("ем", "й")
	case strings.HasSuffix(w, "ого"):
		return cut("ого", "ий")
	case strings.HasSuffix(w, "ы") && !female:
		return cut("ы", "а")
	}
	return w
}

// altStems returns the other keys w may have when more than one ending
// fits ("Брекзита": the article "-та" or the short article "-а"), each
// with a stripped ending shorter than the one stem strips.
func altStems(w string) []string {
	l := w
	if hasUpper(l) {
		l = textseg.ToLower(l)
	}
	if strings.Contains(l, "ё") {
		l = strings.ReplaceAll(l, "ё", "е")
	}
	if !cyrillic(l) {
		return nil
	}
	n := utf8.RuneCountInString(l)
	last, _ := utf8.DecodeLastRuneInString(l)
	var out []string
	first := true
	for _, e := range endingsByLast[last] {
		if !strings.HasSuffix(l, e) || n-utf8.RuneCountInString(e) < 3 {
			continue
		}
		if first {
			first = false
			continue
		}
		b := l[:len(l)-len(e)]
		if strings.HasSuffix(b, "ен") && utf8.RuneCountInString(b) >= 6 {
			b = b[:len(b)-len("ен")] + "н"
		}
		out = append(out, b)
	}
	return out
}

// appendLower appends textseg.ToLower(s) to buf, without allocating for ASCII and
// the Cyrillic letters U+0400-U+045F.
func appendLower(buf []byte, s string) []byte {
	start := len(buf)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x80:
			if c >= 'A' && c <= 'Z' {
				c += 32
			}
			buf = append(buf, c)
		case c == 0xD0 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0xBF:
			d := s[i+1]
			switch {
			case d >= 0x90 && d <= 0x9F: // А-П -> а-п
				buf = append(buf, 0xD0, d+0x20)
			case d >= 0xA0 && d <= 0xAF: // Р-Я -> р-я
				buf = append(buf, 0xD1, d-0x20)
			case d <= 0x8F: // Ѐ-Џ -> ѐ-џ
				buf = append(buf, 0xD1, d+0x10)
			default:
				buf = append(buf, c, d)
			}
			i++
		case c == 0xD1 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F:
			buf = append(buf, c, s[i+1]) // а-я, ѐ-џ: already small
			i++
		default:
			return append(buf[:start], strings.ToLower(s)...)
		}
	}
	return buf
}

// appendStem appends stem(w) to buf: the same key, built without
// allocating, for lookups (m[string(buf)] does not copy).
func appendStem(buf []byte, w string) []byte {
	w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
	start := len(buf)
	switch {
	case isAcronym(w):
		return appendLower(buf, w)
	case hasUpper(w):
		buf = appendLower(buf, w)
	default:
		buf = append(buf, w...)
	}
	l := buf[start:]
	for i := 0; i+1 < len(l); i++ {
		if l[i] == 0xD1 && l[i+1] == 0x91 { // ё -> е
			l[i], l[i+1] = 0xD0, 0xB5
			i++
		}
	}
	if !cyrillicBytes(l) {
		return buf
	}
	n := utf8.RuneCount(l)
	if n <= 3 {
		return buf
	}
	last, _ := utf8.DecodeLastRune(l)
	for _, e := range endingsByLast[last] {
		if len(l) >= len(e) && string(l[len(l)-len(e):]) == e && n-utf8.RuneCountInString(e) >= 3 {
			l = l[:len(l)-len(e)]
			break
		}
	}
	if len(l) >= len("ен") && string(l[len(l)-len("ен"):]) == "ен" && utf8.RuneCount(l) >= 6 {
		l = append(l[:len(l)-len("ен")], "н"...)
	}
	return buf[:start+len(l)]
}

// cyrillicBytes is cyrillic for a byte slice.
func cyrillicBytes(b []byte) bool {
	for _, r := range string(b) {
		if r >= 0x400 && r <= 0x45F {
			return true
		}
		if unicode.IsLetter(r) {
			return unicode.Is(unicode.Cyrillic, r)
		}
	}
	return false
}

// appendAltStems appends w in lower case, then each key altStems(w)
// returns, to buf, and where each ends to ends: key k (from 1) is
// buf[ends[k-1]:ends[k]].
func appendAltStems(buf []byte, ends []int, w string) ([]byte, []int) {
	start := len(buf)
	if hasUpper(w) {
		buf = appendLower(buf, w)
	} else {
		buf = append(buf, w...)
	}
	ends = append(ends, len(buf))
	l := buf[start:]
	for i := 0; i+1 < len(l); i++ {
		if l[i] == 0xD1 && l[i+1] == 0x91 { // ё -> е
			l[i], l[i+1] = 0xD0, 0xB5
			i++
		}
	}
	if !cyrillicBytes(l) {
		return buf, ends
	}
	n := utf8.RuneCount(l)
	last, _ := utf8.DecodeLastRune(l)
	first := true
	for _, e := range endingsByLast[last] {
		if len(l) < len(e) || string(l[len(l)-len(e):]) != e || n-utf8.RuneCountInString(e) < 3 {
			continue
		}
		if first {
			first = false
			continue
		}
		// l stays valid when buf grows: appending never changes it.
		b := l[:len(l)-len(e)]
		if len(b) >= len("ен") && string(b[len(b)-len("ен"):]) == "ен" && utf8.RuneCount(b) >= 6 {
			buf = append(append(buf, b[:len(b)-len("ен")]...), "н"...)
		} else {
			buf = append(buf, b...)
		}
		ends = append(ends, len(buf))
	}
	return buf, ends
}
