package intake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsflow/newsflow/pkg/article"
)

// ErrNoContent is wrapped when a page has no article text.
var ErrNoContent = errors.New("no article text found")

// ErrTooDeep is wrapped when a page nests elements deeper than
// MaxHTMLDepth or holds more than MaxHTMLElements elements.
var ErrTooDeep = errors.New("html nested too deeply")

// Bounds that keep extraction of hostile pages linear and small.
const (
	// MaxHTMLDepth bounds element nesting. The corpus pages nest at most
	// 31 deep; readability's cost grows with elements times depth.
	MaxHTMLDepth = 256
	// MaxHTMLElements bounds the number of elements readability scores
	// (the corpus pages have at most 1,584).
	MaxHTMLElements = 20_000
)

// Page is what ExtractHTML finds in a page.
type Page struct {
	// Body is the main content as text, paragraphs separated by a blank line.
	Body        string
	Title       string
	Authors     []string
	PublishedAt time.Time
	// URL is the canonical URL (<link rel=canonical>, og:url, JSON-LD url),
	// absolute.
	URL string
	// Lang is the primary language subtag (<html lang>, og:locale,
	// JSON-LD inLanguage, Content-Language).
	Lang     string
	Tags     []string
	SiteName string
	// Image is the lead image's absolute URL, ImageCaption its caption.
	Image, ImageCaption string
	// DateRule names the rule PublishedAt came from (DateJSONLD, ...),
	// "" when there is none.
	DateRule string
}

// ExtractHTML finds the main content and the metadata of an HTML page given
// as UTF-8 text. pageURL (may be empty) resolves relative links. The
// content comes from go-readability; title, authors, published time,
// canonical URL, language and tags from JSON-LD (NewsArticle and its kin),
// OpenGraph and <meta>, falling back on readability's guesses.
func ExtractHTML(page string, pageURL string) (Page, error) {
	// What never becomes text goes before a tree is built (a page that
	// came through Decode was stripped already: this is then cheap).
	b, err := StripHTML(strings.NewReader(page), int64(len(page)))
	if err != nil {
		return Page{}, err
	}
	page = string(b)
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return Page{}, fmt.Errorf("parse html: %w", err)
	}
	var base *url.URL
	if pageURL != "" {
		if u, err := url.Parse(pageURL); err == nil && u.IsAbs() {
			base = u
		}
	}
	md := readMetadata(doc)
	if base == nil {
		for _, c := range md.urls {
			if u, err := url.Parse(c); err == nil && u.IsAbs() {
				base = u
				break
			}
		}
	}
	// The second opinion reads the page as it is (it works on copies),
	// before the cleanup below changes it for readability.
	second := ""
	if md.elements <= voteMaxElements && len(page) <= voteMaxBytes {
		second = secondOpinion(doc, base)
	}
	removeChromeBlocks(doc)
	p := readability.NewParser()
	p.MaxElemsToParse = MaxHTMLElements
	art, err := p.ParseAndMutate(doc, base)
	if err != nil {
		return Page{}, fmt.Errorf("extract main content: %w", err)
	}
	var out Page
	if art.Node != nil {
		pruneChrome(art.Node)
		out.Body = dropBareURLs(render.InnerText(art.Node))
	}
	if strings.TrimSpace(out.Body) == "" {
		return Page{}, fmt.Errorf("%w in the html", ErrNoContent)
	}
	out.SiteName = first(md.siteName, art.SiteName())
	host := ""
	if base != nil {
		host = base.Hostname()
	}
	if md.title == "" && md.sig.titleTag == "" {
		md.sig.titleTag = art.Title()
	}
	out.Title = cleanTitle(md.title, md.sig, out.SiteName, host)
	out.Authors = md.authors
	if len(out.Authors) == 0 && strings.TrimSpace(art.Byline()) != "" {
		out.Authors = []string{strings.TrimSpace(art.Byline())}
	}
	out.Authors = CleanAuthors(out.Authors)
	head := strings.SplitN(out.Body, "\n", 12)
	out.Body = dropPageLines(trimLead(out.Body, out.Title, out.Authors), out.Authors)
	out.Body = voteParagraphs(out.Body, second)
	if strings.TrimSpace(out.Body) == "" {
		return Page{}, fmt.Errorf("%w in the html once dates, counters and bylines are left out", ErrNoContent)
	}
	pageURL = ""
	if base != nil {
		pageURL = base.String()
	}
	out.PublishedAt, out.DateRule = publishedTime(md, pageURL, head)
	if out.PublishedAt.IsZero() {
		if t, err := art.PublishedTime(); err == nil && plausibleYear(t) {
			out.PublishedAt, out.DateRule = t.UTC(), DateReadability
		}
	}
	out.Image, out.ImageCaption = leadImage(md.ldImage, md.meta, md.sig, base)
	for _, c := range md.urls {
		if out.URL = resolve(base, c); out.URL != "" {
			break
		}
	}
	out.Lang = article.LangTag(first(md.lang, art.Language()))
	out.Tags = md.tags
	return out, nil
}

