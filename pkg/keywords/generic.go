package keywords

import (
	"strings"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/textseg"
)

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

// calendarWords are the months and days of the week (and their
// inflected forms where the stem does not cover them): a date is no
// topic. English "May" is left out, a surname as often as a month.
var calendarWords = map[string]string{
	"bg": "януари февруари март април май юни юли август септември октомври ноември декември понеделник вторник сряда четвъртък петък събота неделя",
	"ru": "январь января февраль февраля март марта апрель апреля май мая июнь июня июль июля август августа сентябрь сентября октябрь октября ноябрь ноября декабрь декабря понедельник вторник среда среду четверг пятница пятницу суббота субботу воскресенье",
	"uk": "січень січня лютий лютого березень березня квітень квітня травень травня червень червня липень липня серпень серпня вересень вересня жовтень жовтня листопад листопада грудень грудня понеділок вівторок середа четвер пʼятниця субота неділя",
	"en": "January February March April June July August September October November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
	"de": "Januar Jänner Februar Feber März April Mai Juni Juli August September Oktober November Dezember Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
}

// genericStems holds the stems of genericWords and calendarWords, per
// language.
var genericStems = func() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for lang, words := range genericWords {
		set := map[string]bool{}
		for _, w := range strings.Fields(words + " " + calendarWords[lang]) {
			set[Stem(w)] = true
		}
		out[lang] = set
	}
	return out
}()

// IsGeneric reports whether word is a common noun of lang too general to
// be a keyword on its own ("колега", "people").
func IsGeneric(lang, word string) bool {
	set := genericStems[lang]
	if set == nil {
		return false
	}
	var b [4 * StemRunes]byte
	stem, runes, _ := appendLower(b[:0], word, StemRunes)
	return set[string(stem)] && utf8.RuneCountInString(word) <= runes+4
}

// adjectiveEndings and verbEndings end the lower-case words of a
// language that are adjectives or verb forms and never nouns (nearly: the
// lists leave out the endings nouns share, such as Russian "-ой", "-ие",
// "-ал", "-ит" or Bulgarian "-ия", "-ат"). Written for newsflow.
var (
	adjectiveEndings = map[string][]string{
		// мягкого, векторная, международного.
		"ru": {"ого", "его", "ому", "ему", "ыми", "ими", "ая", "яя", "ую", "юю", "ый", "ые", "ых", "ым", "ое"},
		"uk": {"ого", "ому", "ими", "ий", "ої"},
		// The adjectives in "-ски" and their forms (партньорски, митническо).
		"bg": {"ски", "ска", "ско", "ския", "ският", "ската", "ското", "ските"},
	}
	verbEndings = map[string][]string{
		// Infinitives (сформировать, not the nouns in "-сть"), reflexive
		// verbs, the present of verbs in "-ать", "-ять", "-овать"
		// (позволяет) and their past in "-овала" (зарегистрировала).
		"ru": {"ать", "ять", "ить", "еть", "уть", "ыть", "ться", "лся", "лась", "лось", "лись", "ает", "яет", "ует", "еет", "ают", "яют", "уют", "еют", "овала", "евала", "ывала", "ивала", "овали", "ывали", "ивали"},
		"uk": {"ати", "ити", "яти", "іти", "ться", "тися", "вся", "лася", "лося", "лися"},
	}
)

// Modifier reports whether a lower-case word of lang is by its ending an
// adjective or a verb form ("мягкого", "сформировать", "митническо"): a
// word that qualifies a topic and is no keyword alone.
func Modifier(lang, word string) bool {
	return endsIn(adjectiveEndings[lang], word) || endsIn(verbEndings[lang], word)
}

// endsIn reports whether a lower-case word ends in one of ends after at
// least three letters.
func endsIn(ends []string, word string) bool {
	if word == "" || textseg.FirstUpper(word) {
		return false
	}
	return hasEnding(ends, word)
}

// hasEnding is endsIn for a word of any case: the endings are matched on
// the word as written (a capital first letter does not change its end).
func hasEnding(ends []string, word string) bool {
	for _, end := range ends {
		if strings.HasSuffix(word, end) && utf8.RuneCountInString(word) >= utf8.RuneCountInString(end)+3 {
			return true
		}
	}
	return false
}
