package entities

// Classification: the type of a candidate name from its words and context.

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/textseg"
)

// classify types an unknown run of capitalised words, chunk, which starts
// at toks[c0] and ends before toks[next]; words are its texts. i is c0
// plus the number of abbreviations cut from the run's end (the chunker's
// count, which the cues before the run are read from). "" drops it.
func (x *Extractor) classify(toks []textseg.Token, i, next, c0 int, chunk []textseg.Token, words []string, lang string, titled, verb bool) string {
	// words are texts(chunk), chunk starts at toks[c0]; without an
	// apostrophe joined to a word, words[k] is toks[c0+k].Text.
	aligned := len(words) == len(chunk)
	lowerOf := func(k int) string {
		if aligned {
			return x.lowerTextAt(toks, c0+k)
		}
		return textseg.ToLower(words[k])
	}
	isPersonName, personNameKnown := false, false
	personName := func() bool {
		if !personNameKnown {
			isPersonName, personNameKnown = x.personName(words), true
		}
		return isPersonName
	}
	last := lowerOf(len(words) - 1)
	hasOrgHead, hasLocHead := false, false
	for k := range words {
		lw := lowerOf(k)
		if orgHeads[lw] || orgHeads[stemOrg(lw)] {
			hasOrgHead = true
		}
		if locHeads[lw] {
			hasLocHead = true
		}
	}
	prev, after := "", ""
	if i > 0 {
		prev = x.lowerAt(toks, i-1)
	}
	if next < len(toks) && toks[next].Kind == textseg.Word {
		after = x.lowerAt(toks, next)
	}
	if hasOrgHead {
		return article.EntityOrganization
	}
	if !cyrillic(words[0]) && after != "" && !firstUpper(after) && IsRole(after) && next+1 < len(toks) && capital(toks[next+1]) {
		// "Prebon Yamane economist Lena Komileva", "Sky Networks' Sophie".
		return article.EntityOrganization
	}
	prev2 := ""
	if i > 1 {
		prev2 = x.lowerAt(toks, i-2)
	}
	if (prev == "на" || prev == "of" || prev == "из") && cityOf(prev2) {
		// "кметовете на Бирмингам", "the mayor of London".
		return article.EntityLocation
	}
	if len(words) > 1 && IsRole(last) {
		// "High Commissioner", "Prime Minister": an office, not a name.
		return ""
	}
	if hasLocHead && (!cyrillic(last) || (len(words) > 1 && locHeads[last])) {
		return article.EntityLocation
	}
	if otherHeads[last] || (!cyrillic(words[0]) && len(words) > 1 && (words[0] == "A" || words[0] == "The" || words[0] == "An")) {
		return article.EntityOther
	}
	if lang == "de" {
		// German capitalises every noun: only names with evidence count.
		orgHead, _ := germanOrgHead(last)
		switch {
		case len(words) > 1 && (personName() || titled):
			return article.EntityPerson
		case len(words) > 1 && orgHead != 0:
			// "Bayerische Rundfunk", "Europäische Fußball-Union".
			return article.EntityOrganization
		case len(words) <= 3 && !germanNounLike(words[len(words)-1]) && germanSpeaker(x, toks, i, next):
			// "kommentierte Maurizio Lupi,": a name unknown to the
			// gazetteers as the subject of a reporting verb.
			return article.EntityPerson
		case len(words) == 1 && isAcronym(words[0]):
			return article.EntityOrganization
		case len(words) == 1 && !germanNounLike(words[0]) && (titled || germanSpeaker(x, toks, i, next)):
			// "Fernsehchef Scolik", "sagte Alfano.", "Alfano erklärte":
			// a surname after a role or as the speaker of a reporting verb.
			return article.EntityPerson
		}
		return ""
	}
	if !cyrillic(words[0]) && (lang == "bg" || lang == "ru" || lang == "uk") && !personName() && !titled {
		// A Latin-script name in a Cyrillic text is a company, brand or
		// outlet far more often than a person ("Eni", "CNBC", "Reuters").
		return article.EntityOrganization
	}
	if len(words) == 1 && lang == "de" && !isAcronym(words[0]) && !titled {
		return ""
	}
	if len(words) == 1 {
		w := words[0]
		if isAcronym(w) {
			if romanNumeral(w) {
				return ""
			}
			if titled {
				return article.EntityOther
			}
			return article.EntityOrganization
		}
		lw := lowerOf(0)
		adjective := cyrillic(w) && adjectiveLike(w) && after != "" && !firstUpper(after)
		switch {
		case (orgContext[prev] && prev != "в" && prev != "във" && prev != "во") || (prev == "в" && toks[i-1].Kind == textseg.Abbrev) || (orgContext[after] && !cyrillic(w)):
			return article.EntityOrganization
		case (titled || verb) && !adjective:
			return article.EntityPerson
		case camelCase(w):
			return article.EntityOrganization
		case adjective:
			// "Украинским властям": an adjective, not a name.
			return ""
		case locContext[prev] && prev != "in" && ((prev != "в" && prev != "във" && prev != "во") || cyrillic(w)):
			return article.EntityLocation
		case x.isExactPerson(lw) && !x.common(lang, lw):
			return article.EntityPerson
		case lang == "bg" && cyrillic(w) && !initial(toks, i) && !x.common(lang, lw) && !strings.Contains(w, "-"):
			// An unknown capitalised word inside a Bulgarian sentence (where
			// names do not inflect for case) that no gazetteer knows is
			// most often a surname ("доклада на Мюлер"). A guess: any
			// other evidence wins, and quotations are not attributed to it.
			return guessedPerson
		}
		return article.EntityOther
	}
	if titled || verb || personName() {
		return article.EntityPerson
	}
	allAcr := true
	for _, w := range words {
		if !isAcronym(w) {
			allAcr = false
		}
	}
	if allAcr {
		return article.EntityOrganization
	}
	if len(words) <= 4 && (cyrillic(words[0]) || x.personWord(words[len(words)-1])) {
		return article.EntityPerson
	}
	if len(words) <= 3 {
		// "Hind Dehiba" or "Old Trafford": a person only if the surname
		// is used alone elsewhere in the article.
		return guessedFullName
	}
	return article.EntityOther
}

