package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// HeaderWatch names the watch of an alert message.
const HeaderWatch = "Newsflow-Watch"

// ArticleReader reads the enriched article an indexed event points to.
type ArticleReader interface {
	Article(ctx context.Context, ev *article.Indexed) (*article.Article, error)
}

// StreamReader reads enriched articles from the ARTICLES stream by
// sequence (article.Indexed.EnrichedSeq): one stream read per article,
// never a question to the index.
type StreamReader struct {
	js jetstream.JetStream
	// stream is the ARTICLES stream's handle, looked up once: a lookup is
	// a JetStream API request (stream info) that, per article, doubled
	// the worker's requests to the server's API queue.
	mu     sync.Mutex
	stream jetstream.Stream
}

func (r *StreamReader) articles(ctx context.Context) (jetstream.Stream, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stream != nil {
		return r.stream, nil
	}
	s, err := r.js.Stream(ctx, natsbus.StreamArticles)
	if err != nil {
		return nil, fmt.Errorf("look up stream %s: %w", natsbus.StreamArticles, err)
	}
	r.stream = s
	return s, nil
}

// forget drops the handle after a failed read, so that the next read
// looks the stream up again (it may have been created again).
func (r *StreamReader) forget() {
	r.mu.Lock()
	r.stream = nil
	r.mu.Unlock()
}

// NewStreamReader returns the reader over js.
func NewStreamReader(js jetstream.JetStream) *StreamReader { return &StreamReader{js: js} }

