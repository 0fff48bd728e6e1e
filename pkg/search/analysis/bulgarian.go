package analysis

import "unicode/utf8"

// StemBulgarian returns the light stem of a lowercased Bulgarian word.
//
// It implements the light stemmer of J. Savoy, "Searching strategies for the
// Bulgarian language", Information Retrieval 10 (2007), the same rules
// Lucene's BulgarianStemmer implements: it removes the definite article
// (-ът, -ят, -ия, -ият, -то, -те, -та), plural endings (-ове, -еве, -овци,
// -ища, -та, -ци, -зи, -си, -и, with the consonant alternations к/ц, г/з,
// х/с and я/е), a final -я, -а, -о, -е, and normalises -ен to -н and ъ
// before a final consonant. Words shorter than four letters are kept.
func StemBulgarian(word string) string {
	s := []rune(word)
	n := len(s)
	if n < 4 {
		return word
	}
	if n > 5 && endsWith(s, n, "ища") {
		return string(s[:n-3])
	}
	n = removeArticle(s, n)
	n = removePlural(s, n)
	if n > 3 {
		if endsWith(s, n, "я") {
			n--
		}
		if endsWith(s, n, "а") || endsWith(s, n, "о") || endsWith(s, n, "е") {
			n--
		}
	}
	// -ен to -н (the paper lists the rule twice; its reference
	// implementation applies it once, as here).
	if n > 4 && endsWith(s, n, "ен") {
		s[n-2] = 'н'
		n--
	}
	// ъ before a final consonant goes: -ър to -р and the like.
	if n > 5 && s[n-2] == 'ъ' {
		s[n-2] = s[n-1]
		n--
	}
	return string(s[:n])
}

func removeArticle(s []rune, n int) int {
	if n > 6 && endsWith(s, n, "ият") {
		return n - 3
	}
	if n > 5 {
		for _, suf := range []string{"ът", "то", "те", "та", "ия"} {
			if endsWith(s, n, suf) {
				return n - 2
			}
		}
	}
	if n > 4 && endsWith(s, n, "ят") {
		return n - 2
	}
	return n
}

func removePlural(s []rune, n int) int {
	if n > 6 {
		if endsWith(s, n, "овци") {
			return n - 3 // -овци to -о
		}
		if endsWith(s, n, "ове") {
			return n - 3
		}
		if endsWith(s, n, "еве") {
			s[n-3] = 'й' // -еве to -й
			return n - 2
		}
	}
	if n > 5 {
		if endsWith(s, n, "ища") {
			return n - 3
		}
		if endsWith(s, n, "та") {
			return n - 2
		}
		if endsWith(s, n, "ци") {
			s[n-2] = 'к' // -ци to -к
			return n - 1
		}
		if endsWith(s, n, "зи") {
			s[n-2] = 'г' // -зи to -г
			return n - 1
		}
		if s[n-3] == 'е' && s[n-1] == 'и' {
			s[n-3] = 'я' // -е?и to -я?
			return n - 1
		}
	}
	if n > 4 {
		if endsWith(s, n, "си") {
			s[n-2] = 'х' // -си to -х
			return n - 1
		}
		if endsWith(s, n, "и") {
			return n - 1
		}
	}
	return n
}

func endsWith(s []rune, n int, suffix string) bool {
	i := n
	for j := len(suffix); j > 0; {
		r, size := utf8.DecodeLastRuneInString(suffix[:j])
		j -= size
		i--
		if i < 0 || s[i] != r {
			return false
		}
	}
	return true
}
