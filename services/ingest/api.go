package ingest

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

// Submission statuses returned by the API.
const (
	StatusAccepted  = "accepted"
	StatusDuplicate = "duplicate"
	StatusRejected  = "rejected"
)

// APIConfig configures the submission API.
type APIConfig struct {
	Limits          article.Limits
	MaxRequestBytes int64
	// Token, when set, must be sent as "Authorization: Bearer <token>".
	Token string
	// Metrics counts articles by outcome; may be nil.
	Metrics *Metrics
	// AllowIDTakeover: see Config.
	AllowIDTakeover bool
	// Writable, when set, tells whether the stores can take new articles
	// (free disk space, JetStream, the index); while it fails every
	// submission gets 503 with Retry-After before its body is read.
	Writable func(ctx context.Context) error
	// Titles learns the site names each source puts around its titles
	// and removes them; nil for none.
	Titles *intake.TitleAffixes
	// MaxConcurrentHTML bounds the HTML pages extracted at once (each
	// builds a tree several times the size of its stripped page); 0
	// means twice the number of CPUs. Pages past it wait, stripped.
	MaxConcurrentHTML int
	// Backlog, when set, refuses submissions with 429 and Retry-After
	// while the raw stream's backlog is over --max-backlog.
	Backlog *Backlog
	// DuplicateWindow is the raw stream's duplicate window (see
	// SubmitterConfig); zero: the default.
	DuplicateWindow time.Duration
}

// API serves POST /v1/articles: it validates each article, answers with its
// id and whether it was accepted or a duplicate, and publishes it onto
// articles.raw.<source>.
type API struct {
	sub     *Submitter
	cfg     APIConfig
	log     *zap.Logger
	extract chan struct{} // slots for HTML extraction
}

// NewAPI returns the submission API.
func NewAPI(js jetstream.JetStream, seen *SeenSet, cfg APIConfig, log *zap.Logger) *API {
	sub := NewSubmitter(js, seen, SubmitterConfig{AllowIDTakeover: cfg.AllowIDTakeover, ConfirmTimeout: 30 * time.Second, DuplicateWindow: cfg.DuplicateWindow})
	n := cfg.MaxConcurrentHTML
	if n <= 0 {
		n = 2 * runtime.GOMAXPROCS(0)
	}
	return &API{sub: sub, cfg: cfg, log: log, extract: make(chan struct{}, n)}
}

// Router is where routes are mounted (telemetry.Server, http.ServeMux).
type Router interface {
	Handle(pattern string, h http.Handler)
}

// Routes mounts the API on r.
func (a *API) Routes(r Router) {
	r.Handle("POST /v1/articles", http.HandlerFunc(a.submit))
}