func first(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func resolve(base *url.URL, ref string) string {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if !u.IsAbs() {
		return ""
	}
	return u.String()
}

// voidOrOptionalEnd are elements that do not nest in practice: void
// elements and those whose end tag may be left out.
var voidOrOptionalEnd = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true,
	atom.Hr: true, atom.Img: true, atom.Input: true, atom.Link: true, atom.Meta: true,
	atom.Source: true, atom.Track: true, atom.Wbr: true, atom.P: true, atom.Li: true,
	atom.Dt: true, atom.Dd: true, atom.Tr: true, atom.Td: true, atom.Th: true,
	atom.Option: true, atom.Optgroup: true, atom.Rb: true, atom.Rt: true, atom.Rp: true,
	atom.Html: true, atom.Head: true, atom.Body: true, atom.Colgroup: true,
	atom.Thead: true, atom.Tbody: true, atom.Tfoot: true,
}

// checkNesting scans the tokens of page and fails when elements nest deeper
// than max, before a tree is built: the HTML tree builder and readability
// recurse and rescan per level, so a page of a million unclosed <div>s
// would cost quadratic time and a deep stack.
func checkNesting(page string, max int) error {
	z := html.NewTokenizer(strings.NewReader(page))
	depth := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return nil
			}
			return fmt.Errorf("tokenize html: %w", z.Err())
		case html.StartTagToken:
			name, _ := z.TagName()
			if voidOrOptionalEnd[atom.Lookup(name)] {
				continue
			}
			depth++
			if depth > max {
				return fmt.Errorf("%w: more than %d open elements", ErrTooDeep, max)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if !voidOrOptionalEnd[atom.Lookup(name)] && depth > 0 {
				depth--
			}
		}
	}
}

type metadata struct {
	title, lang, siteName string
	urls                  []string // canonical URL candidates, best first
	authors, tags         []string
	// times are the publication time candidates of the metadata, best
	// first; modified the modification times (a last resort).
	times, modified []dateCandidate
	sig             pageSignals
	elements        int // element nodes in the page
	ldImage         any
	meta            map[string]string
}

