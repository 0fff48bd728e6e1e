package intake

import (
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html"

	"github.com/newsflow/newsflow/pkg/article"
)

// pageSignals are what a page shows besides its metadata, read from the
// whole page before content extraction changes it.
type pageSignals struct {
	titleTag string   // <title>
	h1       []string // the text of the first few <h1>
	// pubTimes are the datetime attributes of <time> elements marked as
	// the publication time (itemprop=datePublished, pubdate, a class
	// naming "publish"), times those of the other <time> elements.
	pubTimes, times []string
	// figures are the images of <figure> elements with their caption.
	figures []figure
}

type figure struct{ src, caption string }

func textOf(n *html.Node, depth int) string {
	if depth > MaxHTMLDepth {
		return ""
	}
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c, depth+1))
		if c.Type == html.ElementNode && (c.Data == "p" || c.Data == "br" || c.Data == "div") {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// readFigure returns the image and caption of a <figure>.
func readFigure(n *html.Node) figure {
	var f figure
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > 32 {
			return
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "img":
				if f.src == "" {
					f.src = first(attr(n, "src"), attr(n, "data-src"), attr(n, "data-lazy-src"))
				}
			case "figcaption":
				if f.caption == "" {
					f.caption = oneLine(textOf(n, depth))
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return f
}

// titleSeparators split a <title> into the headline and the site's name.
var titleSeparators = regexp.MustCompile(`\s+[|\-–—:·•»«/]{1,2}\s+|\s*[|»«•·]\s*`)

// cleanTitle returns the headline of a page: the first of the metadata
// title and <title>, entities decoded, without the site's name around it.
// The site's name is what og:site_name, the publisher or the host say, or
// what is left of <title> around the headline the page shows in <h1> or
// its metadata.
func cleanTitle(metaTitle string, sig pageSignals, siteName, host string) string {
	t := decodeEntities(first(metaTitle, sig.titleTag))
	if t == "" {
		return ""
	}
	// A headline the page shows elsewhere that is a part of t is t
	// without the site's name.
	for _, h := range append([]string{decodeEntities(metaTitle)}, sig.h1...) {
		h = oneLine(decodeEntities(h))
		if h == "" || len(h) < 10 || h == t {
			continue
		}
		if rest, ok := strings.CutPrefix(t, h); ok && titleSeparators.MatchString(rest) && titleSeparators.FindStringIndex(rest)[0] == 0 {
			return h
		}
		if rest, ok := strings.CutSuffix(t, h); ok && titleSeparators.MatchString(rest) {
			if loc := titleSeparators.FindAllStringIndex(rest, -1); loc[len(loc)-1][1] == len(rest) {
				return h
			}
		}
	}
	return StripSiteName(t, siteName, host)
}

// StripSiteName removes the site's name from the start or the end of a
// title ("Okapi spotted near Burgas - Example News"): a part between
// separators (|, -, –, —, :, », ·) that is the site name or the name of
// the host (example-news.com), or one of names (suffixes learned from a
// source's other pages).
func StripSiteName(t, siteName, host string, names ...string) string {
	locs := titleSeparators.FindAllStringIndex(t, -1)
	if len(locs) == 0 {
		return t
	}
	isSite := func(part string) bool {
		p := letters(part)
		if p == "" {
			return false
		}
		if s := letters(siteName); s != "" && (p == s || strings.Contains(p, s) && len(p) < 2*len(s)) {
			return true
		}
		if h := strings.TrimSuffix(letters(strings.TrimPrefix(host, "www.")), letters(path.Ext(host))); len(p) >= 4 && len(h) >= 4 && (strings.HasPrefix(h, p) || strings.Contains(p, h) && len(p) < 2*len(h)) {
			return true
		}
		for _, n := range names {
			if letters(n) == p {
				return true
			}
		}
		return false
	}
	// The end first: "Headline | Section | Site".
	for len(locs) > 0 {
		last := locs[len(locs)-1]
		if !isSite(t[last[1]:]) {
			break
		}
		t = strings.TrimSpace(t[:last[0]])
		locs = locs[:len(locs)-1]
	}
	if len(locs) > 0 && isSite(t[:locs[0][0]]) {
		t = strings.TrimSpace(t[locs[0][1]:])
	}
	return t
}

// letters returns the lower-case letters and digits of s.
func letters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// decodeEntities trims s and decodes the HTML character references left
// in it (article.DecodeEntities).
func decodeEntities(s string) string { return article.DecodeEntities(strings.TrimSpace(s)) }

var zoneSuffix = regexp.MustCompile(`(?i)(z|[+-]\d\d:?\d\d|\b(gmt|utc))\s*$`)

// Rules PublishedAt may come from (Page.DateRule), in the order they are
// tried.
const (
	DateJSONLD   = "json-ld"  // datePublished of the article's JSON-LD
	DateMeta     = "meta"     // article:published_time and other <meta>
	DateTimeEl   = "time-pub" // a <time> marked as the publication time
	DateURL      = "url"      // the date in the URL's path
	DateTime     = "time"     // the first other <time> element
	DateLine     = "dateline" // a date line at the top of the text
	DateModified = "modified" // dateModified, article:modified_time
	// DateReadability: go-readability's guess, when no rule found one.
	DateReadability = "readability"
)

type dateCandidate struct{ value, rule string }

// publishedTime returns the publication time of a page and the rule it
// came from: the metadata's publication time, a <time> marked as such,
// the URL's date (with the time of a later candidate on that day, when
// one has it), another <time>, a dateline among the first lines of the
// body, and last the modification time. A time without an offset is in
// the publisher's time zone: the offset of the first candidate that has
// one.
func publishedTime(md metadata, pageURL string, bodyHead []string) (time.Time, string) {
	var cands []dateCandidate
	cands = append(cands, md.times...)
	for _, t := range md.sig.pubTimes {
		cands = append(cands, dateCandidate{t, DateTimeEl})
	}
	var later []dateCandidate // tried after the URL's date
	if len(md.sig.times) > 0 {
		later = append(later, dateCandidate{md.sig.times[0], DateTime})
	}
	for _, l := range bodyHead {
		if s := datelineText(l); s != "" {
			later = append(later, dateCandidate{s, DateLine})
			break
		}
	}
	later = append(later, md.modified...)

	var offset *time.Location
	for _, c := range append(append(append([]dateCandidate{}, cands...), later...), dateCandidates(md.sig.times[min(1, len(md.sig.times)):])...) {
		if v := strings.TrimSpace(c.value); zoneSuffix.MatchString(v) {
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				_, off := t.Zone()
				offset = time.FixedZone("", off)
				break
			}
		}
	}
	parse := func(s string) (time.Time, bool) {
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, false
		}
		t, err := article.ParseTime(s)
		if err != nil || !plausibleYear(t) {
			return time.Time{}, false
		}
		if offset == nil || zoneSuffix.MatchString(s) {
			return t, true
		}
		y, m, d := t.Date()
		return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), offset).UTC(), true
	}
	for _, c := range cands {
		if t, ok := parse(c.value); ok {
			return t, c.rule
		}
	}
	if day, ok := urlDate(pageURL); ok {
		// A later candidate on the URL's day (in its own zone) gives the
		// time of day.
		for _, c := range later {
			if t, ok := parse(c.value); ok {
				local := t
				if offset != nil {
					local = t.In(offset)
				}
				if y, m, d := local.Date(); y == day.Year() && m == day.Month() && d == day.Day() {
					return t, DateURL
				}
			}
		}
		if offset != nil {
			return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, offset).UTC(), DateURL
		}
		return day, DateURL
	}
	for _, c := range later {
		if t, ok := parse(c.value); ok {
			return t, c.rule
		}
	}
	return time.Time{}, ""
}