// ErrorBody is the JSON error object of the public contract.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Result is the answer for one submitted article.
type Result struct {
	ID     string     `json:"id,omitempty"`
	Status string     `json:"status"`
	Index  int        `json:"index,omitempty"`
	Error  *ErrorBody `json:"error,omitempty"`
	// Warnings name what of an accepted article could not be used (an
	// unusable url): the article's own warnings.
	Warnings []string `json:"warnings,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes the contract's error object.
func WriteError(w http.ResponseWriter, status int, code, field, msg string) {
	writeJSON(w, status, map[string]ErrorBody{"error": {Code: code, Message: msg, Field: field}})
}

// maxHTML is the limit on an html page.
func (a *API) maxHTML() int64 {
	if a.cfg.Limits.MaxHTMLBytes > 0 {
		return int64(a.cfg.Limits.MaxHTMLBytes)
	}
	return article.DefaultMaxHTMLBytes
}

func (a *API) authorized(r *http.Request) bool {
	if a.cfg.Token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(a.cfg.Token)) == 1
}

func (a *API) submit(w http.ResponseWriter, r *http.Request) {
	if !a.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="newsflow"`)
		WriteError(w, http.StatusUnauthorized, "unauthorized", "", "a valid bearer token is required")
		return
	}
	if a.cfg.Writable != nil {
		if err := a.cfg.Writable(r.Context()); err != nil {
			a.log.Warn("refusing articles: storage cannot take writes", zap.Error(err))
			w.Header().Set("Retry-After", storageRetryAfter)
			WriteError(w, http.StatusServiceUnavailable, CodeStorageUnavailable, "", "storage cannot take new articles now, try again later: "+err.Error())
			return
		}
	}
	format, charset, err := intake.ParseContentType(r.Header.Get("Content-Type"))
	if err != nil {
		WriteError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "", err.Error())
		return
	}
	if over, n, retry := a.cfg.Backlog.Over(); over {
		// Refused before the body is read: nothing of it was taken, the
		// whole request may be sent again after Retry-After.
		a.cfg.Metrics.outcome(PathAPI, string(format), OutcomeOverloaded)
		w.Header().Set("Retry-After", retry)
		WriteError(w, http.StatusTooManyRequests, CodeOverloaded, "", fmt.Sprintf("%d articles are waiting in the pipeline, over the limit of %d (--max-backlog): nothing of this request was taken, send it again after %s s", n, a.cfg.Backlog.max, retry))
		return
	}
	if r.ContentLength > a.cfg.MaxRequestBytes {
		WriteError(w, http.StatusRequestEntityTooLarge, article.CodeTooLarge, "", fmt.Sprintf("request body is %d bytes, the limit is %d", r.ContentLength, a.cfg.MaxRequestBytes))
		return
	}
	if format == intake.FormatHTML && r.ContentLength > a.maxHTML() {
		WriteError(w, http.StatusRequestEntityTooLarge, article.CodeTooLarge, "", fmt.Sprintf("request body is %d bytes, the limit for an html page is %d (--max-html-bytes)", r.ContentLength, a.maxHTML()))
		return
	}
	if !format.Multi() && format != intake.FormatHTML && r.ContentLength > intake.MaxDocumentBytes {
		WriteError(w, http.StatusRequestEntityTooLarge, article.CodeTooLarge, "", fmt.Sprintf("request body is %d bytes, the limit for one %s article is %d (send many articles as NDJSON, one per line)", r.ContentLength, format, intake.MaxDocumentBytes))
		return
	}
	body := &readErrors{r: http.MaxBytesReader(w, r.Body, a.cfg.MaxRequestBytes)}
	q := r.URL.Query()
	meta := intake.Meta{Source: q.Get("source"), URL: q.Get("url"), Title: q.Get("title"), Charset: charset, MaxHTMLBytes: a.maxHTML()}

	// Accepted articles are published in chunks as the request streams in,
	// so a large NDJSON request holds at most one chunk of articles.
	// Publishing does not follow the request's cancellation: an article
	// whose whole text arrived is published even if the connection goes
	// away meanwhile (a retry is answered "duplicate"), instead of being
	// refused half-way as unavailable. The server cancels a request's
	// context when its connection reports an error, and under CI load that
	// was seen while the client still waited (TestBadInputMatrix's feeds
	// answered 503 "context canceled" in 0.1 s). The stores' own bounds
	// (natsbus.StoreTimeout, ConfirmTimeout) still apply, and pubTimeout
	// over all.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), pubTimeout)
	defer cancel()
	var results []Result
	pending := make([]pendingPub, 0, 1)
	decodeErr := intake.Decode(body, format, meta, func(it intake.Item) error {
		res, p := a.prepare(pctx, format, it)
		results = append(results, res)
		if p != nil {
			p.pos = len(results) - 1
			pending = append(pending, *p)
		}
		if len(pending) >= apiPublishChunk {
			a.flush(pctx, format, results, pending)
			pending = pending[:0]
		}
		return nil
	})
	var mbe *http.MaxBytesError
	if errors.As(decodeErr, &mbe) || (!format.Multi() && errors.Is(decodeErr, intake.ErrTooLarge)) {
		msg := fmt.Sprintf("request body is over the limit of %d bytes", a.cfg.MaxRequestBytes)
		var ie *telemetry.InflateError
		switch {
		case errors.As(decodeErr, &ie):
			msg = ie.Error()
		case errors.Is(decodeErr, intake.ErrTooLarge):
			msg = decodeErr.Error()
		}
		if n := countAccepted(results); n > 0 {
			msg += fmt.Sprintf("; the first %d articles were already accepted (resubmitting them is safe: they are reported as duplicates)", n)
		}
		WriteError(w, http.StatusRequestEntityTooLarge, article.CodeTooLarge, "", msg)
		return
	}
	// Publish what was accepted even when the stream of items broke off.
	a.flush(pctx, format, results, pending)
	if decodeErr != nil && body.aborted() {
		// The client went away or stopped sending: no article was
		// rejected, the upload was cut short.
		a.cfg.Metrics.outcome(PathAPI, string(format), OutcomeAborted)
		a.log.Info("upload aborted", zap.Int("articles_accepted", countAccepted(results)), zap.Error(decodeErr))
		WriteError(w, http.StatusBadRequest, CodeIncomplete, "", "the request body ended early: "+decodeErr.Error())
		return
	}
	if decodeErr != nil && (!format.Multi() || len(results) == 0) {
		a.cfg.Metrics.reject(PathAPI, string(format), decodeErr)
		code := article.CodeMalformed
		if errors.Is(decodeErr, intake.ErrEncoding) {
			code = article.CodeInvalid
		}
		WriteError(w, http.StatusBadRequest, code, "", decodeErr.Error())
		return
	}
	if decodeErr != nil {
		a.cfg.Metrics.reject(PathAPI, string(format), decodeErr)
		code := article.CodeMalformed
		if errors.Is(decodeErr, intake.ErrTooLarge) {
			code = article.CodeTooLarge
		}
		results = append(results, Result{Status: StatusRejected, Index: len(results) + 1,
			Error: &ErrorBody{Code: code, Message: decodeErr.Error()}})
	}
	for _, res := range results {
		if res.Status != StatusRejected {
			a.cfg.Metrics.outcome(PathAPI, string(format), res.Status)
		} else if res.Error != nil && res.Error.Code == "unavailable" {
			a.cfg.Metrics.outcome(PathAPI, string(format), "unavailable")
		}
	}
	if !format.Multi() {
		res := results[0]
		if res.Error != nil {
			status := http.StatusBadRequest
			switch res.Error.Code {
			case "unavailable":
				status = http.StatusServiceUnavailable
				w.Header().Set("Retry-After", retryAfterSeconds)
			case article.CodeConflict:
				status = http.StatusConflict
			}
			writeJSON(w, status, map[string]*ErrorBody{"error": res.Error})
			return
		}
		res.Index = 0
		if res.ID != "" {
			// Where the article will be readable once indexed.
			w.Header().Set("Location", "/v1/articles/"+url.PathEscape(res.ID))
		}
		writeJSON(w, http.StatusAccepted, res)
		return
	}
	status := http.StatusBadRequest
	unavailable := 0
	for _, res := range results {
		if res.Error == nil {
			status = http.StatusAccepted
			break
		}
		if res.Error.Code == "unavailable" {
			unavailable++
		}
	}
	if status != http.StatusAccepted && unavailable > 0 && unavailable == len(results) {
		// Nothing was taken because the queue is not available: the
		// whole request may be sent again.
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
	if results == nil {
		results = []Result{}
	}
	writeJSON(w, status, results)
}

