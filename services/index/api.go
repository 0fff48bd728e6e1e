package index

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
)

func encodeIndexed(a *article.Article, enrichedSeq uint64) ([]byte, error) {
	return json.Marshal(article.Indexed{ID: a.ID, Source: a.Source, Revision: a.Revision, IndexedAt: a.IndexedAt, EnrichedSeq: enrichedSeq})
}

// APIConfig configures the read API.
type APIConfig struct {
	// ReadToken, when set, must be sent as "Authorization: Bearer <token>".
	ReadToken string
	// Metrics, when set, records searches.
	Metrics *Metrics
}

// API serves GET /v1/search, GET /v1/articles/{id} and the search page.
type API struct {
	idx search.Index
	cfg APIConfig
	log *zap.Logger
}

// NewAPI returns the read API over idx.
func NewAPI(idx search.Index, cfg APIConfig, log *zap.Logger) *API {
	return &API{idx: idx, cfg: cfg, log: log}
}

// Router is where routes are mounted.
type Router interface {
	Handle(pattern string, h http.Handler)
}

// Routes mounts the API on r.
func (a *API) Routes(r Router) {
	r.Handle("GET /v1/search", a.auth(http.HandlerFunc(a.search)))
	r.Handle("GET /v1/histogram", a.auth(http.HandlerFunc(a.histogram)))
	r.Handle("GET /v1/articles/{id}", a.auth(http.HandlerFunc(a.get)))
	static := staticHandler()
	r.Handle("GET /{$}", http.HandlerFunc(a.page))
	r.Handle("GET /static/", static)
}

func (a *API) auth(next http.Handler) http.Handler {
	if a.cfg.ReadToken == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.cfg.ReadToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="newsflow"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "", "a valid bearer token is required")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, field, msg string) {
	writeJSON(w, status, map[string]errorBody{"error": {Code: code, Message: msg, Field: field}})
}

// ParseQuery reads a search query from URL parameters.
func ParseQuery(r *http.Request) (search.Query, *errorBody) {
	v := r.URL.Query()
	q := search.Query{Text: v.Get("q"), Langs: v["lang"], Sources: v["source"], Entities: v["entity"], EntityIDs: v["entity_id"], StoryIDs: v["story_id"], Sort: v.Get("sort"), Collapse: v.Get("collapse")}
	for _, p := range []struct {
		name string
		dst  *int
		max  int
	}{{"limit", &q.Limit, search.MaxLimit}, {"offset", &q.Offset, search.MaxOffset}} {
		if s := v.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return q, &errorBody{Code: article.CodeInvalid, Field: p.name, Message: fmt.Sprintf("%s must be a non-negative integer, at most %d", p.name, p.max)}
			}
			*p.dst = n
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
		end  bool
	}{{"from", &q.From, false}, {"to", &q.To, true}} {
		if s := v.Get(p.name); s != "" {
			t, err := parseTime(s, p.end)
			if err != nil {
				return q, &errorBody{Code: article.CodeInvalid, Field: p.name, Message: p.name + " must be an RFC 3339 time or a date (2006-01-02)"}
			}
			*p.dst = t
		}
	}
	return q, nil
}

// parseTime accepts RFC 3339 or a date; a date as an upper bound means the
// end of that day.
func parseTime(s string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return t, err
	}
	if end {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return t, nil
}

func (a *API) search(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	q, perr := ParseQuery(r)
	if perr != nil {
		a.cfg.Metrics.Search(OutcomeInvalid, time.Since(start))
		writeError(w, http.StatusBadRequest, perr.Code, perr.Field, perr.Message)
		return
	}
	res, err := a.idx.Search(r.Context(), q)
	if a.searchFailed(w, q, start, err) {
		return
	}
	a.cfg.Metrics.Search(OutcomeOK, time.Since(start))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, res)
}

// histogram serves GET /v1/histogram: the matches of a search (same
// parameters) counted per interval, optionally in series by lang, source
// or entity.
func (a *API) histogram(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	q, perr := ParseQuery(r)
	if perr != nil {
		a.cfg.Metrics.Search(OutcomeInvalid, time.Since(start))
		writeError(w, http.StatusBadRequest, perr.Code, perr.Field, perr.Message)
		return
	}
	v := r.URL.Query()
	res, err := search.HistogramOf(r.Context(), a.idx, search.HistogramQuery{Query: q, Interval: v.Get("interval"), By: v.Get("by")})
	if errors.Is(err, search.ErrNoHistogram) {
		writeError(w, http.StatusNotImplemented, "not_implemented", "", err.Error())
		return
	}
	if a.searchFailed(w, q, start, err) {
		return
	}
	a.cfg.Metrics.Search(OutcomeOK, time.Since(start))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, res)
}

// searchFailed answers err of a search, when there is one, and records
// the outcome.
func (a *API) searchFailed(w http.ResponseWriter, q search.Query, start time.Time, err error) bool {
	if err == nil {
		return false
	}
	f := a.failure(q, start, err)
	if f.retry {
		w.Header().Set("Retry-After", "1")
	}
	writeError(w, f.status, f.code, f.field, f.message)
	return true
}

// searchFailure is how a failed search is answered: the status, the error
// code and field, and a message that tells the reader what to do (no
// internals).
type searchFailure struct {
	status               int
	code, field, message string
	// retry asks for Retry-After: the same search may succeed shortly.
	retry bool
}

// failure classifies err (not nil) of a search of q started at start,
// records the outcome and logs what the answer leaves out. The API and
// the page answer alike.
func (a *API) failure(q search.Query, start time.Time, err error) searchFailure {
	if errors.Is(err, search.ErrInvalidQuery) {
		a.cfg.Metrics.Search(OutcomeInvalid, time.Since(start))
		field := "q"
		var fe interface{ Field() string }
		if errors.As(err, &fe) {
			field = fe.Field()
		}
		return searchFailure{status: http.StatusBadRequest, code: article.CodeInvalid, field: field, message: err.Error()}
	}
	if errors.Is(err, search.ErrBusy) {
		a.cfg.Metrics.Search(OutcomeBusy, time.Since(start))
		return searchFailure{status: http.StatusTooManyRequests, code: "too_many_requests", retry: true,
			message: "too many searches are running, try again shortly (--search-max-concurrent)"}
	}
	if errors.Is(err, search.ErrTimeout) {
		a.cfg.Metrics.Search(OutcomeTimeout, time.Since(start))
		a.log.Warn("search timed out", zap.String("q", q.Text), zap.Error(err))
		return searchFailure{status: http.StatusServiceUnavailable, code: "timeout", retry: true,
			message: err.Error() + " (--search-timeout): narrow the query"}
	}
	a.cfg.Metrics.Search(OutcomeError, time.Since(start))
	a.log.Error("search failed", zap.String("q", q.Text), zap.Error(err))
	return searchFailure{status: http.StatusInternalServerError, code: "internal", message: "search failed"}
}

func (a *API) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !article.ValidID(id) {
		writeError(w, http.StatusNotFound, "not_found", "id", "no article with id "+strconv.Quote(id))
		return
	}
	art, err := a.idx.Get(r.Context(), id)
	if errors.Is(err, search.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "id", "no article with id "+strconv.Quote(id))
		return
	}
	if err != nil {
		a.log.Error("get article failed", zap.String("article_id", id), zap.Error(err))
		writeError(w, http.StatusInternalServerError, "internal", "", "reading the article failed")
		return
	}
	writeJSON(w, http.StatusOK, art)
}
