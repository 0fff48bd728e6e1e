// Package textclean separates an article body from what is not article
// text: teaser lines pointing at other articles become related links, and
// promo lines are dropped.
package textclean

import (
	"strings"
)

// Result is a cleaned body.
type Result struct {
	// Body is the article text without the removed lines.
	Body string
	// RelatedLinks are the titles of the teaser lines, in order.
	RelatedLinks []string
	// Removed are the lines dropped or moved, verbatim, in order.
	Removed []string
}

// teaserPrefixes introduce a line that points at another article. The text
// after the prefix is the linked title.
var teaserPrefixes = []string{
	"Още:", "Прочетете още:", "Прочетете още", "Вижте още:", "Вижте още", "Виж още:",
	"Читайте также:", "Читайте также", "Читайте також:", "Читайте також",
	"Read more:", "Read more", "Related:", "See also:", "Also read:",
}

// promoMarkers mark a line as promotion when it contains them.
var promoMarkers = []string{
	"Последвайте ни", "Абонирайте се", "Подпишитесь на", "Подписывайтесь на",
	"Subscribe to our newsletter", "Follow us on",
}

// Clean removes teaser and promo lines from body.
func Clean(body string) Result {
	lines := strings.Split(body, "\n")
	kept := make([]string, 0, len(lines))
	var res Result
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if title, ok := teaser(t); ok {
			res.RelatedLinks = append(res.RelatedLinks, title)
			res.Removed = append(res.Removed, t)
			continue
		}
		if isPromo(t) {
			res.Removed = append(res.Removed, t)
			continue
		}
		kept = append(kept, line)
	}
	res.Body = strings.TrimSpace(strings.Join(kept, "\n"))
	return res
}

func teaser(line string) (string, bool) {
	for _, p := range teaserPrefixes {
		rest, ok := strings.CutPrefix(line, p)
		if !ok {
			continue
		}
		// "Още през 1998 година ..." is a sentence, not a teaser: the
		// prefix must end in a colon or be followed by one.
		if !strings.HasSuffix(p, ":") {
			r := strings.TrimSpace(rest)
			if !strings.HasPrefix(r, ":") {
				continue
			}
			rest = strings.TrimPrefix(r, ":")
		}
		rest = strings.TrimSpace(rest)
		if rest == "" {
			continue
		}
		return rest, true
	}
	return "", false
}

func isPromo(line string) bool {
	for _, m := range promoMarkers {
		if strings.Contains(line, m) {
			return true
		}
	}
	return false
}
