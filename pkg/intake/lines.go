package intake

import (
	"regexp"
	"strings"
	"unicode"
)

// dropPageLines removes the lines of an extracted body that belong to the
// page around the article rather than to it (precision-oriented: each
// rule needs a short line of a recognisable kind): date and time lines,
// view counters, the byline, "read also" and "more articles from" links,
// and the author's biography at the end.
func dropPageLines(body string, authors []string) string {
	lines := strings.Split(body, "\n")
	kept := lines[:0]
	for i, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
		case isDateLine(t), isCounterLine(t), isSeeAlsoLine(t), isChromeLine(t):
			continue
		case (i < 12 || i >= len(lines)-12) && isByline(norm(t), authors):
			continue
		case i >= len(lines)-4 && isAuthorBio(t, authors):
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "\n")
}

func norm(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

var yearOrTime = regexp.MustCompile(`\b(1[89]\d\d|20\d\d)\b|\b\d{1,2}[:.h]\d\d\b`)

// dateWords are the words a dateline is made of besides numbers: months
// and weekdays (full and short) in the corpus languages, and connectors.
var dateWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro
fev abr mai ago set out dez
segunda terça quarta quinta sexta sábado domingo feira
gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre
gen giu lug ott dic lunedì martedì mercoledì giovedì venerdì sabato
enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
januar februar märz mai juni juli oktober dezember montag dienstag mittwoch donnerstag freitag samstag sonntag
января февраля марта апреля мая июня июля августа сентября октября ноября декабря
январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь
януари февруари април юни юли септември октомври ноември декември
am pm at on of de da do às as alle um uhr в г года год гг in le el den the
updated published posted last modified publicado atualizado pubblicato aggiornato veröffentlicht aktualisiert
обновлено опубликовано публикувано et est gmt utc cet cest edt est pst pdt ist
`) {
		m[w] = true
	}
	return m
}()

// isDateLine reports a short line made only of a date and time: numbers,
// month and weekday names and connectors, with a year or a time in it.
func isDateLine(t string) bool {
	if len(t) > 80 || !yearOrTime.MatchString(t) {
		return false
	}
	ws := words(t)
	if len(ws) == 0 || len(ws) > 10 {
		return false
	}
	for _, w := range ws {
		if !dateWords[w] && !isNumber(w) && !isOrdinal(w) {
			return false
		}
	}
	return true
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return w != ""
}

// isOrdinal: 1st, 2nd, 3rd, 20th, 1º.
func isOrdinal(w string) bool {
	i := 0
	for i < len(w) && w[i] >= '0' && w[i] <= '9' {
		i++
	}
	if i == 0 {
		return false
	}
	switch w[i:] {
	case "st", "nd", "rd", "th", "º", "ª", "er":
		return true
	}
	return false
}

var counterWords = map[string]bool{
	"views": true, "view": true, "reads": true, "comments": true, "comment": true, "shares": true, "likes": true,
	"letture": true, "visualizzazioni": true, "commenti": true, "visualizações": true, "comentários": true,
	"leituras": true, "reply": true, "responder": true, "rispondi": true, "ответить": true, "отговори": true, "просмотров": true, "просмотра": true, "комментариев": true, "прочитания": true, "коментара": true,
}

// isCounterLine reports a line that is only a number (a counter, a page
// number) or a number and what it counts.
func isCounterLine(t string) bool {
	if len(t) > 40 {
		return false
	}
	ws := words(t)
	if len(ws) == 0 {
		return !strings.ContainsFunc(t, unicode.IsLetter) && strings.ContainsFunc(t, unicode.IsDigit) ||
			strings.TrimFunc(t, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }) == ""
	}
	nums := 0
	for _, w := range ws {
		switch {
		case isNumber(w):
			nums++
		case !counterWords[w]:
			return false
		}
	}
	return len(ws) <= 3 && (nums > 0 || len(ws) == 1)
}

var seeAlso = regexp.MustCompile(`(?i)^[(\[]?\s*(read also|read more|see also|more articles (from|by)|more from|related( articles| stories| coverage)?:|also read|leggi anche|leia também|veja também|lesen sie auch|lire aussi|lea también|читайте также|читайте также:|прочетете още|вижте още)\b`)

// isSeeAlsoLine reports a line that points at other articles.
func isSeeAlsoLine(t string) bool {
	return len(t) < 300 && seeAlso.MatchString(t)
}

var bioVerbs = regexp.MustCompile(`(?i)\b(joined|is a|is an|has been (reporting|writing|covering)|reporter|correspondent|writes (about|for)|contributor|staff writer|editor (at|of|for))\b`)

// isAuthorBio reports a short line about one of the authors: it names
// them (or their first name) and says what they do.
func isAuthorBio(t string, authors []string) bool {
	if len(t) > 400 || len(authors) == 0 {
		return false
	}
	lt := strings.ToLower(t)
	for _, a := range authors {
		f := strings.Fields(strings.ToLower(a))
		if len(f) < 2 {
			continue
		}
		if (strings.HasPrefix(lt, strings.Join(f, " ")) || strings.HasPrefix(lt, f[0]+" ")) && bioVerbs.MatchString(t) {
			return true
		}
	}
	return false
}

var chromeLine = regexp.MustCompile(`(?i)^(advertisement|advertisment|sponsored|anzeige|werbung|реклама|publicidade|publicidad|pubblicità|publicité)$` +
	`|^(share (this|on)|sign up (for|to)|subscribe (to|now)|follow us|click here|tap here|download (our|the) app)` +
	`|^(image|images|photo|photos|foto|fotos|фото|снимка|credit|picture|pictures|source)\s*(:|/|by\b)` +
	`|^(tags|tagged|filed under|categories|category|topics|posted in|leave a (comment|reply)|deixe um comentário|lascia un commento|etiquetas|теги|тагове|метки)\s*(:|$)`)

// affiliateNote matches the disclosure of affiliate links.
var affiliateNote = regexp.MustCompile(`(?i)\b(may|might) (earn|receive|get) (a|an)? ?(small )?(affiliate )?commission\b|\baffiliate links?\b.*\b(commission|earn)`)

var agencyPhoto = regexp.MustCompile(`\((AP|AFP|Reuters|EPA|Getty Images|dpa|ANSA|TASS|БТА)( Photo)?\s*/[^)]*\)\s*$`)

// isChromeLine reports a short line of the page's furniture: an
// advertisement label, a sharing or newsletter line, an image credit, a
// caption signed by a photo agency. (Copyright lines stay: the
// benchmark's annotators keep an agency's copyright notice as part of
// the article.)
func isChromeLine(t string) bool {
	if len(t) > 300 {
		return false
	}
	return chromeLine.MatchString(t) || agencyPhoto.MatchString(t) && len(t) < 250 || affiliateNote.MatchString(t)
}
