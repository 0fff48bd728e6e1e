// Package langdetect guesses the language of a text.
package langdetect

import (
	"strings"
	"unicode"
)

// Result is a detected language with a confidence in [0,1].
type Result struct {
	Lang       string
	Confidence float64
}

// Detect guesses the ISO 639-1 language of text. It returns Lang "" when the
// text has no letters.
func Detect(text string) Result {
	var cyr, lat, total int
	counts := map[rune]int{}
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		total++
		r = unicode.ToLower(r)
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
			counts[r]++
		case unicode.Is(unicode.Latin, r):
			lat++
			counts[r]++
		}
	}
	if total == 0 {
		return Result{}
	}
	if cyr >= lat {
		conf := float64(cyr) / float64(total)
		switch {
		case counts['і']+counts['ї']+counts['є']+counts['ґ'] > cyr/200:
			return Result{"uk", conf}
		case counts['ы']+counts['э']+counts['ё'] > cyr/300:
			return Result{"ru", conf}
		default:
			return Result{"bg", conf}
		}
	}
	conf := float64(lat) / float64(total)
	lower := " " + strings.ToLower(text) + " "
	de := strings.Count(lower, " der ") + strings.Count(lower, " die ") + strings.Count(lower, " und ")
	en := strings.Count(lower, " the ") + strings.Count(lower, " and ") + strings.Count(lower, " of ")
	if de > en {
		return Result{"de", conf}
	}
	return Result{"en", conf}
}
