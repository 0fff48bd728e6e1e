// Package textclean separates an article body from what is not article
// text. Teaser lines pointing at other articles ("Още: ...", "Читайте
// также: ...", "Read more: ...") become related links; promo, subscribe
// and share text, photo credits, copyright and source footers, rating
// widgets, tag lists, calls to send tips or get the app, a site's
// description line and a headline repeated in the body (verbatim, or as
// the part of a title that also carries a time stamp, rubric or site name)
// are dropped; so is everything after a typo-report widget ("выделите
// текст и нажмите Ctrl+Enter"), which ends the article on the page. Lines
// learned as boilerplate of a source (see Learner) go too.
//
// A marker fires only where it is page furniture, not where its words are
// part of a sentence of the article: a share label in a run of button
// labels ("Сподели Приятел Tweet", not "in einem Tweet schrieb er"), a
// messenger or app in a call to action or the site's plug for its news
// ("Новости от ... в Telegram", not "Министърът написа в Telegram, че"),
// a widget label with its counter, clock or question, a credit label that
// is not a noun of the sentence, and no call to action in reported speech.
//
// Whole lines are removed where the line is boilerplate; in long lines
// (some sources put the whole article on one line) only the boilerplate
// sentence or credit is cut out. The rules know Bulgarian, Russian,
// Ukrainian, English and German, and the common forms of the other
// languages of the corpus.
package textclean

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/textseg"
)

// Result is a cleaned body.
type Result struct {
	// Body is the article text without the removed lines and fragments.
	Body string
	// RelatedLinks are the titles of the teaser lines, in order.
	RelatedLinks []string
	// Removed are the whole lines dropped or moved, trimmed, in order.
	Removed []string
	// Cut are the fragments cut out of lines that stay, in order.
	Cut []string
}

// Options tune Clean.
type Options struct {
	// Title is the article's title: a body line repeating it is dropped.
	Title string
	// Boilerplate reports lines (trimmed) learned as boilerplate of the
	// article's source; nil for none.
	Boilerplate func(line string) bool
}

// longLine is the length in bytes from which a line is treated as a
// paragraph, where only the boilerplate sentence is cut out, rather than a
// line that is dropped whole.
const longLine = 400

// Clean cleans body with the rules alone.
func Clean(body string) Result { return CleanWith(body, Options{}) }

// CleanWith cleans body.
func CleanWith(body string, opt Options) Result {
	lines := strings.Split(body, "\n")
	kept := make([]string, 0, len(lines))
	var res Result
	title := normTitle(opt.Title)
	pendingTeaser := false
	last, keptText := -1, 0
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			last = i
		}
	}
	// ended: the article ended with a typo-report widget; what follows is
	// page chrome (comment forms, legal notes, teasers, the site's slogan).
	// headline: the first line may still repeat the title.
	ended, headline, afterTitle := false, true, false
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" {
			kept = append(kept, "")
			continue
		}
		first := headline
		headline = false
		if ended {
			res.Removed = append(res.Removed, t)
			continue
		}
		if pendingTeaser {
			// The line after a lone "Прочетете още:" is the linked title.
			pendingTeaser = false
			if len(t) < 200 && !endsSentence(t) {
				res.RelatedLinks = append(res.RelatedLinks, t)
				res.Removed = append(res.Removed, t)
				continue
			}
		}
		if link, ok, alone := teaser(t); ok {
			res.Removed = append(res.Removed, t)
			if alone {
				pendingTeaser = true
			} else {
				res.RelatedLinks = append(res.RelatedLinks, link)
			}
			continue
		}
		if opt.Boilerplate != nil && opt.Boilerplate(t) {
			res.Removed = append(res.Removed, t)
			continue
		}
		if title != "" && len(t) < len(title)+64 && mayBeTitle(t, title) && (normTitle(t) == title || len(t) < len(title)+40 && strings.HasPrefix(strings.ToLower(t), title)) {
			res.Removed = append(res.Removed, t)
			continue
		}
		if first && keptText == 0 && len(t) < len(opt.Title) && titlePart(t, opt.Title) {
			res.Removed = append(res.Removed, t)
			afterTitle = true
			continue
		}
		// A headline-like line first in the body is a stray headline, but
		// not after the headline titlePart found: then it is the standfirst.
		// (After a verbatim title it is most often a caption: it goes.)
		if len(t) < longLine && boilerLine(t) || len(t) < 200 && timeStamp(t) || i != last && strayHeadline(t, lines, i, keptText == 0 && !afterTitle) {
			res.Removed = append(res.Removed, t)
			ended = keptText > 0 && typoWidget(t)
			continue
		}
		if i == last && keptText > 0 && siteTagline(t) {
			res.Removed = append(res.Removed, t)
			continue
		}
		cleaned, cut, tail := cutFragments(t)
		if len(cut) > 0 {
			res.Cut = append(res.Cut, cut...)
			// Article text comes before the widget: on earlier lines or on this one.
			ended = tail && (keptText > 0 || strings.TrimSpace(cleaned) != "") && typoWidget(cut[len(cut)-1])
			if strings.TrimSpace(cleaned) == "" {
				res.Removed = append(res.Removed, t)
				res.Cut = res.Cut[:len(res.Cut)-len(cut)]
				continue
			}
			line = cleaned
		}
		kept = append(kept, line)
		keptText++
	}
	res.Body = joinParagraphs(kept)
	return res
}

