package textclean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// creditMarkers start a photo or video credit.
var creditMarkers = []string{
	"Снимка:", "Снимки:", "Снимка -", "Снимка –", "Фото:", "Фото -", "Фото –", "Фотография:", "Видео:",
	"Photo:", "Photos:", "Picture:", "Image:", "Photograph:", "Foto:", "Fotos:", "Bild:", "Zdjęcie:",
	"Fotografija:", "Photo credit:", "Getty Images", "Copyright:", "Copyright ©",
}

// footerMarkers start a source, editor or copyright footer.
var footerMarkers = []string{
	"Източник:", "Източници:", "Редактор:", "Source:", "Sources:", "Источник:", "Джерело:", "Quelle:",
	"Źródło:", "Zdroj:", "Vir:", "Izvor:", "Главный редактор:", "Copyright ©", "Copyright:", "©", "Всички права запазени",
	"All rights reserved", "Все права защищены", "Alle Rechte vorbehalten",
}

// promoMarkers mark a line or sentence as promotion, subscription, share
// buttons or site chrome.
var promoMarkers = []string{
	"Последвайте ни", "последвайте страницата ни", "Следете ни", "Абонирайте се", "Абонамент за",
	"Сподели ", "Сподели\u00a0", "Share on Facebook", "Share on Twitter", "Share this", "Tweet ",
	"Подпишитесь на", "Подписывайтесь на", "Подписаться на", "Присоединяйтесь к нам", "Заметили ошибку",
	"Нашли ошибку", "Выделите текст", "Осталось символов", "Підписуйтесь на", "Приєднуйтесь до",
	"Subscribe to our", "Sign up for our", "Follow us on", "Like us on Facebook", "Join us on",
	"Abonnieren Sie", "Folgen Sie uns", "Obserwuj nas", "Sledujte nás", "Sledite nam",
	"във Viber", "в Telegram", "в Viber", "on Telegram", "мобилното приложение на",
	"Изпрати на приятел", "Печат Сподели", "Коментари (", "Отправлено в", "заметите ошибку",
	"Если вы заметили ошибку", "Якщо ви помітили помилку",
	// Calls to send tips or photos, to get the app, to read the story at
	// the source.
	"пращайте вашите сигнали", "Пращайте вашите сигнали", "пращайте ни сигнали", "Пращайте ни сигнали",
	"изпращайте ни сигнали", "Изпращайте ни сигнали", "изпращайте вашите снимки", "Изпращайте вашите снимки",
	"Изпратете ни сигнал", "изпратете ни сигнал", "Изтеглете нашето приложение", "изтеглете нашето приложение",
	"Присылайте нам", "присылайте нам", "Скачайте наше приложение", "Надсилайте нам", "Завантажуйте наш застосунок",
	"Send us your tips", "send us your tips", "Send us your story", "send us your story", "Got a news tip",
	"Download our app", "download our app", "Laden Sie unsere App",
	"Подробнее читайте в", "Подробнее читайте на", "Читайте подробнее в", "Читайте подробнее на", "Подробнее об этом читайте",
}

// boilerLine reports whether a short line is boilerplate as a whole.
func boilerLine(t string) bool {
	kinds, promo, credit, _ := markersIn(t)
	if kinds&kindPromo != 0 && !textBefore(t, promo) || startsWithMarker(t, creditMarkers, kindCredit) || startsWithMarker(t, footerMarkers, kindFooter) {
		return true
	}
	if rating(t) || tagList(t) {
		return true
	}
	// "Борис Джонсон. Фото: GLOBAL LOOK press": a caption with its credit.
	if credit > 0 && len(t) < 200 {
		return true
	}
	return false
}

// textBefore reports a line whose promotion at promo comes after two
// sentences or more of article text: then only the promotion is cut
// ("... поддержать Brexit. Больше важных новостей в Telegram-канале"), as
// in a long line.
func textBefore(t string, promo int) bool {
	from, _ := sentenceAround(t, promo, promo)
	before := strings.TrimSpace(t[:from])
	if utf8.RuneCountInString(before) < 80 || !endsSentence(before) {
		return false
	}
	ends := 0
	for i := 1; i < len(before); i++ {
		if before[i] == ' ' && endsSentence(before[:i]) {
			ends++
		}
	}
	return ends >= 1
}

// Kinds of markers, as bits.
const (
	kindPromo = 1 << iota
	kindCredit
	kindFooter
)

type marker struct {
	text string
	kind int
	// guard, when set, must hold where the marker is found (see
	// markerGuards); a promotion marker must also not be reported speech.
	guard guard
}

// guardFor returns the guard of marker m (its text without trailing
// space, in the case of promoMarkers), or nil.
func guardFor(m string, kind int) guard {
	g := markerGuards[m]
	if kind != kindPromo {
		return g
	}
	return func(s string, at, end int) bool {
		return (g == nil || g(s, at, end)) && !reported(s, at, end)
	}
}

// startsWithMarker reports whether s starts with one of ms, in any case,
// where the marker's guard holds.
func startsWithMarker(s string, ms []string, kind int) bool {
	for _, p := range ms {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			m := strings.TrimRight(p, " \u00a0")
			if g := guardFor(m, kind); g == nil || g(s, 0, len(m)) {
				return true
			}
		}
	}
	return false
}

