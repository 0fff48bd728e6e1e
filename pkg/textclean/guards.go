package textclean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A guard tells whether a marker found at s[at:end] is page furniture
// rather than the same words in a sentence of the article. Guards run only
// where a marker matched, so they may look around at leisure.
type guard func(s string, at, end int) bool

// markerGuards are the conditions of the markers whose words also occur in
// running text ("in einem Tweet schrieb er", "Министърът написа в Telegram,
// че ...", "Stimmt das Bild: ..."). A marker without a guard fires
// wherever it occurs; every promotion marker also must not be reported
// speech (see reported).
var markerGuards = map[string]guard{
	// Share buttons: a run of button labels, or the label alone.
	"Tweet":              shareButton,
	"Сподели":            shareButton,
	"Изпрати на приятел": shareButton,
	"Share this":         shareThis,
	// Channels and apps: only in a call to follow the site there or in
	// the site's plug for its news there.
	"във Viber":   channelPlug,
	"в Viber":     channelPlug,
	"в Telegram":  channelPlug,
	"on Telegram": channelPlug,
	"мобилното приложение на": callToAction,
	"Join us on":   networkNext,
	"Follow us on": networkNext,
	// Labels that need their widget's shape.
	"Абонамент за":      subscriptionLabel,
	"Коментари (":       countNext,
	"Отправлено в":      clockNext,
	"Осталось символов": countNext,
	"Нашли ошибку":      typoQuestion,
	"Заметили ошибку":   typoQuestion,
	"заметите ошибку":   typoQuestion,
	"Выделите текст":    typoQuestion,
	// Credits: a photo agency as the credit itself, a credit label that
	// is not a noun of the sentence.
	"Getty Images": agencyCredit,
	"Foto:":        creditLabel,
	"Fotos:":       creditLabel,
	"Bild:":        creditLabel,
	"Photo:":       creditLabel,
	"Photos:":      creditLabel,
	"Picture:":     creditLabel,
	"Image:":       creditLabel,
	"Photograph:":  creditLabel,
	"Copyright:":   creditLabel,
	"Source:":      creditLabel,
	"Sources:":     creditLabel,
	"Quelle:":      creditLabel,
	// The copyright sign: a copyright line or credit, not the sign named
	// in a sentence that goes on in lower case.
	"©": copyrightSign,
}

// sentenceAround returns the bounds of the sentence of s that holds
// s[at:end]: from after the last sentence end before at to the first one
// after end, its punctuation included.
func sentenceAround(s string, at, end int) (from, to int) {
	for i := at - 1; i > 0; i-- {
		if s[i] == ' ' && endsSentence(s[:i]) {
			from = i + 1
			break
		}
	}
	to = len(s)
	for i := end; i < len(s); i++ {
		if s[i] == ' ' && endsSentence(s[:i]) {
			to = i
			break
		}
	}
	return from, to
}

// fieldWord returns w without the punctuation around it, in lower case.
func fieldWord(w string) string {
	return strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '+' }))
}

// buttonLabels are the words of share and print buttons and their
// counters, in lower case.
var buttonLabels = map[string]bool{
	"сподели": true, "споделете": true, "приятел": true, "изпрати": true, "печат": true, "принтирай": true,
	"tweet": true, "share": true, "shares": true, "total": true, "like": true, "pin": true, "print": true,
	"email": true, "e-mail": true, "mail": true, "facebook": true, "twitter": true, "google": true, "google+": true,
	"plus": true, "linkedin": true, "pinterest": true, "whatsapp": true, "viber": true, "telegram": true,
	"reddit": true, "vk": true, "ok": true, "коментари": true, "коментар": true, "поделиться": true,
	"твитнуть": true, "teilen": true, "drucken": true, "teilen:": true,
}

func isButtonWord(w string) bool {
	w = fieldWord(w)
	return buttonLabels[w] || w != "" && strings.Trim(w, "0123456789") == ""
}

// shareButton: a share-button label stands alone in its sentence or next
// to another label or a counter ("Сподели Приятел Tweet", "Tweet 0"), not
// as a word of a sentence ("in einem Tweet schrieb er", "Сподели някоя
// история от практиката си?").
func shareButton(s string, at, end int) bool {
	from, to := sentenceAround(s, at, end)
	before, after := strings.Fields(s[from:at]), strings.Fields(s[end:to])
	if len(before) > 0 && isButtonWord(before[len(before)-1]) {
		return true
	}
	if len(after) == 0 || strings.Trim(strings.Join(after, ""), ".!:|•·-–") == "" {
		return true
	}
	if isButtonWord(after[0]) {
		return true
	}
	// "Сподели в Facebook", "Share on Twitter".
	switch fieldWord(after[0]) {
	case "в", "във", "on", "in", "auf", "via":
		return len(after) > 1 && (buttonLabels[fieldWord(after[1])] || networks[fieldWord(after[1])])
	}
	return false
}