// pubTimeout bounds the publishing of one request's articles once it no
// longer follows the request's cancellation.
const pubTimeout = 2 * time.Minute

// CodeIncomplete is the error code of a request whose body ended early
// (the client went away or stopped sending).
const CodeIncomplete = "incomplete"

// OutcomeAborted is the outcome label of newsflow_ingest_articles_total
// for an upload cut short (the client went away or its body timed out):
// counted once per request, not as a rejected article.
const OutcomeAborted = "aborted"

// OutcomeOverloaded is the outcome label of newsflow_ingest_articles_total
// for a request refused with 429 (backlog over --max-backlog): counted
// once per request, its articles were not read.
const OutcomeOverloaded = "overloaded"

// CodeStorageUnavailable is the error code of a 503 while the stores
// cannot take writes (a full disk, a stopped JetStream, an index that
// cannot be written).
const CodeStorageUnavailable = "storage_unavailable"

// storageRetryAfter is the Retry-After of a 503 for storage: space comes
// back in minutes, not in a second.
const storageRetryAfter = "30"

// retryAfterSeconds is the Retry-After of a 503.
const retryAfterSeconds = "1"

// readErrors remembers the first error reading the request body other
// than its end.
type readErrors struct {
	r   io.Reader
	err error
}

func (b *readErrors) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// aborted reports whether reading the body failed because the client went
// away or stopped sending (not because the body was too large or
// malformed).
func (b *readErrors) aborted() bool {
	if b.err == nil {
		return false
	}
	var mbe *http.MaxBytesError
	if errors.As(b.err, &mbe) {
		return false
	}
	var ne net.Error
	return errors.Is(b.err, io.ErrUnexpectedEOF) || errors.As(b.err, &ne) || errors.Is(b.err, net.ErrClosed)
}

