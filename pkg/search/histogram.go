package search

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Histogram intervals.
const (
	IntervalHour = "hour"
	IntervalDay  = "day"
	IntervalWeek = "week"
)

// Histogram series (HistogramQuery.By).
const (
	ByLang   = "lang"
	BySource = "source"
	ByEntity = "entity"
)

// Limits on a histogram.
const (
	// MaxSeries is the number of series a `by` histogram reports: the
	// most frequent values of the facet.
	MaxSeries = 10
	// MaxBuckets bounds the buckets between the first and the last (or
	// from and to): more is a 400 that names the range.
	MaxBuckets = 5000
)

// HistogramQuery asks for the matches of Query counted per Interval of
// their date (published_at, or ingested_at when the publisher gave none,
// the date that sort=date orders by), in UTC; weeks start on Monday.
// Query.Sort, Limit and Offset are ignored.
type HistogramQuery struct {
	Query
	Interval string
	// By is "" (one series), ByLang, BySource or ByEntity.
	By string
}

// Bucket is the count of one interval starting at Start.
type Bucket struct {
	Start time.Time `json:"start"`
	Count int       `json:"count"`
}

// Series is the histogram of the matches with one value of By.
type Series struct {
	Key     string   `json:"key"`
	Total   int      `json:"total"`
	Buckets []Bucket `json:"buckets"`
}

// Histogram is the answer to a HistogramQuery: Buckets count every match,
// from the first interval with one to the last (or over from..to when
// given), empty intervals included; Series (with By) count the matches
// with each of the MaxSeries most frequent values, over the same
// intervals.
type Histogram struct {
	Interval string   `json:"interval"`
	By       string   `json:"by,omitempty"`
	Total    int      `json:"total"`
	Buckets  []Bucket `json:"buckets"`
	Series   []Series `json:"series,omitempty"`
}

// DateCounter is implemented by index backends that can count matches per
// interval. Counts maps a bucket start (Unix seconds, UTC) to the number
// of matches of q whose date falls in it; with key != "", only the matches
// whose by-field (ByLang, BySource, ByEntity: an entity name) equals key.
type DateCounter interface {
	DateCounts(ctx context.Context, q Query, interval, by, key string) (map[int64]int, error)
}

// Histogrammer is implemented by index backends that answer histograms
// (both do: bleveindex and pgindex).
type Histogrammer interface {
	Histogram(ctx context.Context, h HistogramQuery) (*Histogram, error)
}

// ErrNoHistogram is returned by HistogramOf for an index that does not
// count histograms.
var ErrNoHistogram = errors.New("this index does not count histograms")

// HistogramOf answers h with idx, when idx is a Histogrammer; else
// ErrNoHistogram.
func HistogramOf(ctx context.Context, idx Index, h HistogramQuery) (*Histogram, error) {
	hg, ok := idx.(Histogrammer)
	if !ok {
		return nil, ErrNoHistogram
	}
	return hg.Histogram(ctx, h)
}

// Validate checks the interval and by values. Errors are *ParamError.
func (h *HistogramQuery) Validate() error {
	switch h.Interval {
	case "":
		h.Interval = IntervalDay
	case IntervalHour, IntervalDay, IntervalWeek:
	default:
		return &ParamError{Param: "interval", Msg: fmt.Sprintf("must be hour, day or week, not %q", h.Interval)}
	}
	switch h.By {
	case "", ByLang, BySource, ByEntity:
	default:
		return &ParamError{Param: "by", Msg: fmt.Sprintf("must be lang, source or entity, not %q", h.By)}
	}
	h.Sort, h.Limit, h.Offset, h.Collapse = "", 0, 0, ""
	return h.Query.Normalize()
}