func dateCandidates(vs []string) []dateCandidate {
	out := make([]dateCandidate, len(vs))
	for i, v := range vs {
		out[i] = dateCandidate{v, DateTime}
	}
	return out
}

// plausibleYear: a placeholder time (0001-01-01) is no publication time.
func plausibleYear(t time.Time) bool { return t.Year() > 1900 && t.Year() <= 2200 }

var urlDatePattern = regexp.MustCompile(`/((?:19|20)\d\d)[/-]([01]?\d)[/-]([0-3]?\d)(?:/|-|\.|$)|/((?:19|20)\d\d)([01]\d)([0-3]\d)/`)

// urlDate reads a date from a URL's path: /2019/11/19/, /2019-11-19-, /20191119/.
func urlDate(raw string) (time.Time, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return time.Time{}, false
	}
	m := urlDatePattern.FindStringSubmatch(u.Path)
	if m == nil {
		return time.Time{}, false
	}
	y, mo, d := m[1], m[2], m[3]
	if y == "" {
		y, mo, d = m[4], m[5], m[6]
	}
	if len(mo) == 1 {
		mo = "0" + mo
	}
	if len(d) == 1 {
		d = "0" + d
	}
	t, err := time.Parse("2006-01-02", y+"-"+mo+"-"+d)
	return t, err == nil
}

var dayTimeNoise = regexp.MustCompile(`(?i)^(updated|published|posted|publicado|pubblicato|опубликовано|публикувано|veröffentlicht)[:\s]+|\s+at\s+|\s+às\s+|,?\s+\d{1,2}:\d\d\s*(am|pm)?\s*$`)

// datelineText returns the date of a dateline ("November 19, 2019 at
// 9:45 am") in a form ParseTime reads, or "".
func datelineText(l string) string {
	l = strings.TrimSpace(l)
	if !isDateLine(l) {
		return ""
	}
	if _, err := article.ParseTime(l); err == nil {
		return l
	}
	s := strings.TrimSpace(dayTimeNoise.ReplaceAllString(l, " "))
	return s
}