// apiPublishChunk is how many accepted articles of one request are
// published before their PubAcks are awaited.
const apiPublishChunk = 256

type pendingPub struct {
	pos     int // in results
	article *article.Article
}

func countAccepted(results []Result) int {
	n := 0
	for _, r := range results {
		if r.Status == StatusAccepted {
			n++
		}
	}
	return n
}

// prepare validates one item; it returns the result so far and, for a
// valid article, what to submit.
func (a *API) prepare(ctx context.Context, format intake.Format, it intake.Item) (Result, *pendingPub) {
	res := Result{Index: it.Index}
	if it.Err == nil && it.Article != nil && it.Article.HTML != "" {
		select {
		case a.extract <- struct{}{}:
			defer func() { <-a.extract }()
		case <-ctx.Done():
			it.Err = fmt.Errorf("waiting to extract the html page: %w", ctx.Err())
		}
	}
	if it.Err == nil {
		it.Err = intake.PrepareWith(it.Article, a.cfg.Limits, a.cfg.Titles)
	}
	if it.Err != nil {
		res.Status = StatusRejected
		res.Error = errorBody(it.Err)
		if it.Article != nil && article.ValidID(it.Article.ID) {
			res.ID = it.Article.ID
		}
		a.cfg.Metrics.reject(PathAPI, string(format), it.Err)
		a.log.Info("article rejected", zap.Int("index", it.Index), zap.String("article_id", res.ID), zap.Error(it.Err))
		return res, nil
	}
	res.ID = it.Article.ID
	res.Warnings = it.Article.Warnings
	return res, &pendingPub{article: it.Article}
}

// flush submits the valid articles and records what became of each in
// results.
func (a *API) flush(ctx context.Context, format intake.Format, results []Result, pending []pendingPub) {
	if len(pending) == 0 {
		return
	}
	arts := make([]*article.Article, len(pending))
	for i, p := range pending {
		arts[i] = p.article
	}
	for i, sub := range a.sub.Submit(ctx, arts) {
		res := &results[pending[i].pos]
		res.Status = sub.Status
		switch {
		case sub.Err == nil:
		case errors.Is(sub.Err, ErrUnavailable):
			res.Error = &ErrorBody{Code: "unavailable", Message: sub.Err.Error()}
		default:
			res.Error = errorBody(sub.Err)
			a.cfg.Metrics.reject(PathAPI, string(format), sub.Err)
		}
	}
}

func errorBody(err error) *ErrorBody {
	var fe *article.FieldError
	if errors.As(err, &fe) {
		return &ErrorBody{Code: fe.Code, Message: fe.Message, Field: fe.Field}
	}
	if errors.Is(err, intake.ErrUnsupportedFormat) {
		return &ErrorBody{Code: "unsupported_format", Message: err.Error()}
	}
	return &ErrorBody{Code: article.CodeInvalid, Message: err.Error()}
}