// shareThis: "Share this" as the button ("Share this article", "Share
// this:") rather than "Share this view, he said".
func shareThis(s string, at, end int) bool {
	_, to := sentenceAround(s, at, end)
	after := strings.Fields(s[end:to])
	if len(after) == 0 || strings.HasPrefix(s[end:], ":") {
		return true
	}
	switch fieldWord(after[0]) {
	case "article", "story", "page", "post", "link", "video", "on", "via":
		return true
	}
	return false
}

// networks are the social networks and messengers a site asks to be
// followed on, in lower case.
var networks = map[string]bool{
	"facebook": true, "twitter": true, "instagram": true, "telegram": true, "viber": true, "youtube": true,
	"linkedin": true, "tiktok": true, "whatsapp": true, "x": true, "google": true, "flipboard": true,
	"social": true, "threads": true, "mastodon": true, "вконтакте": true, "фейсбук": true, "туитър": true,
}

// networkNext: "Follow us on Facebook", not "Join us on Monday".
func networkNext(s string, _, end int) bool {
	after := strings.Fields(s[end:min(len(s), end+40)])
	return len(after) > 0 && networks[fieldWord(after[0])]
}

// ctaWords are imperatives that address the reader in a call to follow,
// subscribe to, read or download the site, in lower case.
var ctaWords = map[string]bool{
	"последвайте": true, "следете": true, "следвайте": true, "абонирайте": true, "присъединете": true,
	"изтеглете": true, "свалете": true, "инсталирайте": true, "четете": true, "харесайте": true,
	"читайте": true, "подписывайтесь": true, "подпишитесь": true, "следите": true, "присоединяйтесь": true,
	"скачайте": true, "оставайтесь": true, "узнавайте": true,
	"підписуйтесь": true, "слідкуйте": true, "приєднуйтесь": true, "стежте": true, "завантажуйте": true,
	"follow": true, "join": true, "subscribe": true, "download": true, "get": true,
	"folgen": true, "abonnieren": true, "laden": true,
}

// newsWords name the site's news in its plug ("Новости от Корреспондент.net
// в Telegram", "Больше важных новостей в Telegram-канале"), in lower case.
var newsWords = map[string]bool{
	"новини": true, "новости": true, "новостей": true, "новин": true, "news": true, "nachrichten": true,
}

// callToAction: the sentence before the marker holds an imperative to the
// reader ("Следете ни ... с мобилното приложение на ..."), not "Новото
// мобилното приложение на общината позволява ...".
func callToAction(s string, at, end int) bool {
	from, _ := sentenceAround(s, at, end)
	for _, w := range strings.Fields(s[from:at]) {
		if ctaWords[fieldWord(w)] {
			return true
		}
	}
	return false
}

// channelPlug: a call to follow the site in a messenger or the site's plug
// for its news there, not "Министърът написа в Telegram, че ...".
func channelPlug(s string, at, end int) bool {
	from, _ := sentenceAround(s, at, end)
	for _, w := range strings.Fields(s[from:at]) {
		if w := fieldWord(w); ctaWords[w] || newsWords[w] {
			return true
		}
	}
	return false
}