// joinParagraphs joins lines, collapsing runs of blank lines left by
// removed lines into one.
func joinParagraphs(lines []string) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			blank = b.Len() > 0
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if blank {
				b.WriteByte('\n')
			}
		}
		blank = false
		b.WriteString(strings.TrimRightFunc(l, unicode.IsSpace))
	}
	return b.String()
}

// mayBeTitle reports whether line t (trimmed) may be the title normTitle
// gave: a cheap test before normTitle(t) == title and the lower-cased t
// starting with title, which both need t's first letter in lower case to
// be title's.
func mayBeTitle(t, title string) bool {
	r, n := utf8.DecodeRuneInString(t)
	tr, tn := utf8.DecodeRuneInString(title)
	if r == utf8.RuneError && n <= 1 || tr == utf8.RuneError && tn <= 1 {
		return true // invalid UTF-8: let the full test decide
	}
	return unicode.ToLower(r) == tr
}

func normTitle(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, ".!?… ")
	if utf8.RuneCountInString(s) < 12 {
		return ""
	}
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

func endsSentence(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r == '.' || r == '!' || r == '?' || r == '…'
}

// teaserPrefixes introduce a line that points at another article; the text
// after the prefix is the linked title.
var teaserPrefixes = []string{
	"Още:", "Прочетете още", "Вижте още", "Виж още", "Вижте също", "Прочети още", "Свързани новини",
	"Читайте также", "Читайте тоже", "Смотрите также", "Подробнее читайте", "Читайте подробнее",
	"Читайте по теме", "По теме", "Читайте також", "Дивіться також", "Більше по темі",
	"Read more", "Read also", "Also read", "Related", "See also", "More on this story",
	"Lesen Sie auch", "Lesen Sie mehr", "Mehr zum Thema", "Siehe auch",
	"Czytaj także", "Czytaj też", "Zobacz też", "Čtěte také", "Přečtěte si také", "Preberite še",
	"Pročitajte još", "Pročitajte i", "Lire aussi", "À lire aussi", "Leer más", "Lee también",
}

// teaserIndex files the teaser prefixes, in order, under the case fold of
// their first letter: a line is compared only with those its first letter
// can match.
var teaserIndex = indexTeasers()

func indexTeasers() map[rune][]string {
	idx := map[rune][]string{}
	for _, p := range teaserPrefixes {
		r, _ := utf8.DecodeRuneInString(p)
		idx[foldKey(r)] = append(idx[foldKey(r)], p)
	}
	return idx
}