// Truncate returns the start of the interval t falls in, in UTC.
func Truncate(t time.Time, interval string) time.Time {
	t = t.UTC()
	switch interval {
	case IntervalHour:
		return t.Truncate(time.Hour)
	case IntervalWeek:
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		wd := (int(d.Weekday()) + 6) % 7 // Monday 0
		return d.AddDate(0, 0, -wd)
	default:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
}

func next(t time.Time, interval string) time.Time {
	switch interval {
	case IntervalHour:
		return t.Add(time.Hour)
	case IntervalWeek:
		return t.AddDate(0, 0, 7)
	default:
		return t.AddDate(0, 0, 1)
	}
}

// BuildHistogram answers h with idx (for the series values) and dc (for
// the counts). Errors in h are *ParamError or wrap ErrInvalidQuery.
func BuildHistogram(ctx context.Context, idx Index, dc DateCounter, h HistogramQuery) (*Histogram, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	if _, err := h.ParseText(); err != nil {
		return nil, err
	}
	if !h.From.IsZero() && !h.To.IsZero() {
		if n := bucketsBetween(Truncate(h.From, h.Interval), Truncate(h.To, h.Interval), h.Interval); n > MaxBuckets {
			return nil, tooMany(h, h.From, h.To, n)
		}
	}
	all, err := dc.DateCounts(ctx, h.Query, h.Interval, "", "")
	if err != nil {
		return nil, err
	}
	out := &Histogram{Interval: h.Interval, By: h.By}
	counts := []map[int64]int{all}
	if h.By != "" && len(all) > 0 {
		q := h.Query
		q.Limit = 1
		res, err := idx.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		facet := map[string]string{ByLang: FacetLang, BySource: FacetSource, ByEntity: FacetEntities}[h.By]
		for _, k := range topKeys(res.Facets[facet], MaxSeries) {
			c, err := dc.DateCounts(ctx, h.Query, h.Interval, h.By, k)
			if err != nil {
				return nil, err
			}
			out.Series = append(out.Series, Series{Key: k})
			counts = append(counts, c)
		}
	}
	// The range: from..to where given, else the first and last bucket.
	var lo, hi time.Time
	for k := range all {
		t := time.Unix(k, 0).UTC()
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if hi.IsZero() || t.After(hi) {
			hi = t
		}
	}
	if !h.From.IsZero() {
		lo = Truncate(h.From, h.Interval)
	}
	if !h.To.IsZero() {
		hi = Truncate(h.To, h.Interval)
	}
	out.Buckets = []Bucket{}
	if lo.IsZero() || hi.IsZero() || hi.Before(lo) {
		for i := range out.Series {
			out.Series[i].Buckets = []Bucket{}
		}
		return out, nil
	}
	if n := bucketsBetween(lo, hi, h.Interval); n > MaxBuckets {
		return nil, tooMany(h, lo, hi, n)
	}
	fill := func(c map[int64]int) ([]Bucket, int) {
		var bs []Bucket
		total := 0
		for t := lo; !t.After(hi); t = next(t, h.Interval) {
			n := c[t.Unix()]
			bs = append(bs, Bucket{Start: t, Count: n})
			total += n
		}
		return bs, total
	}
	out.Buckets, out.Total = fill(all)
	for i := range out.Series {
		out.Series[i].Buckets, out.Series[i].Total = fill(counts[i+1])
	}
	return out, nil
}

func tooMany(h HistogramQuery, lo, hi time.Time, n int) error {
	return &ParamError{Param: "interval", Msg: fmt.Sprintf("%s over %s..%s gives %d buckets, more than %d: use a longer interval or narrow from and to",
		h.Interval, lo.Format(time.RFC3339), hi.Format(time.RFC3339), n, MaxBuckets)}
}

// bucketsBetween counts the buckets from lo to hi inclusive (both bucket
// starts).
func bucketsBetween(lo, hi time.Time, interval string) int {
	if hi.Before(lo) {
		return 0
	}
	d := hi.Sub(lo)
	switch interval {
	case IntervalHour:
		return int(d/time.Hour) + 1
	case IntervalWeek:
		return int(d/(7*24*time.Hour)) + 1
	default:
		return int(d/(24*time.Hour)) + 1
	}
}

// topKeys returns the n most frequent keys, ties by key.
func topKeys(m map[string]int, n int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	return keys
}