// readMetadata collects what a page says about itself. JSON-LD of a news
// article type comes first, then OpenGraph and article:*, then <meta name>.
func readMetadata(doc *html.Node) metadata {
	var md metadata
	meta := map[string]string{}
	var metaTags []string
	var canonical, htmlLang string
	var ld []map[string]any
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > MaxHTMLDepth {
			return
		}
		if n.Type == html.ElementNode {
			md.elements++
			switch n.DataAtom {
			case atom.Title:
				if md.sig.titleTag == "" {
					md.sig.titleTag = oneLine(textOf(n, depth))
				}
			case atom.H1:
				if len(md.sig.h1) < 3 {
					md.sig.h1 = append(md.sig.h1, oneLine(textOf(n, depth)))
				}
			case atom.Time:
				if dt := strings.TrimSpace(attr(n, "datetime")); dt != "" && len(md.sig.times)+len(md.sig.pubTimes) < 20 {
					if strings.EqualFold(attr(n, "itemprop"), "datePublished") || hasAttr(n, "pubdate") || strings.Contains(strings.ToLower(attr(n, "class")), "publish") {
						md.sig.pubTimes = append(md.sig.pubTimes, dt)
					} else {
						md.sig.times = append(md.sig.times, dt)
					}
				}
			case atom.Figure:
				if len(md.sig.figures) < 20 {
					if f := readFigure(n); f.src != "" {
						md.sig.figures = append(md.sig.figures, f)
					}
				}
			case atom.Html:
				htmlLang = attr(n, "lang")
				if htmlLang == "" {
					htmlLang = attr(n, "xml:lang")
				}
			case atom.Meta:
				key := strings.ToLower(first(attr(n, "property"), attr(n, "name"), attr(n, "itemprop"), attr(n, "http-equiv")))
				val := strings.TrimSpace(attr(n, "content"))
				if key != "" && val != "" {
					if key == "article:tag" {
						metaTags = append(metaTags, val)
					}
					if _, ok := meta[key]; !ok {
						meta[key] = val
					}
				}
			case atom.Link:
				if strings.EqualFold(attr(n, "rel"), "canonical") && canonical == "" {
					canonical = attr(n, "href")
				}
			case atom.Script:
				if strings.EqualFold(strings.TrimSpace(attr(n, "type")), "application/ld+json") && n.FirstChild != nil {
					ld = append(ld, parseJSONLD(n.FirstChild.Data)...)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)

	news := pickNewsObject(ld)
	md.title = first(ldString(news["headline"]), ldString(news["name"]), meta["og:title"], meta["twitter:title"])
	md.authors = ldNames(news["author"])
	if len(md.authors) == 0 {
		for _, k := range []string{"author", "article:author", "byl", "dc.creator", "sailthru.author", "parsely-author"} {
			if v := meta[k]; v != "" && !strings.Contains(v, "://") {
				md.authors = []string{strings.TrimPrefix(strings.TrimPrefix(v, "By "), "by ")}
				break
			}
		}
	}
	if v := ldString(news["datePublished"]); v != "" {
		md.times = append(md.times, dateCandidate{v, DateJSONLD})
	}
	for _, v := range []string{meta["article:published_time"], meta["og:published_time"],
		meta["datepublished"], meta["pubdate"], meta["publishdate"], meta["date"], meta["dc.date.issued"],
		meta["dc.date"], meta["sailthru.date"], meta["parsely-pub-date"]} {
		if v != "" {
			md.times = append(md.times, dateCandidate{v, DateMeta})
		}
	}
	for _, v := range []string{ldString(news["dateModified"]), meta["article:modified_time"], meta["og:updated_time"]} {
		if v != "" {
			md.modified = append(md.modified, dateCandidate{v, DateModified})
		}
	}
	md.ldImage = news["image"]
	md.meta = meta
	for _, c := range []string{canonical, meta["og:url"], ldURL(news["url"]), ldURL(news["mainEntityOfPage"])} {
		if c = strings.TrimSpace(c); c != "" {
			md.urls = append(md.urls, c)
		}
	}
	md.lang = first(htmlLang, meta["content-language"], meta["og:locale"], meta["language"], ldString(news["inLanguage"]))
	md.siteName = first(append([]string{meta["og:site_name"]}, ldNames(news["publisher"])...)...)
	md.tags = metaTags
	if len(md.tags) == 0 {
		md.tags = ldKeywords(news["keywords"])
	}
	return md
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// parseJSONLD returns the objects of one JSON-LD script: a single object,
// an array of them, or the members of an @graph.
func parseJSONLD(s string) []map[string]any {
	var v any
	if err := json.Unmarshal([]byte(strings.TrimSpace(s)), &v); err != nil {
		return nil
	}
	var out []map[string]any
	var add func(v any, depth int)
	add = func(v any, depth int) {
		if depth > 4 {
			return
		}
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				add(e, depth+1)
			}
		case map[string]any:
			out = append(out, t)
			if g, ok := t["@graph"]; ok {
				add(g, depth+1)
			}
		}
	}
	add(v, 0)
	return out
}

var newsTypes = map[string]int{
	"NewsArticle": 3, "ReportageNewsArticle": 3, "AnalysisNewsArticle": 3, "OpinionNewsArticle": 3,
	"BackgroundNewsArticle": 3, "ReviewNewsArticle": 3, "LiveBlogPosting": 2,
	"Article": 2, "BlogPosting": 2, "Report": 1, "ScholarlyArticle": 1, "TechArticle": 1,
}

// pickNewsObject returns the JSON-LD object of the most specific article
// type, or nil.
func pickNewsObject(objs []map[string]any) map[string]any {
	var best map[string]any
	bestRank := 0
	for _, o := range objs {
		rank := 0
		switch t := o["@type"].(type) {
		case string:
			rank = newsTypes[t]
		case []any:
			for _, e := range t {
				if s, ok := e.(string); ok && newsTypes[s] > rank {
					rank = newsTypes[s]
				}
			}
		}
		if rank > bestRank {
			best, bestRank = o, rank
		}
	}
	return best
}

func ldString(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case []any:
		if len(t) > 0 {
			return ldString(t[0])
		}
	case map[string]any:
		return first(ldString(t["@value"]), ldString(t["name"]))
	}
	return ""
}

