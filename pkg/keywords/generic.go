package keywords

import "strings"

// genericWords are common nouns that a keyword list should not show alone
// although an article may repeat them: people in general, spans of time,
// "country", "way", "photo". Written for newsflow; matched on their stem
// (Stem), so that inflected forms count.
var genericWords = map[string]string{
	"bg": "колега колеги човек хора година години ден дни седмица месец път пъти страна държава място начин част въпрос случай дума думи снимка снимки видео информация новина новини нещо неща",
	"ru": "коллега коллеги человек люди год года лет день дни неделя месяц раз время страна страны место способ часть вопрос случай слово слова фото видео информация новости дело",
	"uk": "колега колеги людина люди рік року роки день дні тиждень місяць раз час країна місце спосіб частина питання випадок слово фото відео інформація новини",
	"en": "colleague colleagues people person year years day days week weeks month months time times country place way part question case word words photo photos video information news thing things",
	"de": "Kollege Kollegen Mensch Menschen Leute Jahr Jahre Jahren Tag Tage Woche Wochen Monat Monate Mal Zeit Land Ort Weise Teil Frage Fall Wort Worte Foto Fotos Video Information Nachrichten Sache",
}

// genericStems holds the stems of genericWords, per language.
var genericStems = func() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for lang, words := range genericWords {
		set := map[string]bool{}
		for _, w := range strings.Fields(words) {
			set[Stem(w)] = true
		}
		out[lang] = set
	}
	return out
}()

// IsGeneric reports whether word is a common noun of lang too general to
// be a keyword on its own ("колега", "people").
func IsGeneric(lang, word string) bool {
	return genericStems[lang][Stem(word)] && len([]rune(word)) <= len([]rune(Stem(word)))+4
}
