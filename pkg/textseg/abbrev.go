package textseg

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// class tells how an abbreviation behaves at a possible sentence end.
type class uint8

const (
	notAbbrev class = iota
	// inner abbreviations stand before what they qualify ("проф.", "Mr.",
	// "т.е.", "ул.") and never end a sentence.
	inner
	// mayEnd abbreviations often end a sentence ("г." after a year,
	// "млн.", "etc."): a capitalised word after them starts a new one.
	mayEnd
	// initial is a name initial ("J.", "Дж.") and never ends a sentence.
	initial
	// acronym is a dotted upper-case abbreviation ("U.S.", "U.K."): it ends
	// a sentence only before a word that usually starts one ("The", "He").
	acronym
)

// abbrevClass classifies word, the text before a dot; prev is the token
// before it (nil at the start).
func abbrevClass(word string, prev *Token) class {
	if word == "" {
		return notAbbrev
	}
	// "2014г." and "1990р.": a year with its abbreviation attached.
	if isDigit(rune(word[0])) {
		j := strings.IndexFunc(word, func(r rune) bool { return !isDigit(r) })
		if j > 0 && yearSuffix(word[j:]) {
			return mayEnd
		}
		return notAbbrev
	}
	first, n := utf8.DecodeRuneInString(word)
	if n == len(word) && unicode.IsUpper(first) {
		return initial
	}
	if c := knownAbbrev(word); c != notAbbrev {
		// "г." is "година" after a number (may end the sentence) and
		// "град"/"господин" before a name (does not).
		if c == inner && prev != nil && (prev.Kind == Number || roman(prev.Text)) && (yearSuffix(word) || utf8.RuneCountInString(word) == 1) {
			return mayEnd
		}
		return c
	}
	if lw := strings.ToLower(word); lw != word {
		if c := knownAbbrev(lw); c != notAbbrev {
			return c
		}
	}
	return notAbbrev
}

// dottedClass classifies a dotted abbreviation such as "т.е." or "U.S.".
func dottedClass(tok string) class {
	switch strings.ToLower(tok) {
	case "т.е.", "т.нар.", "т.к.", "т.ч.", "в т.ч.", "и.д.", "ч.л.", "т.о.", "н.э.", "т.зв.",
		"e.g.", "i.e.", "z.b.", "z.t.", "u.a.", "d.h.", "o.ä.", "s.o.", "u.u.",
		"m.in.", "tzn.", "m.j.", "n.p.", "tj.":
		return inner
	}
	if (Token{Text: tok}).AllCaps() {
		return acronym
	}
	return mayEnd
}

// yearSuffix reports whether s abbreviates "year" or "years" ("г", "гг",
// "р", "рр", "r").
func yearSuffix(s string) bool {
	switch s {
	case "г", "гг", "р", "рр", "r", "god":
		return true
	}
	return false
}

