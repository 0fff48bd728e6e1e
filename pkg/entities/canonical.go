package entities

// Canonical names: the nominative among a name's inflected variants.

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
)

// canonical chooses the name of an entity from the forms it is written in.
func (x *Extractor) canonical(variants [][]string, typ, lang string) string {
	if len(variants) == 0 {
		return ""
	}
	cyr := cyrillic(variants[0][0])
	score := func(v []string) int {
		s := 0
		for _, w := range v {
			if ruNominative(w, false) != w {
				s += 2
			}
		}
		return s*100 + utf8.RuneCountInString(strings.Join(v, " "))
	}
	best := variants[0]
	if cyr && lang != "bg" {
		for _, v := range variants[1:] {
			if score(v) < score(best) {
				best = v
			}
		}
	}
	out := make([]string, len(best))
	copy(out, best)
	for i, w := range out {
		out[i] = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
	}
	switch {
	case cyr && lang == "bg" && typ != article.EntityPerson:
		// The definite article goes from the words up to the head noun.
		stop := len(out)
		for i, w := range out {
			if i > 0 && !firstUpper(w) {
				stop = i + 1
				break
			}
		}
		for i := 0; i < stop && i < len(out); i++ {
			out[i] = bgDefinite(out[i], i == stop-1, typ == article.EntityOrganization)
		}
	case cyr && lang != "bg" && typ == article.EntityLocation && len(out) == 1:
		// "в Блэр-хаусе" -> "Блэр-хаус".
		if b, ok := strings.CutSuffix(out[0], "е"); ok {
			if r, _ := utf8.DecodeLastRuneInString(b); !isVowel(r) && r != 'ь' {
				out[0] = b
			}
		}
	case cyr && lang != "bg" && typ == article.EntityPerson && len(out) == 1 && !firstUpper(out[0]):
		// A people in lower case ("британцы", "россияне"), not an
		// inflected name: as written.
	case cyr && lang != "bg" && typ == article.EntityPerson:
		female := false
		if n := out[0]; strings.HasSuffix(n, "ой") || strings.HasSuffix(n, "ией") {
			female = true
		}
		droppedA := false
		if genitivePair(out) {
			// "Дэвида Дэвиса" -> "Дэвид Дэвис".
			for i, w := range out {
				out[i] = strings.TrimSuffix(w, "а")
			}
			return strings.Join(out, " ")
		}
		for i, w := range out {
			p, ok := x.g.person[stem(w)]
			if i == 0 && len(out) > 1 && strings.HasSuffix(w, "а") && uninflected(out[len(out)-1]) {
				// "Ангела Меркель": a surname that would take -а in a
				// man's genitive does not; the given name is a woman's,
				// in the nominative.
				continue
			}
			if i == 0 && ok && !x.exactPerson(w) && (p.male != "" || p.woman != "") {
				// An oblique given name: the nominative from the lists
				// ("Терезе" -> "Тереза", "Борису" -> "Борис").
				if n := givenNominative(w, p); n != "" {
					out[i] = n
					if strings.HasSuffix(w, "а") && n != w {
						droppedA = true
					}
					continue
				}
			}
			switch {
			case i == 0 && ok && p.first && p.canonical != w && strings.HasPrefix(w, p.canonical) && utf8.RuneCountInString(w)-utf8.RuneCountInString(p.canonical) == 1 && strings.ContainsAny(w[len(p.canonical):], "аует"):
				out[i] = p.canonical
				droppedA = true
			case i > 0 && droppedA && (strings.HasSuffix(w, "а") || strings.HasSuffix(w, "у") || strings.HasSuffix(w, "е")):
				b := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(w, "а"), "у"), "е")
				if r, _ := utf8.DecodeLastRuneInString(b); !isVowel(r) {
					out[i] = b
				}
			default:
				out[i] = ruNominative(w, female)
			}
		}
	}
	return strings.Join(out, " ")
}

// givenNominative picks the nominative of an oblique given name w among
// the men's and women's names sharing its stem, by its ending. Women's
// names in -а/-я take -ы/-и in the genitive: "Ангелы" is Ангела even when
// the lists know only the (Bulgarian) man's name Ангел.
func givenNominative(w string, p personWord) string {
	female := false
	for _, suf := range []string{"ой", "ей", "ю", "е", "ы", "ии"} {
		if strings.HasSuffix(w, suf) {
			female = true
			break
		}
	}
	switch {
	case female && p.woman != "":
		return p.woman
	case female && strings.HasSuffix(w, "ы"):
		return strings.TrimSuffix(w, "ы") + "а"
	case female && strings.HasSuffix(w, "ии"):
		return strings.TrimSuffix(w, "и") + "я"
	case p.male != "":
		return p.male
	}
	return p.woman
}

// genitivePair reports whether a Russian name of two or more words is a
// man's in the genitive: every word ends in a consonant and "а", and the
// last is not a woman's surname ("Дэвида Дэвиса", not "Анна Попова").
func genitivePair(words []string) bool {
	if len(words) < 2 {
		return false
	}
	for _, w := range words {
		b, ok := strings.CutSuffix(w, "а")
		if !ok {
			return false
		}
		if r, _ := utf8.DecodeLastRuneInString(b); isVowel(r) || r == 'ь' || r == 'й' {
			return false
		}
	}
	last := words[len(words)-1]
	for _, suf := range []string{"ова", "ева", "ёва", "ина", "ына", "ская", "цкая"} {
		if strings.HasSuffix(last, suf) {
			return false
		}
	}
	return true
}

// countFields returns len(strings.Fields(s)) without building the fields.
func countFields(s string) int {
	n, in := 0, false
	for _, r := range s {
		space := unicode.IsSpace(r)
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}

// firstLastField returns the first and last of strings.Fields(s) ("" when
// there are none).
func firstLastField(s string) (first, last string) {
	start, found := -1, false
	for i, r := range s {
		switch {
		case !unicode.IsSpace(r):
			if start < 0 {
				start = i
			}
		case start >= 0:
			last, start = s[start:i], -1
			if !found {
				first, found = last, true
			}
		}
	}
	if start >= 0 {
		last = s[start:]
		if !found {
			first = last
		}
	}
	return first, last
}

// uninflected reports whether a Russian surname ends as no oblique case of
// a man's surname does: in a consonant other than the -ов/-ев/-ин of
// declined surnames, or in -ь ("Меркель", "Мэй" is not: й).
func uninflected(w string) bool {
	r, _ := utf8.DecodeLastRuneInString(w)
	if r == 'ь' {
		return true
	}
	if isVowel(r) || r == 'й' || !unicode.Is(unicode.Cyrillic, r) {
		return false
	}
	for _, suf := range []string{"ов", "ев", "ёв", "ин", "ын"} {
		if strings.HasSuffix(w, suf) {
			return false
		}
	}
	return true
}
