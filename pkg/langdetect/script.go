package langdetect

import (
	"sort"
	"unicode"
)

// Scripts: Latin, Cyrillic, Arabic and Devanagari hold several modelled
// languages each (Devanagari: Hindi, and Marathi to tell it apart), the
// others (but scriptOther) mean one language of their own.
const (
	scriptLatin = iota
	scriptCyrillic
	scriptArabic
	scriptGreek
	scriptHebrew
	scriptArmenian
	scriptGeorgian
	scriptHan
	scriptKana
	scriptHangul
	scriptThai
	scriptDevanagari
	scriptBengali
	scriptTamil
	scriptTelugu
	scriptGujarati
	scriptGurmukhi
	scriptOther
	numScripts
)

// scriptLangs is the language of each one-language script (Han is zh or,
// with kana, ja).
var scriptLangs = [numScripts]string{
	scriptGreek: "el", scriptHebrew: "he", scriptArmenian: "hy", scriptGeorgian: "ka",
	scriptHan: "zh", scriptHangul: "ko", scriptThai: "th",
	scriptBengali: "bn", scriptTamil: "ta", scriptTelugu: "te",
	scriptGujarati: "gu", scriptGurmukhi: "pa",
}

// modelScripts gives the script of each modelled language.
var modelScripts = map[string]int{
	"ar": scriptArabic, "fa": scriptArabic,
	"hi": scriptDevanagari,
	"be": scriptCyrillic, "bg": scriptCyrillic, "kk": scriptCyrillic, "mk": scriptCyrillic,
	"ru": scriptCyrillic, "sr": scriptCyrillic, "uk": scriptCyrillic,
}

func init() {
	for _, l := range []string{"af", "az", "bs", "ca", "cs", "da", "de", "en", "es", "et", "eu", "fi",
		"fr", "ga", "hr", "hu", "id", "it", "lt", "lv", "ms", "nb", "nl", "pl", "pt", "ro", "sk", "sl",
		"sq", "sv", "sw", "tl", "tr", "vi"} {
		modelScripts[l] = scriptLatin
	}
}

// otherScripts gives the script of each language that is modelled only to
// be told apart from the supported ones: text that reads best as one of
// these (Esperanto, Latin, Welsh, Icelandic, Mongolian, Urdu, ...) is
// not in a supported language, and its probability counts against every
// supported one (see Detect). lingua-go models them; Nynorsk is left out,
// as Norwegian text is better called nb than und.
var otherScripts = map[string]int{"mn": scriptCyrillic, "ur": scriptArabic, "mr": scriptDevanagari}

func init() {
	for _, l := range []string{"cy", "eo", "is", "la", "lg", "mi", "sn", "so", "st", "tn", "ts", "xh", "yo", "zu"} {
		otherScripts[l] = scriptLatin
	}
}

// ModelLanguages lists the languages scored by n-gram models (those of the
// Latin, Cyrillic and Arabic scripts), sorted.
func ModelLanguages() []string { return sortedKeys(modelScripts) }

// OtherLanguages lists the languages modelled only to recognise text in
// none of the supported languages, sorted.
func OtherLanguages() []string { return sortedKeys(otherScripts) }

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for l := range m {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

var scriptTables = []struct {
	script int
	table  *unicode.RangeTable
}{
	{scriptCyrillic, unicode.Cyrillic},
	{scriptArabic, unicode.Arabic},
	{scriptGreek, unicode.Greek},
	{scriptHebrew, unicode.Hebrew},
	{scriptArmenian, unicode.Armenian},
	{scriptGeorgian, unicode.Georgian},
	{scriptHan, unicode.Han},
	{scriptKana, unicode.Hiragana},
	{scriptKana, unicode.Katakana},
	{scriptHangul, unicode.Hangul},
	{scriptThai, unicode.Thai},
	{scriptDevanagari, unicode.Devanagari},
	{scriptBengali, unicode.Bengali},
	{scriptTamil, unicode.Tamil},
	{scriptTelugu, unicode.Telugu},
	{scriptGujarati, unicode.Gujarati},
	{scriptGurmukhi, unicode.Gurmukhi},
	{scriptLatin, unicode.Latin},
}

// scriptOf returns the script of a letter.
func scriptOf(r rune) int {
	switch {
	case r < 0x250:
		return scriptLatin
	case r >= 0x400 && r < 0x530:
		return scriptCyrillic
	}
	for _, t := range scriptTables {
		if unicode.Is(t.table, r) {
			return t.script
		}
	}
	return scriptOther
}

// scriptLang names the language of a one-language script, "" for the
// others: Han with any kana is Japanese, and Korean may mix Han (hanja)
// into Hangul.
func scriptLang(s int, counts [numScripts]int) string {
	switch s {
	case scriptHan:
		if counts[scriptKana] > 0 {
			return "ja"
		}
		if counts[scriptHangul] > 0 {
			return "ko"
		}
	case scriptKana:
		return "ja"
	}
	return scriptLangs[s]
}