// knownAbbrev looks word (without its dot) up in the abbreviation tables.
// Case matters for some entries ("St" but not "st" in English); the caller
// retries in lower case.
func knownAbbrev(word string) class {
	switch word {
	// Name initials of two letters.
	case "Дж", "Ал", "Хр", "Ив", "Вл", "Ст", "Св", "Th", "Ch", "Wm", "Chr", "Jos":
		return initial

	// English titles and forms that come before what they qualify.
	case "Mr", "Mrs", "Ms", "Messrs", "Dr", "Prof", "St", "Gen", "Sen", "Rep", "Gov", "Lt",
		"Col", "Capt", "Cpt", "Sgt", "Maj", "Adm", "Cmdr", "Rev", "Hon", "Pres", "Supt", "Insp",
		"Mt", "Ft", "Gen'l", "Brig", "vs", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
		"Sept", "Oct", "Nov", "Dec", "approx", "cf", "viz", "fig", "Fig", "no", "No", "Nos", "pp",
		"vol", "Vol", "ch", "para", "est":
		return inner
	case "Inc", "Ltd", "Corp", "Co", "Bros", "Jr", "Sr", "etc", "LLC", "Plc", "plc", "p.m", "a.m":
		return mayEnd

	// German.
	case "bzw", "ca", "geb", "Anm", "Nr", "Hr", "Hrn", "Fr", "Dipl", "Ing", "vgl", "evtl", "ggf",
		"inkl", "exkl", "sog", "Abs", "Art", "Bd", "Tel", "zit", "insb", "allg", "urspr":
		return inner
	case "Mio", "Mrd", "Tsd", "Std":
		return inner // followed by the unit: "5 Mrd. Euro"
	case "usw", "Jh", "Jhd", "bzgl":
		return mayEnd

	// Bulgarian, Russian, Ukrainian.
	case "г", "гр", "с", "ул", "бул", "пл", "кв", "обл", "общ", "р-н", "проф", "акад", "доц",
		"ген", "инж", "арх", "д-р", "г-н", "г-жа", "св", "ал", "чл", "напр", "вкл", "стр", "изд",
		"пр", "ст", "бр", "тел", "им", "пос", "д", "пер", "просп", "пр-т", "наб", "тов",
		"ред", "прим", "см", "в", "рис", "гл", "цит", "доб", "вул", "м", "о", "о-в", "п-в", "оз",
		"сп", "т", "нар", "зам", "полк", "подп", "лейт", "кап", "адм", "митр", "патр", "еп",
		"архиеп", "свещ", "пом", "Прим", "відп", "вип", "нач", "ок", "ср", "англ",
		"рус", "лат", "гр-н", "гр-ка", "уч", "мл", "бывш", "соотв", "сокр", "наз", "пгт", "гос":
		return inner
	case "гг", "р", "рр", "вв", "млн", "млрд", "трлн", "хил", "тыс", "тис", "лв", "руб",
		"долл", "дол", "коп", "грн", "евро", "куб", "кг", "км", "ч", "мин", "сек", "др", "сум",
		"сут", "мес", "год", "бел", "н", "млдр", "сах":
		return mayEnd

	// Polish, Czech, Slovak, Slovene, Croatian.
	case "np", "tzw", "ok", "ul", "al", "św", "pkt", "godz", "ds", "ws", "dr", "prof", "inż",
		"mgr", "hab", "płk", "gen", "tzv", "např", "resp", "mj", "sv", "hod", "npr", "oz", "tj",
		"prim", "gosp", "pan", "ing", "doc", "mudr", "judr", "phdr", "čl", "odst", "ks", "abp",
		"bp", "nám", "dn", "Płn", "Płd", "płn", "płd":
		return inner
	case "tys", "proc", "mln", "mld", "mlrd", "zł", "atd", "apod", "itd", "itp", "mil", "tis",
		"kč", "Kč", "eur", "ub", "br", "sześc", "jun", "sen":
		return mayEnd
	}
	return notAbbrev
}

// monthName reports whether w is a capitalised month name that follows an
// ordinal day ("3. Oktober"), where the dot does not end a sentence.
func monthName(w string) bool {
	switch w {
	case "Januar", "Jänner", "Februar", "Feber", "März", "April", "Mai", "Juni", "Juli",
		"August", "September", "Oktober", "November", "Dezember",
		"January", "February", "March", "May", "June", "July", "October", "December":
		return true
	}
	return false
}

// starter reports whether w usually starts a sentence when capitalised: the
// test after "U.S." and other dotted acronyms.
func starter(w string) bool {
	switch w {
	case "The", "A", "An", "He", "She", "It", "They", "We", "I", "You", "This", "That", "These",
		"Those", "But", "And", "Or", "So", "Yet", "In", "On", "At", "For", "Its", "His", "Her",
		"Their", "Our", "There", "Here", "What", "When", "Where", "Why", "How", "Who", "Some",
		"Many", "Most", "If", "As", "After", "Before", "While", "However", "Meanwhile", "Also",
		"Der", "Die", "Das", "Er", "Sie", "Es", "Wir", "Ich", "Und", "Aber", "Im", "Am",
		"Той", "Тя", "То", "Те", "Това", "Но", "И", "В", "На", "Он", "Она", "Они", "Это", "Но,":
		return true
	}
	return false
}

// roman reports whether s is a Roman numeral ("XX", "IV").
func roman(s string) bool {
	for _, r := range s {
		switch r {
		case 'I', 'V', 'X', 'L', 'C', 'M':
		default:
			return false
		}
	}
	return s != ""
}