// subscriptionLabel: "Абонамент за печатен вестник", the offer of a
// subscription to the paper, not "Абонамент за фитнес струва ...".
func subscriptionLabel(s string, _, end int) bool {
	after := strings.Fields(s[end:min(len(s), end+60)])
	if len(after) == 0 {
		return true
	}
	w := fieldWord(after[0])
	for _, p := range []string{"печатн", "печатен", "електронн", "електронен", "вестник", "списани", "издани", "бюлетин", "наш", "новини", "онлайн"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// countNext: a widget label followed by its counter ("Коментари (3)",
// "Осталось символов: 2000").
func countNext(s string, _, end int) bool {
	rest := strings.TrimLeft(s[end:], " :(")
	return rest != "" && isDigit(rest[0])
}

// clockNext: a live blog's "Отправлено в 9:21 ...", not "Отправлено в
// Москву 20 тонн ...".
func clockNext(s string, _, end int) bool {
	rest := strings.TrimLeft(s[end:], " ")
	i := 0
	for i < len(rest) && i < 2 && isDigit(rest[i]) {
		i++
	}
	return i > 0 && i+2 < len(rest) && rest[i] == ':' && isDigit(rest[i+1]) && isDigit(rest[i+2])
}

// typoQuestion: the typo-report widget asks ("Нашли ошибку?") or tells how
// to report ("... выделите её и нажмите Ctrl+Enter"), while "Нашли ошибку
// в расчетах аудиторы" is a sentence.
func typoQuestion(s string, at, end int) bool {
	_, to := sentenceAround(s, at, end)
	rest := s[end:min(len(s), end+200)]
	if typoWidget(rest) || strings.Contains(rest, "нажмите") || strings.Contains(rest, "Ctrl") {
		return true
	}
	q := strings.TrimSpace(s[end:to])
	return strings.HasSuffix(q, "?") && len(strings.Fields(q)) <= 3
}

// agencyCredit: "Getty Images" as a credit, alone or after a caption, a
// slash or a colon, and with no sentence going on after it, not "Getty
// Images said on Monday ..." or "acquired by Getty Images".
func agencyCredit(s string, at, end int) bool {
	from, to := sentenceAround(s, at, end)
	if lead := strings.TrimRight(s[from:at], " "); lead != "" {
		r, _ := utf8.DecodeLastRuneInString(lead)
		if !strings.ContainsRune("/|(:©,–-", r) {
			return false
		}
	}
	for _, w := range strings.Fields(s[end:to]) {
		if r, _ := utf8.DecodeRuneInString(w); unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// determiners are the words that make the next one a noun of the
// sentence: "das Bild:", "the image:".
var determiners = map[string]bool{
	"der": true, "die": true, "das": true, "den": true, "dem": true, "des": true, "ein": true, "eine": true,
	"einem": true, "einen": true, "einer": true, "eines": true, "im": true, "am": true, "zum": true,
	"vom": true, "beim": true, "kein": true, "keine": true, "dieses": true, "diese": true, "dieser": true,
	"the": true, "a": true, "an": true, "this": true, "that": true, "his": true, "her": true, "its": true,
	"their": true, "our": true, "my": true, "your": true,
}

// creditLabel: a credit or source label not used as a noun of the
// sentence ("Stimmt das Bild: Politiker packen nicht mit an?").
func creditLabel(s string, at, end int) bool {
	from, _ := sentenceAround(s, at, end)
	before := strings.Fields(s[from:at])
	return len(before) == 0 || !determiners[fieldWord(before[len(before)-1])]
}

// copyrightSign: "©" opening a copyright line or credit ("© 2018 ...",
// "© Примерна агенция", "... Copyright ©uapress"), not a sign in the
// middle of a sentence that goes on with a lower-case word ("носи знака ©
// и името на фирмата").
func copyrightSign(s string, at, end int) bool {
	from, _ := sentenceAround(s, at, end)
	if strings.TrimSpace(s[from:at]) == "" || end >= len(s) || s[end] != ' ' {
		return true
	}
	r, _ := utf8.DecodeRuneInString(strings.TrimLeft(s[end:], " "))
	return !unicode.IsLower(r)
}

// reportingVerbs start the words that attribute a quotation, after a
// comma or a dash: "..., каза министърът", "..., — призвал блогер".
var reportingVerbs = []string{
	"каза", "заяви", "написа", "призова", "добави", "сподели", "коментира", "обяви",
	"сказал", "заявил", "написал", "призвал", "добавил", "сообщил", "пишет", "говорит", "призывает",
	"сказав", "заявив", "написав", "закликав", "додав", "повідомив",
	"said", "says", "wrote", "told", "urged", "added", "tweeted", "posted",
	"sagte", "schrieb", "erklärte", "betonte", "meinte",
}

// reported reports a marker in reported speech: right after an opening
// quotation mark, inside a quotation that is then attributed ("„... Следете
// ни“, настоя министърът"), or in a sentence that a reporting verb then
// attributes ("Абонирайте се за канала ми, призова блогърът").
func reported(s string, at, end int) bool {
	if lead := strings.TrimRight(s[:at], " "); lead != "" {
		if r, _ := utf8.DecodeLastRuneInString(lead); strings.ContainsRune("\"„“«‘'", r) {
			return true
		}
	}
	if inQuotation(s[:at]) {
		if close := quotationEnd(s, end); close > 0 && attribution(s[:close], s[close:]) {
			return true
		}
	}
	_, to := sentenceAround(s, at, end)
	rest := s[end:to]
	for i := 0; i < len(rest); {
		j := strings.IndexAny(rest[i:], ",—–")
		if j < 0 {
			break
		}
		i += j
		_, n := utf8.DecodeRuneInString(rest[i:])
		i += n
		words := strings.Fields(rest[i:min(len(rest), i+80)])
		for k, w := range words {
			if k == 4 {
				break
			}
			w = fieldWord(w)
			for _, v := range reportingVerbs {
				if strings.HasPrefix(w, v) {
					return true
				}
			}
		}
	}
	return false
}

// inQuotation reports whether a quotation opened in s is still open at
// its end: "\"" opens and closes, "„" and "«" open, "”" and "»" close,
// "“" closes after "„" and opens otherwise.
func inQuotation(s string) bool {
	open, low := false, false
	for _, r := range s {
		switch r {
		case '"':
			open = !open
		case '„':
			open, low = true, true
		case '«':
			open, low = true, false
		case '”', '»':
			open = false
		case '“':
			open = !low || !open
			low = false
		}
	}
	return open
}

// quotationEnd returns the offset after the closing quotation mark that
// first follows offset from in s, or 0.
func quotationEnd(s string, from int) int {
	i := strings.IndexAny(s[from:], "\"“”»")
	if i < 0 {
		return 0
	}
	_, n := utf8.DecodeRuneInString(s[from+i:])
	return from + i + n
}

// attribution reports that a closed quotation, quote, is followed by the
// words that attribute it, after a comma or a dash, in any language and
// with any verb: a short clause that opens in lower case (the verb, or
// the article or pronoun of the speaker), of two to eight words: "“,
// настоя министърът.", "», — посоветовал блогер.", ",\" the minister
// pleaded.". A clause that ends with "!" or "?" is not an attribution but
// a call going on ("„Последвайте ни“ – и печелете награди!").
func attribution(quote, rest string) bool {
	inner := strings.TrimRight(quote, " ")
	_, n := utf8.DecodeLastRuneInString(inner)
	linked := strings.HasSuffix(strings.TrimRight(inner[:len(inner)-n], " "), ",")
	rest = strings.TrimLeft(rest, " ")
	for rest != "" {
		r, n := utf8.DecodeRuneInString(rest)
		if r != ',' && r != '—' && r != '–' && r != '-' {
			break
		}
		linked = true
		rest = strings.TrimLeft(rest[n:], " ")
	}
	if !linked {
		return false
	}
	stop := strings.IndexAny(rest, ".!?…,;:")
	clause := rest
	if stop >= 0 {
		clause = rest[:stop]
		if rest[stop] == '!' || rest[stop] == '?' {
			return false
		}
	}
	words := strings.Fields(clause)
	if len(words) < 2 || len(words) > 8 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(words[0])
	return unicode.IsLower(r)
}

// buttonRun returns where the run of share-button labels starting at at in
// sentence t ends, when article text follows it that is not another
// promotion or a tag list ("Сподели Share 0 Total Shares Честит рожден ден
// ..."); or 0: then the sentence goes whole.
func buttonRun(t string, at int) int {
	end, i := 0, at
	for i < len(t) {
		for i < len(t) && t[i] == ' ' {
			i++
		}
		j := strings.IndexByte(t[i:], ' ')
		if j < 0 {
			j = len(t)
		} else {
			j += i
		}
		if i == j {
			break
		}
		w := t[i:j]
		if isButtonWord(w) {
			end = j
		} else if !runConnectors[fieldWord(w)] {
			break
		}
		i = j
	}
	rest := strings.TrimSpace(t[end:])
	if end == 0 || rest == "" {
		return 0
	}
	if kinds, _, _, _ := markersIn(rest); kinds&kindPromo != 0 {
		return 0
	}
	r, _ := utf8.DecodeRuneInString(rest)
	first, _, _ := strings.Cut(rest, " ")
	if !unicode.IsUpper(r) || strings.Contains(first, ":") || tagLabels[fieldWord(first)] {
		return 0
	}
	return end
}

// runConnectors join button labels ("Share on Facebook", "Сподели във
// Facebook").
var runConnectors = map[string]bool{"on": true, "в": true, "във": true, "via": true, "this": true, "auf": true}

// tagLabels head a tag list that may follow the buttons.
var tagLabels = map[string]bool{"тагове": true, "етикети": true, "теги": true, "tags": true, "schlagwörter": true}