// foldKey returns the smallest rune of r's case-fold orbit (see
// unicode.SimpleFold): two runes strings.EqualFold takes as equal have the
// same key.
func foldKey(r rune) rune {
	k := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		k = min(k, f)
	}
	return k
}

// teaser reports whether line is a teaser and returns the linked title.
// The prefix must be followed by a colon (or a dash), so that "Още през
// 1998 година ..." stays: it is a sentence, not a teaser. alone reports a
// prefix with nothing after it, whose title is the next line.
func teaser(line string) (link string, ok, alone bool) {
	r, _ := utf8.DecodeRuneInString(line)
	for _, p := range teaserIndex[foldKey(r)] {
		if len(line) < len(p) || !strings.EqualFold(line[:len(p)], p) {
			continue
		}
		rest := strings.TrimSpace(line[len(p):])
		if strings.HasSuffix(p, ":") {
			rest = ":" + rest
		}
		switch {
		case strings.HasPrefix(rest, ":"):
			rest = strings.TrimSpace(rest[1:])
		case strings.HasPrefix(rest, "–"), strings.HasPrefix(rest, "—"):
			rest = strings.TrimSpace(rest[len("–"):])
		case strings.HasPrefix(rest, "- "):
			rest = strings.TrimSpace(rest[1:])
		case rest == "" || rest == "..." || rest == "…":
			return "", true, true
		default:
			continue
		}
		if rest == "" {
			return "", true, true
		}
		return strings.Trim(rest, " \"„“”«»"), true, false
	}
	return "", false, false
}

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

// cutFragments cuts boilerplate out of a long line: a sentence that is
// promotion or a footer, or a photo credit inside a sentence. tail reports
// that the last fragment cut ran to the end of the line.
func cutFragments(line string) (cleaned string, cut []string, tail bool) {
	if kinds, _, _, _ := markersIn(line); kinds == 0 && !strings.Contains(line, "votes") && !hasTeaser(line) {
		return line, nil, false
	}
	var b strings.Builder
	last, lastFrom := 0, 0
	promo := false
	for _, s := range textseg.Split(line) {
		frag, from, to, isPromo := sentenceBoilerplate(line, s)
		if frag == "" {
			continue
		}
		b.WriteString(line[last:from])
		last, lastFrom = to, from
		promo = isPromo
		cut = append(cut, strings.TrimSpace(frag))
	}
	if len(cut) == 0 {
		return line, nil, false
	}
	// "Follow us in our app. You can download it from" and the store
	// buttons are gone: a promotion's unfinished last words go with it.
	if rest := line[last:]; promo && danglingTail(rest) {
		cut[len(cut)-1] = strings.TrimSpace(line[lastFrom:])
		last = len(line)
	}
	b.WriteString(line[last:])
	return collapseSpace(b.String()), cut, strings.TrimSpace(line[last:]) == ""
}

// danglingTail reports the rest of a line after a promotion that is a few
// words breaking off without ending a sentence, the link or button they
// led to stripped ("Можете да го изтеглите от").
func danglingTail(rest string) bool {
	rest = strings.TrimSpace(rest)
	if rest == "" || len(rest) > 120 || endsSentence(rest) || utf8.RuneCountInString(rest) > 60 {
		return false
	}
	n := len(strings.Fields(rest))
	return n >= 2 && n <= 8
}

// collapseSpace is strings.Join(strings.Fields(s), " "), in one pass.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	field := -1 // start of the current field
	for i, r := range s {
		var space bool
		switch {
		case r < 0x80:
			space = r == ' ' || r >= '\t' && r <= '\r'
		case r >= 0x400 && r < 0x530: // Cyrillic
		default:
			space = unicode.IsSpace(r)
		}
		if space {
			if field >= 0 {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(s[field:i])
				field = -1
			}
			continue
		}
		if field < 0 {
			field = i
		}
	}
	if field >= 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[field:])
	}
	return b.String()
}

