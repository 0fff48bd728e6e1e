package intake

import (
	"net/url"
	"strings"

	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
)

// Main content is extracted twice: by go-readability with the cleanup of
// this package, and by go-trafilatura (a port of trafilatura, whose
// heuristics differ: it walks the page's text blocks rather than scoring
// containers). Readability keeps more (recall 1.00 on the corpus pages,
// precision 0.94-0.98), trafilatura less. When trafilatura's text lies
// almost whole inside ours, both found the same article, and a paragraph
// of ours it left out is most often the page's furniture around the
// article (a standfirst repeated in other words, "make this my home
// page" instructions, a teaser): voteParagraphs drops those. When it
// found text we did not, or much less text, the two disagree on where the
// article is, and ours is kept whole.

// Thresholds of the vote (chosen on the tuning fold of the corpus pages).
const (
	// voteMinAgreement is the share of the word pairs of trafilatura's
	// text that must be in ours for its omissions to count.
	voteMinAgreement = 0.99
	// voteMinShare is the least size of trafilatura's text, in words, as
	// a share of ours.
	voteMinShare = 0.5
	// voteParagraphCover is the share of a paragraph's word pairs that
	// trafilatura's text must hold for the paragraph to be kept.
	voteParagraphCover = 0.7
	// voteMaxElements bounds the pages go-trafilatura reads: its cost
	// grows faster than the page (1,000 paragraphs 0.2 s, 4,000 1.3 s,
	// 19,000 20 s here), and the corpus pages have at most 1,584
	// elements. A larger page keeps readability's text alone.
	voteMaxElements = 3000
	// voteMaxBytes bounds them by size too: one paragraph of 1.5 MB
	// cost 279 MiB of allocations there. The corpus pages are at most
	// 164 KB once stripped of scripts and styles.
	voteMaxBytes = 512 << 10
)

// secondOpinion returns go-trafilatura's main content of doc as text,
// or "" when it finds none (or fails). doc is not changed.
func secondOpinion(doc *html.Node, base *url.URL) (text string) {
	defer func() {
		if recover() != nil { // a bug there must not lose the article
			text = ""
		}
	}()
	res, err := trafilatura.ExtractDocument(doc, trafilatura.Options{
		OriginalURL:     base,
		ExcludeComments: true,
		HtmlDateMode:    trafilatura.Disabled,
		MaxTreeSize:     MaxHTMLElements,
	})
	if err != nil || res == nil {
		return ""
	}
	return res.ContentText
}

// voteParagraphs drops the paragraphs of body that second (another
// extractor's text of the same page) leaves out, when second lies almost
// whole inside body; otherwise it returns body unchanged.
func voteParagraphs(body, second string) string {
	sw, bw := words(second), words(body)
	if len(sw) < 2 || float64(len(sw)) < voteMinShare*float64(len(bw)) {
		return body
	}
	if pairCover(sw, wordPairs(bw)) < voteMinAgreement {
		return body
	}
	other := wordPairs(sw)
	lines := strings.Split(body, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if ws := words(l); len(ws) > 0 && pairCover(ws, other) < voteParagraphCover {
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "\n")
}

// wordPairs is the set of the consecutive word pairs of ws, and of its
// words alone.
func wordPairs(ws []string) map[string]bool {
	m := make(map[string]bool, 2*len(ws))
	for i, w := range ws {
		m[w] = true
		if i+1 < len(ws) {
			m[w+" "+ws[i+1]] = true
		}
	}
	return m
}

// pairCover is the share of the consecutive word pairs of ws found in
// pairs (a wordPairs set); a single word counts as a pair.
func pairCover(ws []string, pairs map[string]bool) float64 {
	if len(ws) == 1 {
		if pairs[ws[0]] {
			return 1
		}
		return 0
	}
	hit := 0
	for i := 0; i+1 < len(ws); i++ {
		if pairs[ws[i]+" "+ws[i+1]] {
			hit++
		}
	}
	return float64(hit) / float64(len(ws)-1)
}