// markerIndex files every promo, credit and footer marker under its first
// word, so that a line is searched in one pass over its words rather than
// once per marker.
var markerIndex = indexMarkers()

// markerWords tells, by last byte and length, which words may start a
// marker: most words of a line need no lookup in markerIndex.
var markerWords = wordFilter(markerIndex)

// wordFilter returns, for each byte, a bit set of the lengths (mod 64) of
// the keys of idx ending with it.
func wordFilter(idx map[string][]marker) *[256]uint64 {
	var f [256]uint64
	for w := range idx {
		if w != "" {
			f[w[len(w)-1]] |= 1 << (len(w) & 63)
		}
	}
	return &f
}

// mayStartMarker reports whether w may be a key of markerIndex.
func mayStartMarker(w string) bool {
	return w != "" && markerWords[w[len(w)-1]]&(1<<(len(w)&63)) != 0
}

func indexMarkers() map[string][]marker {
	idx := map[string][]marker{}
	// A call to action may be set in capitals ("ПРАЩАЙТЕ ВАШИТЕ СИГНАЛИ"):
	// promotion markers of two words or more match in capitals too.
	var caps, capsOf []string
	for _, m := range promoMarkers {
		if up := strings.ToUpper(m); up != m && strings.Contains(strings.TrimSpace(m), " ") {
			caps, capsOf = append(caps, up), append(capsOf, m)
		}
	}
	for kind, ms := range map[int][]string{kindPromo: append(promoMarkers[:len(promoMarkers):len(promoMarkers)], caps...), kindCredit: creditMarkers, kindFooter: footerMarkers} {
		for k, m := range ms {
			first, _, _ := strings.Cut(strings.TrimSpace(m), " ")
			if r, n := utf8.DecodeRuneInString(first); n == len(first) && !unicode.IsLetter(r) {
				first = string(r) // "©": matched at the start of a word
			}
			text := strings.TrimRight(m, " \u00a0")
			of := text // the guard of a marker in capitals is its original's
			if kind == kindPromo && k >= len(promoMarkers) {
				of = strings.TrimRight(capsOf[k-len(promoMarkers)], " \u00a0")
			}
			idx[first] = append(idx[first], marker{text: text, kind: kind, guard: guardFor(of, kind)})
		}
	}
	return idx
}

// markersIn finds the markers in s: the kinds found and the first offset
// of each kind (-1 when absent).
func markersIn(s string) (kinds int, promo, credit, footer int) {
	promo, credit, footer = -1, -1, -1
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		j := strings.IndexByte(s[i:], ' ')
		if j < 0 {
			j = len(s)
		} else {
			j += i
		}
		word := s[i:j]
		var cands []marker
		if mayStartMarker(word) {
			cands = markerIndex[word]
		}
		// A word opening with a symbol ("©2019") may start with a marker
		// too. (Cyrillic letters, the bulk, lead with 0xD0 or 0xD1.)
		if c := word[0]; c >= 0x80 && c != 0xD0 && c != 0xD1 {
			if r, n := utf8.DecodeRuneInString(word); n < len(word) && !unicode.IsLetter(r) {
				cands = append(cands[:len(cands):len(cands)], markerIndex[word[:n]]...)
			}
		}
		for _, m := range cands {
			if !strings.HasPrefix(s[i:], m.text) || m.guard != nil && !m.guard(s, i, i+len(m.text)) {
				continue
			}
			kinds |= m.kind
			switch m.kind {
			case kindPromo:
				if promo < 0 {
					promo = i
				}
			case kindCredit:
				if credit < 0 {
					credit = i
				}
			case kindFooter:
				if footer < 0 {
					footer = i
				}
			}
		}
		i = j
	}
	return kinds, promo, credit, footer
}

// typoWidgetWords are the verbs of a typo-report widget, "select the text
// and press Ctrl+Enter", which sites put right after the article.
var typoWidgetWords = [][2]string{
	{"ыделите", "ажмите"},   // ru
	{"иділіть", "атисніть"}, // uk
	{"идiлiть", "атисніть"}, // uk, with a Latin i
	{"ыделите", "Ctrl"},
	{"иділіть", "Ctrl"},
	{"идiлiть", "Ctrl"},
	{"elect", "Ctrl"},    // en
	{"arkieren", "Strg"}, // de
}

// typoWidget reports text holding a typo-report widget.
func typoWidget(s string) bool {
	for _, w := range typoWidgetWords {
		if i := strings.Index(s, w[0]); i >= 0 && strings.Contains(s[i:], w[1]) {
			return true
		}
	}
	return false
}

// siteTagline reports a last line that is the site's description and name,
// as a page title gives them: "Украина и мир сегодня. Факты ... | Портал
// «Ракурс»". The part after the last " | " is a short name: at most six
// words, capitalised, not a sentence.
func siteTagline(t string) bool {
	i := strings.LastIndex(t, " | ")
	if i <= 0 || len(t) > 1200 {
		return false
	}
	name := strings.TrimSpace(t[i+3:])
	r, _ := utf8.DecodeRuneInString(name)
	if !unicode.IsUpper(r) && !strings.ContainsRune("«\"„“", r) {
		return false
	}
	n := len(strings.Fields(name))
	return n <= 6 && !strings.ContainsAny(name, "!?,;:") && !strings.Contains(name, ". ") && !strings.ContainsRune(t[:i], '|')
}