// sentenceBoilerplate returns the part of sentence s of line that is
// boilerplate and its offsets, or "", and whether it is promotion.
func sentenceBoilerplate(line string, s textseg.Sentence) (string, int, int, bool) {
	t := s.Text
	if _, ok, _ := teaser(t); ok {
		return t, s.Start, s.End, false
	}
	kinds, promo, credit, footer := markersIn(t)
	if kinds&kindPromo != 0 || startsWithMarker(t, footerMarkers, kindFooter) || startsWithMarker(t, creditMarkers, kindCredit) || rating(t) {
		if footer > 0 && kinds&kindPromo == 0 {
			return t[footer:], s.Start + footer, s.End, false
		}
		if kinds&kindPromo != 0 && (footer < 0 || footer > promo) && (credit < 0 || credit > promo) {
			// Share buttons run into the article's next sentence: only the
			// buttons go.
			if end := buttonRun(t, promo); end > 0 && (promo == 0 || missedBoundary(t, promo)) {
				return t[promo:end], s.Start + promo, s.Start + end, true
			}
			if missedBoundary(t, promo) {
				return t[promo:], s.Start + promo, s.End, true
			}
		}
		return t, s.Start, s.End, kinds&kindPromo != 0
	}
	// A credit or footer inside a sentence: the marker and the name after
	// it ("... Снимка: Ройтерс ...", "Източник: БГНЕС").
	for _, i := range []int{credit, footer} {
		if i < 0 {
			continue
		}
		end := creditEnd(t, i)
		return t[i:end], s.Start + i, s.Start + end, false
	}
	return "", 0, 0, false
}

// missedBoundary reports a promotion marker at i inside sentence t that
// starts a sentence the segmenter missed: it opens with a capital letter
// after words that end without punctuation ("... (@user) June 18, 2018
// Следете ни ..."), so the words before it are not promotion.
func missedBoundary(t string, i int) bool {
	if i <= 0 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t[i:])
	if !unicode.IsUpper(r) || isUpperText(t[i:min(len(t), i+24)]) {
		return false
	}
	before := strings.TrimRight(t[:i], " \u00a0")
	p, _ := utf8.DecodeLastRuneInString(before)
	return unicode.IsLetter(p) || unicode.IsDigit(p) || p == ')'
}

// isUpperText reports a text with no lower-case letter.
func isUpperText(s string) bool {
	return !strings.ContainsFunc(s, unicode.IsLower)
}

// creditEnd returns where the credit starting at i in t ends: after the
// marker, the capitalised names and agency words that follow, at most four
// words, and before a word that begins the next sentence.
func creditEnd(t string, i int) int {
	toks := textseg.Tokenize(t[i:])
	end := len(t)
	words := 0
	seenMarker, inDomain := false, false
	for k, tok := range toks {
		if !seenMarker {
			if tok.Text == ":" || tok.Text == "-" || tok.Text == "–" || tok.Text == "©" {
				seenMarker = true
			}
			if k >= 3 && !seenMarker {
				seenMarker = true
			}
			continue
		}
		// The dots of a web domain ("Фото: primer.com.tr") end nothing: the
		// domain is the name of the credit, which ends with it unless a
		// list goes on ("Foto: flickr.com, Agentur").
		if domainDot(toks, k) {
			inDomain = true
			continue
		}
		if inDomain {
			inDomain = false
			if k+1 < len(toks) && toks[k+1].Kind != textseg.Punct && !domainDot(toks, k+1) {
				return i + tok.End
			}
			end = i + tok.End
			continue
		}
		if tok.Kind == textseg.Punct && (tok.Text == "." || tok.Text == ";") {
			return i + tok.End
		}
		if tok.IsWord() || tok.Kind == textseg.URL {
			if words > 0 && !tok.Capitalized() && tok.Kind != textseg.URL {
				return i + toks[k-1].End
			}
			// A capitalised word followed by a lower-case one starts a
			// sentence ("Ройтерс Пакистанският съд реши").
			if words > 0 && k+1 < len(toks) && toks[k+1].IsWord() && !toks[k+1].Capitalized() {
				return i + toks[k-1].End
			}
			// So does a number-adjective right after the marker: the credit
			// is empty ("Источник: 53-летняя мать ...").
			if words == 0 && isDigit(tok.Text[0]) && strings.ContainsFunc(tok.Text, unicode.IsLetter) && k+1 < len(toks) && toks[k+1].IsWord() && !toks[k+1].Capitalized() {
				return i + toks[k-1].End
			}
			words++
			if words == 4 {
				return i + tok.End
			}
		}
		end = i + tok.End
	}
	return end
}

