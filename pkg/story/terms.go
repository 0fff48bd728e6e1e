package story

import (
	"iter"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// StemLen is how many letters of a word its stem keeps: enough to tell
// words apart, few enough that the inflections of one word in the Slavic
// languages ("пилоты", "пилотов", "piloti", "pilotów") share it.
const StemLen = 5

// latin spells Cyrillic letters in Latin ones, one way for bg, ru and uk
// alike, so that names and loanwords ("Ryanair", "пилот", "pilot") meet
// across scripts.
var latin = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ґ': "g", 'д': "d", 'е': "e", 'ё': "e", 'є': "e",
	'ж': "z", 'з': "z", 'и': "i", 'і': "i", 'ї': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m",
	'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "h",
	'ц': "c", 'ч': "c", 'ш': "s", 'щ': "s", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "u",
	'я': "a",
}

// Stem returns the language-neutral stem of a word: lower case, Latin
// letters without diacritics, at most StemLen letters; "" for a word
// without letters or digits.
func Stem(word string) string {
	if st, ok := plainStem(word); ok {
		return st
	}
	return normStem(word)
}

// normStem is Stem of any word: lower-cased and decomposed (NFD).
func normStem(word string) string {
	var b strings.Builder
	n := 0
	for _, r := range norm.NFD.String(strings.ToLower(word)) {
		if n >= StemLen {
			break
		}
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'ł':
			b.WriteByte('l')
			n++
		case unicode.Is(unicode.Cyrillic, r):
			if s, ok := latin[r]; ok {
				if s != "" {
					b.WriteString(s)
					n++
				}
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			n++
		}
	}
	return b.String()
}

// plainStem is Stem of a word of ASCII and basic Cyrillic letters
// (А to я) only, without normalizing: these lower-case within the set and
// none decomposes but й, whose breve Stem drops (latin spells й as и).
// ok is false for any other word.
func plainStem(word string) (string, bool) {
	var buf [StemLen]byte
	k, n := 0, 0
	for _, r := range word {
		if n >= StemLen {
			break
		}
		switch {
		case r < utf8.RuneSelf:
			c := byte(r)
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
				buf[k] = c
				k++
				n++
			}
		case 'А' <= r && r <= 'я':
			if s := latin[unicode.ToLower(r)]; s != "" {
				k += copy(buf[k:], s)
				n++
			}
		default:
			return "", false
		}
	}
	return string(buf[:k]), true
}

// words splits text into its words of at least minLen letters.
func words(text string, minLen int) []string {
	var out []string
	for w := range wordSeq(text, minLen) {
		out = append(out, w)
	}
	return out
}

// wordSeq yields the words of text of at least minLen letters in order:
// the runs of letters and digits (strings.FieldsFunc's fields, an
// invalid byte splitting as U+FFFD does) without a slice of them all.
func wordSeq(text string, minLen int) iter.Seq[string] {
	return func(yield func(string) bool) {
		start, n := -1, 0
		for i, r := range text {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				if start < 0 {
					start, n = i, 0
				}
				n++
				continue
			}
			if start >= 0 {
				if n >= minLen && !yield(text[start:i]) {
					return
				}
				start = -1
			}
		}
		if start >= 0 && n >= minLen {
			yield(text[start:])
		}
	}
}

// topStems returns the n most frequent stems of the words of text with
// at least 5 letters (the first seen first among equals).
func topStems(text string, n int) []string {
	count := map[string]int{}
	var order []string
	for w := range wordSeq(text, 5) {
		st := Stem(w)
		if st == "" {
			continue
		}
		if count[st] == 0 {
			order = append(order, st)
		}
		count[st]++
	}
	sort.SliceStable(order, func(i, j int) bool { return count[order[i]] > count[order[j]] })
	if len(order) > n {
		order = order[:n]
	}
	return order
}