func ldURL(v any) string {
	switch t := v.(type) {
	case string:
		if strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") {
			return t
		}
	case map[string]any:
		return first(ldURL(t["@id"]), ldURL(t["url"]))
	case []any:
		if len(t) > 0 {
			return ldURL(t[0])
		}
	}
	return ""
}

// ldNames reads a Person or Organization, a list of them, or plain names.
func ldNames(v any) []string {
	var out []string
	switch t := v.(type) {
	case string:
		if s := strings.TrimSpace(t); s != "" && !strings.Contains(s, "://") {
			out = append(out, s)
		}
	case map[string]any:
		if s := ldString(t["name"]); s != "" {
			out = append(out, s)
		}
	case []any:
		for i, e := range t {
			if i >= 20 {
				break
			}
			out = append(out, ldNames(e)...)
		}
	}
	return out
}

func ldKeywords(v any) []string {
	var out []string
	switch t := v.(type) {
	case string:
		for _, k := range strings.Split(t, ",") {
			if k = strings.TrimSpace(k); k != "" {
				out = append(out, k)
			}
		}
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
	}
	if len(out) > 50 {
		out = out[:50]
	}
	return out
}

// htmlFragmentText renders an HTML fragment (a feed item's content) as
// text, paragraphs separated by blank lines, without content extraction.
func htmlFragmentText(s string) (string, error) {
	if err := checkNesting(s, MaxHTMLDepth); err != nil {
		return "", err
	}
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return "", fmt.Errorf("parse html fragment: %w", err)
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return render.InnerText(root), nil
}

// trimLead drops the headline and the byline that content extraction often
// keeps at the top of the body: among the first few paragraphs, one equal
// to the title, and a short one made of the authors' names.
func trimLead(body, title string, authors []string) string {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	nt := norm(title)
	paras := strings.Split(body, "\n")
	drop := 0
	for i := 0; i < len(paras) && i < 6; i++ {
		p := norm(paras[i])
		switch {
		case p == "":
		case nt != "" && p == nt:
		case isByline(p, authors):
		default:
			i = len(paras) // stop at the first real paragraph
			continue
		}
		drop = i + 1
	}
	if drop == 0 || drop >= len(paras) {
		return body
	}
	return strings.Join(paras[drop:], "\n")
}