// domainDot reports a dot token k of toks that joins two pieces of a web
// domain: glued to a word before it and to a piece after it of ASCII
// letters, digits and hyphens that starts in lower case or with a digit
// ("primer.com.tr", "vk.me"), not a missed space between two sentences
// ("Ройтерс.Пакистанският").
func domainDot(toks []textseg.Token, k int) bool {
	if toks[k].Text != "." || k == 0 || k+1 >= len(toks) {
		return false
	}
	prev, next := toks[k-1], toks[k+1]
	if prev.End != toks[k].Start || next.Start != toks[k].End || !prev.IsWord() || !next.IsWord() {
		return false
	}
	if c := next.Text[0]; !(c >= 'a' && c <= 'z' || isDigit(c)) {
		return false
	}
	for _, c := range []byte(next.Text) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '-') {
			return false
		}
	}
	return true
}

// strayHeadline reports a headline-like line in the middle of the body,
// between two paragraphs: a teaser of another article or a caption left by
// the page ("Тръмп и Байдън отправят коренно различни послания"), or a
// line that ends in a time stamp ("... Сегодня, 17:22").
func strayHeadline(t string, lines []string, i int, first bool) bool {
	if len(t) < 200 && timeStamp(t) {
		return true
	}
	quoted := quotedHeadline(t)
	if !quoted && (endsSentence(t) || strings.ContainsAny(lastRuneString(t), ":;,\"“”»)")) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	if !quoted && !unicode.IsUpper(r) {
		return false
	}
	fields := strings.Fields(t)
	if n := len(fields); n < 4 || n > 20 {
		return false
	}
	digits := 0
	for _, f := range fields {
		if strings.ContainsAny(f, "0123456789") {
			digits++
		}
	}
	if digits*3 >= len(fields) {
		return false // a result or a table row: "Result: Nadal 6-7 (6/8) 6-2"
	}
	return (first || paragraph(neighbour(lines, i, -1))) && paragraph(neighbour(lines, i, 1))
}

// quotedHeadline reports a line in the form of a headline that opens with
// a quoted name or phrase and a colon, then one clause: "\"Северный
// поток-2\": евродепутаты призывают остановить строительство." Some sites
// end such teasers with a full stop, and strayHeadline still wants
// paragraphs around the line. The clause of a teaser is a headline of its
// own, with its own subject; a one-sentence paragraph of the article that
// opens so comments on or attributes its quotation, and says so in its
// first words ("\"...\": така министърът отговори", "«...»: об этом заявил
// министр"): that line is not a teaser.
func quotedHeadline(t string) bool {
	open, n := utf8.DecodeRuneInString(t)
	if !strings.ContainsRune("\"«„“‘", open) {
		return false
	}
	end := strings.IndexAny(t[n:], "\"»“”’")
	if end <= 0 || end > 80 {
		return false
	}
	_, m := utf8.DecodeRuneInString(t[n+end:])
	rest := t[n+end+m:]
	if !strings.HasPrefix(rest, ":") {
		return false
	}
	if first, _ := utf8.DecodeRuneInString(t[n:]); !unicode.IsUpper(first) {
		return false
	}
	// One clause: no sentence ends before the last character.
	body := strings.TrimRight(rest, ".!?… ")
	if strings.ContainsAny(body, ".!?…") || len(strings.Fields(body)) < 3 {
		return false
	}
	clause := strings.Fields(body[1:])
	for _, w := range clause[:min(2, len(clause))] {
		if backReferences[fieldWord(w)] {
			return false
		}
	}
	return true
}