// personName reports whether words look like a person's name: a known
// given name first, a patronymic, or a known surname last.
func (x *Extractor) personName(words []string) bool {
	var b [64]byte
	for k, w := range words {
		p := x.g.personExact[string(appendLower(b[:0], w))]
		ps := x.g.person[string(appendStem(b[:0], w))]
		if (k == 0 && (p.first || ps.first)) || p.patr || ps.patr || (k == len(words)-1 && k > 0 && p.last) {
			return true
		}
	}
	return false
}

// camelCase reports whether w has a capital after a lower-case letter
// ("AstraZeneca", "PlayStation"): a company's or product's name.
func camelCase(w string) bool {
	lower := false
	for _, r := range w {
		if isLower(r) {
			lower = true
		} else if isUpper(r) && lower {
			return true
		}
	}
	return false
}

// isLower is unicode.IsLower with fast paths for ASCII and the Cyrillic
// letters U+0400-U+045F.
func isLower(r rune) bool {
	switch {
	case r < 0x80:
		return r >= 'a' && r <= 'z'
	case r >= 0x400 && r <= 0x45F:
		return r >= 0x430
	}
	return unicode.IsLower(r)
}

// stemOrg reduces a Bulgarian or Russian organisation word to the form in
// orgHeads ("агенцията" -> "агенция", "министерства" -> "министерство").
func stemOrg(w string) string {
	for _, suf := range []string{"ата", "ята", "та", "то", "ът", "ят", "а", "у", "ом", "е", "ы", "и"} {
		if b, ok := strings.CutSuffix(w, suf); ok && utf8.RuneCountInString(b) >= 3 {
			if orgHeads[b] {
				return b
			}
			for _, add := range []string{"а", "я", "о", "ия"} {
				if orgHeads[b+add] {
					return b + add
				}
			}
		}
	}
	return w
}

func romanNumeral(w string) bool {
	return strings.Trim(w, "IVXLCDM") == "" && len(w) <= 5
}

