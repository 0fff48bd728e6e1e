package langdetect

import "unicode"

// Scripts without a model here, each with the language it most likely
// means in news text.
const (
	scriptGreek = iota
	scriptArabic
	scriptHebrew
	scriptArmenian
	scriptGeorgian
	scriptHan
	scriptKana
	scriptHangul
	scriptThai
	scriptDevanagari
	numOtherScripts
)

func otherScript(r rune) int {
	switch {
	case unicode.Is(unicode.Greek, r):
		return scriptGreek
	case unicode.Is(unicode.Arabic, r):
		return scriptArabic
	case unicode.Is(unicode.Hebrew, r):
		return scriptHebrew
	case unicode.Is(unicode.Armenian, r):
		return scriptArmenian
	case unicode.Is(unicode.Georgian, r):
		return scriptGeorgian
	case unicode.Is(unicode.Han, r):
		return scriptHan
	case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
		return scriptKana
	case unicode.Is(unicode.Hangul, r):
		return scriptHangul
	case unicode.Is(unicode.Thai, r):
		return scriptThai
	case unicode.Is(unicode.Devanagari, r):
		return scriptDevanagari
	}
	return -1
}

// otherScriptLang names the language of a script; Han text with any kana
// is Japanese.
func otherScriptLang(s int, counts [numOtherScripts]int) string {
	switch s {
	case scriptGreek:
		return "el"
	case scriptArabic:
		return "ar"
	case scriptHebrew:
		return "he"
	case scriptArmenian:
		return "hy"
	case scriptGeorgian:
		return "ka"
	case scriptHan:
		if counts[scriptKana] > 0 {
			return "ja"
		}
		return "zh"
	case scriptKana:
		return "ja"
	case scriptHangul:
		return "ko"
	case scriptThai:
		return "th"
	case scriptDevanagari:
		return "hi"
	}
	return ""
}