// backReferences are the words by which a clause after a quotation and a
// colon points back at the quotation, in lower case: demonstratives and
// adverbs of manner ("така", "это", "such", "so"), the closed class that
// opens the attribution or comment of a quotation in each language.
var backReferences = map[string]bool{
	"така": true, "това": true, "тези": true, "този": true, "такива": true, "такъв": true, "такава": true, "такова": true, "ето": true,
	"так": true, "это": true, "этом": true, "этими": true, "такими": true, "таким": true, "такие": true, "вот": true,
	"це": true, "цим": true, "цими": true, "такі": true, "ось": true,
	"this": true, "that": true, "these": true, "those": true, "such": true, "thus": true, "so": true, // en, de
	"dies": true, "diese": true, "diesen": true, "damit": true,
}

func lastRuneString(s string) string {
	_, n := utf8.DecodeLastRuneInString(s)
	return s[len(s)-n:]
}

func neighbour(lines []string, i, dir int) string {
	for j := i + dir; j >= 0 && j < len(lines); j += dir {
		if t := strings.TrimSpace(lines[j]); t != "" {
			return t
		}
	}
	return ""
}

// paragraph reports a line of running text: long and ending a sentence.
func paragraph(t string) bool {
	return len(t) >= 150 && (endsSentence(t) || strings.HasSuffix(t, "\"") || strings.HasSuffix(t, "“") || strings.HasSuffix(t, "»"))
}

// timeStamp reports a line ending in a clock time ("Сегодня, 17:22").
func timeStamp(t string) bool {
	n := len(t)
	if n < 6 || t[n-3] != ':' || !isDigit(t[n-1]) || !isDigit(t[n-2]) || !isDigit(t[n-4]) {
		return false
	}
	return strings.Count(t, " ") >= 2
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// hasTeaser reports whether a long line holds a teaser prefix right
// before a colon ("... Читайте также: ...").
func hasTeaser(line string) bool {
	for off := 0; ; {
		j := strings.IndexByte(line[off:], ':')
		if j < 0 {
			return false
		}
		c := off + j
		before := strings.TrimRight(line[max(0, c-40):c], " ")
		for _, p := range teaserPrefixes {
			p = strings.TrimSuffix(p, ":")
			if len(before) >= len(p) && strings.EqualFold(before[len(before)-len(p):], p) {
				return true
			}
		}
		off = c + 1
	}
}

// rating matches rating widgets such as "4.8 (96%) 5 votes".
func rating(t string) bool {
	i := strings.Index(t, "votes")
	if i < 0 || !strings.Contains(t[:i], "%)") {
		return false
	}
	return true
}

// tagList matches a line of comma-separated lower-case tags: at least four
// short items and no sentence end.
func tagList(t string) bool {
	if endsSentence(t) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	if !unicode.IsLower(r) {
		return false
	}
	items := strings.Split(t, ",")
	if len(items) < 4 {
		return false
	}
	for _, it := range items {
		if n := len(strings.Fields(it)); n == 0 || n > 4 {
			return false
		}
	}
	return true
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

// titlePart reports a first line that is the headline the title holds
// among the page's extras: the title is the line with at most three more
// words of letters (a rubric, a breadcrumb, the site name) and any time
// stamps and dates ("08:56 Консулът ни ...", "Home / Світ / Америка / ...",
// "... | Dnevno.hr"). Letters and digits are compared, in lower case.
func titlePart(line, title string) bool {
	l, t := headlineWords(line), headlineWords(title)
	if len(l)*2 < len(t) {
		return false
	}
	i := strings.Index(t, l)
	if i < 0 {
		return false
	}
	extra := 0
	for _, w := range strings.Fields(t[:i] + " " + t[i+len(l):]) {
		if strings.ContainsFunc(w, unicode.IsLetter) {
			extra++
		}
	}
	return extra <= 3 && len(strings.Fields(l)) >= 4
}

// headlineWords returns the letters and digits of s in lower case, every
// other run of characters as one space.
func headlineWords(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		space = true
	}
	return b.String()
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