// cityOf reports whether w names what a city has ("кметовете на X",
// "mayor of X", "жителите на X"), so that X is a place.
func cityOf(w string) bool {
	for _, p := range []string{"кмет", "мэр", "mayor", "жител", "градоначалник", "губернатор", "residents", "people"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// germanSpeaker reports whether the chunk toks[i:next] of a
// German sentence is the subject of a reporting verb: right after the
// verb or "so" and ending the clause ("sagte Alfano.", "„…“, so
// Alfano."), or opening the clause
// right before it ("Alfano erklärte"), where a common noun would take an
// article ("Die Regierung erklärte").
func germanSpeaker(x *Extractor, toks []textseg.Token, i, next int) bool {
	ends := next == len(toks) || toks[next].Kind == textseg.Punct
	if i > 0 && IsReportingVerb(x.lowerAt(toks, i-1)) && ends {
		return true
	}
	if i > 1 && IsAttributionParticle(x.lowerAt(toks, i-1)) && toks[i-2].Kind == textseg.Punct && ends {
		// "„…“, so Kessling."
		return true
	}
	return next < len(toks) && IsReportingVerb(x.lowerAt(toks, next)) && (i == 0 || toks[i-1].Kind == textseg.Punct)
}

// germanOrgHead returns the gender of the organisation noun ending the
// German word w ("Rundfunk", "Rundfunks", "Fußball-Union"), 0 if none, and
// the genitive ending w carries after it ("s" or "es"; "" for none).
func germanOrgHead(w string) (gender byte, genitive string) {
	lw := textseg.ToLower(w)
	if k := strings.LastIndexByte(lw, '-'); k >= 0 {
		lw = lw[k+1:]
	}
	if g, ok := germanOrgHeads[lw]; ok {
		return g, ""
	}
	for _, end := range []string{"s", "es"} {
		if v, ok := strings.CutSuffix(lw, end); ok {
			if g := germanOrgHeads[v]; g == 'm' || g == 'n' {
				return g, end
			}
		}
	}
	return 0, ""
}

// germanOrgContext reports whether the lower-case German noun w names a
// kind of organisation and so precedes an organisation's name
// ("Regierungspartei NCD", "Autobauer Tesla", "Zeitung Kurier").
func germanOrgContext(w string) bool {
	for _, h := range []string{"partei", "konzern", "zeitung", "sender", "agentur", "verein", "klub", "club",
		"gewerkschaft", "unternehmen", "firma", "hersteller", "autobauer", "fluglinie", "fluggesellschaft", "verband",
		"bank", "magazin", "portal", "plattform", "organisation", "bewegung"} {
		if strings.HasSuffix(w, h) {
			return true
		}
	}
	return false
}

// germanOrgNominative returns a German organisation's name as it is cited,
// in the nominative without article: adjectives take the strong ending of
// the head noun's gender and the head loses a genitive ending ("der
// Frankfurter Allgemeinen Zeitung" -> "Frankfurter Allgemeine Zeitung",
// "des Bayerischen Rundfunks" -> "Bayerischer Rundfunk"). It returns ""
// when the last word is no organisation noun.
func germanOrgNominative(words []string) string {
	last := words[len(words)-1]
	g, genitive := germanOrgHead(last)
	if g == 0 {
		return ""
	}
	out := make([]string, len(words))
	copy(out, words)
	out[len(out)-1] = last[:len(last)-len(genitive)]
	ending := "e" // feminine
	switch g {
	case 'm':
		ending = "er"
	case 'n':
		ending = "es"
	}
	for k, w := range out[:len(out)-1] {
		stem := ""
		for _, end := range []string{"en", "em", "e"} {
			if v, ok := strings.CutSuffix(w, end); ok {
				stem = v
				break
			}
		}
		if stem == "" || !germanAdjectiveStem(textseg.ToLower(stem)) {
			continue
		}
		out[k] = stem + ending
	}
	return strings.Join(out, " ")
}

// germanAdjectiveStem reports whether s ends like the stem of a German
// adjective ("bayerisch", "allgemein", "europäisch", "staatlich").
func germanAdjectiveStem(s string) bool {
	for _, suf := range []string{"isch", "sch", "lich", "ig", "ein", "al", "iv", "ell", "är", "neu", "frei"} {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

// germanNounLike reports whether w ends like a German common noun
// ("Regierung", "Mehrheit", "Gesellschaft", "Nation").
func germanNounLike(w string) bool {
	lw := textseg.ToLower(w)
	for _, suf := range []string{"ung", "ungen", "heit", "keit", "schaft", "tion", "ionen", "tät", "ismus", "ium", "nis", "tum", "ei", "tag", "abend", "rechte", "kreise"} {
		if strings.HasSuffix(lw, suf) {
			return true
		}
	}
	return false
}

// guessedPerson is the type of a one-word name typed PERSON for want of
// other evidence; resolve turns it into PERSON with the lowest priority.
const guessedPerson = "PERSON?"

// guessedFullName is the type of a Latin-script run of two or three
// capitalised words with no cue; resolve makes it a PERSON when its last
// word is used alone elsewhere, else OTHER.
const guessedFullName = "PERSON??"