// jobWords mark the part of a byline that is a job title, an agency
// role or a place rather than a name.
var jobWords = regexp.MustCompile(`(?i)\b(reporter|editor|correspondent|writer|columnist|contributor|journalist|producer|photographer|senior|chief|analyst|director|manager|staff|intern|freelance|redakt\w*|repórter|redator|giornalista|корреспондент|журналист|редактор)\b`)

var bylineCut = regexp.MustCompile(`(?i)\s*(\||•|\bpublished\b|\bupdated\b|\bposted\b|\bfollow\b|\bcommented\b|\bpubblicato\b|\bpublicado\b).*$`)

var bylinePrefix = regexp.MustCompile(`(?i)^(by|por|di|da|von|par|от|автор[:]?|текст[:]?|text[:]?|written by|story by|words by)\s+`)

var emailOrHandle = regexp.MustCompile(`\S+@\S+|@\w+`)

// CleanAuthors turns what a page or a feed says about its authors into
// names: "By" and its kin dropped, what follows "Published", "Updated" or a
// '|' cut, emails and handles removed, "A and B" split, job titles, places
// and dates after a comma dropped ("Kevin Johnson, USA TODAY" keeps
// "Kevin Johnson"), duplicates removed.
func CleanAuthors(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range in {
		a = decodeEntities(oneLine(a))
		a = bylineCut.ReplaceAllString(a, "")
		a = emailOrHandle.ReplaceAllString(a, "")
		a = bylinePrefix.ReplaceAllString(strings.TrimSpace(a), "")
		for _, part := range splitNames(a) {
			if !seen[strings.ToLower(part)] {
				seen[strings.ToLower(part)] = true
				out = append(out, part)
			}
		}
	}
	return out
}

var nameSplit = regexp.MustCompile(`(?i)\s+(and|&|und|и|e|y)\s+|\s*;\s*`)

func splitNames(s string) []string {
	var out []string
	for _, group := range nameSplit.Split(s, -1) {
		parts := strings.Split(group, ",")
		for i, p := range parts {
			p = strings.Trim(strings.TrimSpace(p), ".-–—:|")
			p = bylinePrefix.ReplaceAllString(p, "")
			switch {
			case p == "", len(p) > 80, len(strings.Fields(p)) > 5:
			case strings.ContainsFunc(p, unicode.IsDigit), isDateLine(p):
			case jobWords.MatchString(p) && i > 0:
			case i > 0 && !looksLikeName(p):
				// After a comma: a place, an outlet, a role.
			default:
				out = append(out, p)
			}
		}
	}
	return out
}

// looksLikeName: two to four words, each starting with a capital letter.
func looksLikeName(p string) bool {
	f := strings.Fields(p)
	if len(f) < 2 || len(f) > 4 {
		return false
	}
	for _, w := range f {
		r := []rune(w)
		if !unicode.IsUpper(r[0]) {
			return false
		}
		if len(r) > 3 && strings.ToUpper(w) == w {
			return false // an outlet in capitals: USA TODAY
		}
	}
	return true
}

// leadImage returns the page's lead image and its caption: JSON-LD image
// (with its caption), og:image, twitter:image, else the first figure; the
// caption of a figure showing the same image when the metadata has none.
func leadImage(ldImage any, meta map[string]string, sig pageSignals, base *url.URL) (img, caption string) {
	img, caption = ldImageOf(ldImage)
	if img == "" {
		img = first(meta["og:image"], meta["og:image:url"], meta["og:image:secure_url"], meta["twitter:image"], meta["twitter:image:src"])
	}
	if img == "" && len(sig.figures) > 0 {
		img, caption = sig.figures[0].src, sig.figures[0].caption
	}
	if img == "" {
		return "", ""
	}
	img = resolve(base, img)
	if caption == "" {
		key := imageKey(img)
		for _, f := range sig.figures {
			if f.caption != "" && key != "" && imageKey(resolve(base, f.src)) == key {
				caption = f.caption
				break
			}
		}
	}
	return img, decodeEntities(caption)
}

var sizeSuffix = regexp.MustCompile(`[-_]\d{2,5}x\d{2,5}$|[-_](scaled|large|medium|small|thumb|thumbnail)$`)

// imageKey is an image's file name without extension and size suffix:
// the same picture in two renditions has one key.
func imageKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	b := path.Base(u.Path)
	b = strings.TrimSuffix(b, path.Ext(b))
	b = sizeSuffix.ReplaceAllString(b, "")
	if len(b) < 4 {
		return ""
	}
	return strings.ToLower(b)
}

func ldImageOf(v any) (string, string) {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t), ""
	case []any:
		if len(t) > 0 {
			return ldImageOf(t[0])
		}
	case map[string]any:
		return first(ldString(t["url"]), ldString(t["contentUrl"]), ldString(t["@id"])), first(ldString(t["caption"]), ldString(t["description"]))
	}
	return "", ""
}
