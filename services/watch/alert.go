package watch

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// Alert is the message on alerts.<watch> and the body of a webhook POST.
type Alert struct {
	Watch     string `json:"watch"`
	ArticleID string `json:"article_id"`
	// Revision is the article's revision (its raw stream sequence).
	Revision    uint64     `json:"revision,omitempty"`
	Title       string     `json:"title"`
	URL         string     `json:"url,omitempty"`
	Lang        string     `json:"lang"`
	Source      string     `json:"source"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	// Entities are the article's entities the query matched: by name,
	// by id, or through a word of the query.
	Entities []AlertEntity `json:"entities"`
	// Snippet is HTML: the text escaped, the query's words in <mark>.
	Snippet   string    `json:"snippet"`
	Query     string    `json:"query"`
	IndexedAt time.Time `json:"indexed_at"`
	MatchedAt time.Time `json:"matched_at"`
}

// AlertEntity is an entity of the article in an alert.
type AlertEntity struct {
	Text string `json:"text"`
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
}

// ID is the alert's identity, the Nats-Msg-Id of its message and the
// Newsflow-Delivery header of its webhook POST: the watch, the article and
// its revision.
func (a *Alert) ID() string {
	return a.Watch + ":" + a.ArticleID + ":" + uitoa(a.Revision)
}

func uitoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// NewAlert builds the alert of m for the article of d.
func NewAlert(an *analysis.Set, d *search.Doc, m Matched, indexedAt, now time.Time) *Alert {
	return newAlert(newArticleEntities(an, d), d, m, indexedAt, now)
}

// articleEntities are an article's entities with the terms of their
// names, analysed once for all the article's alerts.
type articleEntities struct {
	ents  []article.Entity
	terms [][]string // of each entity's name
}

func newArticleEntities(an *analysis.Set, d *search.Doc) *articleEntities {
	a := d.Article
	an0 := an.For(a.Lang)
	out := &articleEntities{ents: a.Entities, terms: make([][]string, len(a.Entities))}
	byText := map[string][]string{}
	for i, e := range a.Entities {
		ts, ok := byText[e.Text]
		if !ok {
			an0.Tokens(e.Text, func(t analysis.Token) { ts = append(ts, t.Term) })
			byText[e.Text] = ts
		}
		out.terms[i] = ts
	}
	return out
}

func newAlert(ae *articleEntities, d *search.Doc, m Matched, indexedAt, now time.Time) *Alert {
	a := d.Article
	hl := m.Query.Highlights()
	al := &Alert{
		Watch: m.Watch.Name, ArticleID: a.ID, Revision: a.Revision, Title: a.Title, URL: a.URL,
		Lang: a.Lang, Source: a.Source, Snippet: d.Snippet(hl),
		Query: m.Watch.Query, IndexedAt: indexedAt, MatchedAt: now, Entities: []AlertEntity{},
	}
	if !a.PublishedAt.IsZero() {
		t := a.PublishedAt
		al.PublishedAt = &t
	}
	ids, names := map[string]bool{}, map[string]bool{}
	for _, id := range m.Watch.EntityIDs {
		ids[id] = true
	}
	for _, n := range m.Watch.Entities {
		names[n] = true
	}
	collectKeywords(m.Query.Node(), ids)
	seen := map[string]bool{}
	for i, e := range ae.ents {
		if seen[e.Text] {
			continue
		}
		hit := ids[e.ID] && e.ID != "" || names[e.Text]
		if !hit && !hl.Empty() {
			for _, t := range ae.terms[i] {
				if hl.Match(t) {
					hit = true
					break
				}
			}
		}
		if hit {
			seen[e.Text] = true
			al.Entities = append(al.Entities, AlertEntity{Text: e.Text, Type: e.Type, ID: e.ID})
		}
	}
	return al
}

// collectKeywords adds the entity ids the query names (entity_id:).
func collectKeywords(n search.Node, ids map[string]bool) {
	switch v := n.(type) {
	case *search.Keyword:
		if v.Field == search.FieldEntityID {
			ids[v.Value] = true
		}
	case *search.And:
		for _, c := range v.Nodes {
			collectKeywords(c, ids)
		}
	case *search.Or:
		for _, c := range v.Nodes {
			collectKeywords(c, ids)
		}
	}
}

// SignatureHeader carries the signature of a webhook body; the same value
// is sent as X-Newsflow-Signature too.
const SignatureHeader = "Newsflow-Signature"

// Sign returns the signature header value of body under secret:
// "sha256=" and the hex HMAC-SHA256.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether sig (a header value) is body's signature under
// secret, in constant time.
func Verify(secret string, body []byte, sig string) bool {
	want := Sign(secret, body)
	return hmac.Equal([]byte(want), []byte(strings.TrimSpace(sig)))
}