// Article reads the enriched article of ev.
func (r *StreamReader) Article(ctx context.Context, ev *article.Indexed) (*article.Article, error) {
	if ev.EnrichedSeq == 0 {
		return nil, pipeline.Permanentf("indexed event of %s has no enriched_seq (published by an index stage older than the watch worker)", ev.ID)
	}
	s, err := r.articles(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.GetMsg(ctx, ev.EnrichedSeq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, pipeline.Permanentf("enriched article %s (%s sequence %d) is no longer in the stream", ev.ID, natsbus.StreamArticles, ev.EnrichedSeq)
	}
	if err != nil {
		r.forget()
		return nil, fmt.Errorf("read enriched article %s (%s sequence %d): %w", ev.ID, natsbus.StreamArticles, ev.EnrichedSeq, err)
	}
	return decodeEnriched(m.Data, ev)
}

// decodeEnriched decodes the enriched article of ev read from the stream.
func decodeEnriched(data []byte, ev *article.Indexed) (*article.Article, error) {
	a, err := article.Decode(data)
	if err != nil {
		return nil, pipeline.Permanent(fmt.Errorf("decode enriched article %s: %w", ev.ID, err))
	}
	if a.ID != ev.ID {
		return nil, pipeline.Permanentf("%s sequence %d holds article %s, not %s", natsbus.StreamArticles, ev.EnrichedSeq, a.ID, ev.ID)
	}
	return a, nil
}

// Matcher is the watch stage's handler: from an indexed event to one
// alert message per watch the article matches.
type Matcher struct {
	set    *Set
	an     *analysis.Set
	reader ArticleReader
	m      *Metrics
	now    func() time.Time
}

// NewMatcher returns the handler.
func NewMatcher(set *Set, an *analysis.Set, reader ArticleReader, m *Metrics, now func() time.Time) *Matcher {
	return &Matcher{set: set, an: an, reader: reader, m: m, now: now}
}

// Process matches one indexed article.
func (h *Matcher) Process(ctx context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
	var ev article.Indexed
	if err := json.Unmarshal(in.Data, &ev); err != nil {
		return nil, pipeline.Permanent(fmt.Errorf("decode indexed event: %w", err))
	}
	if ev.ID == "" {
		return nil, pipeline.Permanentf("indexed event without an id")
	}
	if h.set.Len() == 0 {
		return nil, nil
	}
	a, err := h.reader.Article(ctx, &ev)
	if err != nil {
		return nil, err
	}
	if ev.Revision != 0 {
		a.Revision = ev.Revision
	}
	doc := search.NewDoc(h.an, a)
	matched := h.set.Match(doc)
	out := make([]*pipeline.Message, 0, len(matched))
	now := h.now()
	var ents *articleEntities
	if len(matched) > 0 {
		ents = newArticleEntities(h.an, doc)
	}
	for _, m := range matched {
		al := newAlert(ents, doc, m, ev.IndexedAt, now)
		data, err := json.Marshal(al)
		if err != nil {
			return nil, pipeline.Permanent(fmt.Errorf("encode alert: %w", err))
		}
		out = append(out, &pipeline.Message{
			ID: al.ID(), Source: m.Watch.subjectToken(), Data: data,
			Header: pipeline.Header{pipeline.HeaderArticleID: {a.ID}, HeaderWatch: {m.Watch.Name}},
		})
	}
	for _, m := range matched {
		h.m.Matches.WithLabelValues(m.Watch.Name).Inc()
	}
	if !ev.IndexedAt.IsZero() && len(matched) > 0 {
		h.m.Alert.Observe(now.Sub(ev.IndexedAt).Seconds())
	}
	return out, nil
}

// Deliverer is the webhook stage's handler: it POSTs each alert of the
// ALERTS stream to its watch's webhook, signed with the watch's secret.
type Deliverer struct {
	set        *Set
	client     *http.Client
	m          *Metrics
	now        func() time.Time
	maxDeliver int
}

// NewDeliverer returns the handler; timeout bounds one POST, maxDeliver
// is the stage's attempts (to count the last failure as a dead letter).
func NewDeliverer(set *Set, timeout time.Duration, maxDeliver int, m *Metrics, now func() time.Time) *Deliverer {
	return &Deliverer{set: set, client: &http.Client{Timeout: timeout}, m: m, now: now, maxDeliver: maxDeliver}
}

// Process delivers one alert.
func (h *Deliverer) Process(ctx context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
	// Most watches have no webhook: settle their alerts by the header,
	// without decoding the body.
	if name := in.Header.Get(HeaderWatch); name != "" {
		if w, ok := h.set.Get(name); !ok || w.Webhook == "" {
			h.m.Deliveries.WithLabelValues(OutcomeSkipped).Inc()
			return nil, nil
		}
	}
	var al Alert
	if err := json.Unmarshal(in.Data, &al); err != nil {
		h.m.Deliveries.WithLabelValues(OutcomeDeadLetter).Inc()
		return nil, pipeline.Permanent(fmt.Errorf("decode alert: %w", err))
	}
	w, ok := h.set.Get(al.Watch)
	if !ok || w.Webhook == "" {
		h.m.Deliveries.WithLabelValues(OutcomeSkipped).Inc()
		return nil, nil
	}
	err := h.post(ctx, w, al.ID(), in.Data)
	switch {
	case err == nil:
		h.m.Deliveries.WithLabelValues(OutcomeDelivered).Inc()
		if !al.IndexedAt.IsZero() {
			h.m.Delivery.Observe(h.now().Sub(al.IndexedAt).Seconds())
		}
		return nil, nil
	case pipeline.IsPermanent(err) || in.Attempt >= h.maxDeliver:
		h.m.Deliveries.WithLabelValues(OutcomeDeadLetter).Inc()
	default:
		h.m.Deliveries.WithLabelValues(OutcomeRetry).Inc()
	}
	return nil, err
}

func (h *Deliverer) post(ctx context.Context, w *Watch, id string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.Webhook, bytes.NewReader(body))
	if err != nil {
		return pipeline.Permanent(fmt.Errorf("webhook of watch %s: %w", w.Name, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "newsflow-watch")
	req.Header.Set("Newsflow-Delivery", id)
	req.Header.Set(HeaderWatch, w.Name)
	if w.Secret != "" {
		sig := Sign(w.Secret, body)
		req.Header.Set(SignatureHeader, sig)
		req.Header.Set("X-"+SignatureHeader, sig)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook of watch %s: %w", w.Name, err)
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	_ = resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("webhook of watch %s answered %s: %q", w.Name, resp.Status, bytes.TrimSpace(snippet))
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return err
	case resp.StatusCode >= 400:
		// The receiver refuses this alert: asking again will not help.
		return pipeline.Permanent(err)
	}
	return err
}