func isByline(p string, authors []string) bool {
	if len(authors) == 0 || len(p) > 40+40*len(authors) {
		return false
	}
	rest := p
	for _, a := range authors {
		a = strings.ToLower(strings.Join(strings.Fields(a), " "))
		if a == "" || !strings.Contains(rest, a) {
			return false
		}
		rest = strings.Replace(rest, a, "", 1)
	}
	// What is left may only be "by", "and", "von", "от", punctuation.
	for _, w := range strings.FieldsFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) }) {
		switch w {
		case "by", "and", "von", "und", "от", "и", "автор", "author", "text", "текст", "written":
		default:
			return false
		}
	}
	return true
}

// pruneChrome removes what readability keeps of a page's chrome inside the
// content: navigation, forms and buttons, and lists or blocks that are
// mostly link text (menus, "more stories").
func pruneChrome(root *html.Node) {
	var remove []*html.Node
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > MaxHTMLDepth {
			return
		}
		if n.Type == html.ElementNode && n != root {
			switch n.DataAtom {
			case atom.Nav, atom.Form, atom.Button, atom.Select, atom.Menu, atom.Figure, atom.Figcaption:
				remove = append(remove, n)
				return
			case atom.Ul, atom.Ol, atom.Div, atom.Section, atom.Aside, atom.Header, atom.Footer, atom.Table:
				if text, links := textAndLinkLen(n, 0); text > 0 && float64(links) >= 0.6*float64(text) {
					remove = append(remove, n)
					return
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	for _, n := range remove {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
}

// chromeClass matches the class or id of short blocks that are about the
// article, not of it: image captions and credits, sharing and newsletter
// boxes, author biographies.
var chromeClass = regexp.MustCompile(`(?i)(^|[\s_-])(wp-caption-text|caption|credits?|photo-credit|image-credit|share|sharing|social|newsletter|author-bio|about-author|comment-policy|related|recommended|promo|outbrain|taboola|subscribe|advert|advertisement|ad-container)($|[\s_-])`)

// removeChromeBlocks removes the short blocks isChromeClass names from a
// whole page, before content extraction strips the classes.
func removeChromeBlocks(doc *html.Node) {
	var remove []*html.Node
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > MaxHTMLDepth {
			return
		}
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Div, atom.P, atom.Span, atom.Aside, atom.Section, atom.Figcaption:
				if isChromeClass(n) {
					if text, _ := textAndLinkLen(n, 0); text < 500 {
						remove = append(remove, n)
						return
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)
	for _, n := range remove {
		n.Parent.RemoveChild(n)
	}
}

func isChromeClass(n *html.Node) bool {
	return chromeClass.MatchString(attr(n, "class")) || chromeClass.MatchString(attr(n, "id"))
}

// textAndLinkLen returns the length of the visible text under n and the
// part of it inside links.
func textAndLinkLen(n *html.Node, depth int) (text, links int) {
	if depth > MaxHTMLDepth {
		return 0, 0
	}
	switch {
	case n.Type == html.TextNode:
		return len(strings.TrimSpace(n.Data)), 0
	case n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style):
		return 0, 0
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		t, l := textAndLinkLen(c, depth+1)
		text += t
		links += l
	}
	if n.Type == html.ElementNode && n.DataAtom == atom.A {
		links = text
	}
	return text, links
}

// dropBareURLs removes lines that are nothing but a URL, and repeats of a
// paragraph already seen (gallery captions, pull quotes).
func dropBareURLs(body string) string {
	lines := strings.Split(body, "\n")
	kept := lines[:0]
	seen := make(map[string]bool, len(lines))
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if (strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://")) && !strings.ContainsAny(t, " \t") {
			continue
		}
		if len(t) >= 40 {
			if seen[t] {
				continue
			}
			seen[t] = true
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "\n")
}
