package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/search"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// Type names the value in help, as pflag names its own string flags.
func (m *multiFlag) Type() string { return "string" }

func searchFlags(fs *flag.FlagSet) runFunc {
	base := fs.String("url", defaultURL, "newsflow API URL (env NEWSFLOW_URL)")
	token := readTokenFlags(fs)
	var langs, sources, entities, entityIDs, storyIDs multiFlag
	fs.Var(&langs, "lang", "only articles in this language (repeatable)")
	fs.Var(&sources, "source", "only articles from this source (repeatable)")
	fs.Var(&entities, "entity", "only articles naming this entity (repeatable)")
	fs.Var(&storyIDs, "story-id", "only articles of this story (story_id; repeatable)")
	fs.Var(&entityIDs, "entity-id", "only articles naming the entity with this id, in any language (entities[].id, e.g. per:trmp or Q458; repeatable)")
	from := fs.String("from", "", "published at or after (RFC 3339 or 2006-01-02)")
	to := fs.String("to", "", "published at or before (RFC 3339 or 2006-01-02)")
	sort := fs.String("sort", "relevance", "relevance or date")
	collapse := fs.String("collapse", "", `"story": one hit per story (story_id), the total counts stories`)
	limit := fs.Int("limit", 10, "number of hits")
	offset := fs.Int("offset", 0, "hits to skip")
	asJSON := fs.Bool("json", false, "print the API's JSON answer")
	histogram := fs.Bool("histogram", false, "print the matches counted per --interval (GET /v1/histogram) instead of hits")
	interval := fs.String("interval", "day", "with --histogram: hour, day or week")
	by := fs.String("by", "", "with --histogram: one series per value of lang, source or entity (the 10 most frequent)")
	// The environment supplies --url and the token defaults only.
	urlFromEnv(base)
	return func(ctx context.Context, pos []string, stdout, _ io.Writer) error {
		c, err := newAPIClient(*base, token())
		if err != nil {
			return err
		}
		v := url.Values{}
		v.Set("q", strings.Join(pos, " "))
		for _, l := range langs {
			v.Add("lang", l)
		}
		for _, s := range sources {
			v.Add("source", s)
		}
		for _, e := range entities {
			v.Add("entity", e)
		}
		for _, e := range entityIDs {
			v.Add("entity_id", e)
		}
		for _, s := range storyIDs {
			v.Add("story_id", s)
		}
		if *from != "" {
			v.Set("from", *from)
		}
		if *to != "" {
			v.Set("to", *to)
		}
		if *histogram {
			v.Set("interval", *interval)
			if *by != "" {
				v.Set("by", *by)
			}
			var raw json.RawMessage
			if _, err := c.do(ctx, http.MethodGet, "/v1/histogram?"+v.Encode(), "", nil, &raw, http.StatusOK); err != nil {
				return err
			}
			if *asJSON {
				_, err := fmt.Fprintln(stdout, string(raw))
				return err
			}
			var h search.Histogram
			if err := json.Unmarshal(raw, &h); err != nil {
				return fmt.Errorf("decode histogram answer: %w", err)
			}
			return printHistogram(stdout, &h)
		}
		v.Set("sort", *sort)
		if *collapse != "" {
			v.Set("collapse", *collapse)
		}
		v.Set("limit", strconv.Itoa(*limit))
		v.Set("offset", strconv.Itoa(*offset))
		var res search.Result
		var raw json.RawMessage
		if _, err := c.do(ctx, http.MethodGet, "/v1/search?"+v.Encode(), "", nil, &raw, http.StatusOK); err != nil {
			return err
		}
		if *asJSON {
			_, err := fmt.Fprintln(stdout, string(raw))
			return err
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			return fmt.Errorf("decode search answer: %w", err)
		}
		tty := false
		if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			tty = true
		}
		if err := printHits(stdout, &res, *offset); err != nil {
			return err
		}
		if tty {
			return printDetails(stdout, &res)
		}
		return nil
	}
}

// printDetails shows, on a terminal, each hit's snippet with the matches
// in bold, and the facets.
func printDetails(w io.Writer, res *search.Result) error {
	for _, h := range res.Hits {
		s := snippetText(h.Snippet, "\x1b[1m", "\x1b[0m")
		if _, err := fmt.Fprintf(w, "\n%s  %s\n  %s\x1b[0m\n", h.ID, truncate(displayTitle(h), 100), truncate(s, 300)); err != nil {
			return err
		}
	}
	var lines []string
	for _, f := range []struct{ name, label string }{{search.FacetLang, "languages"}, {search.FacetSource, "sources"}, {search.FacetEntities, "entities"}} {
		counts := res.Facets[f.name]
		if len(counts) == 0 {
			continue
		}
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if counts[keys[i]] != counts[keys[j]] {
				return counts[keys[i]] > counts[keys[j]]
			}
			return keys[i] < keys[j]
		})
		parts := make([]string, 0, min(len(keys), 8))
		for _, k := range keys[:min(len(keys), 8)] {
			parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
		}
		lines = append(lines, fmt.Sprintf("%s: %s", f.label, strings.Join(parts, ", ")))
	}
	if len(lines) > 0 {
		_, err := fmt.Fprintf(w, "\n%s\n", strings.Join(lines, "\n"))
		return err
	}
	return nil
}

// displayTitle is the hit's title, or for an untitled article the start of
// its snippet in brackets.
func displayTitle(h search.Hit) string {
	if strings.TrimSpace(h.Title) != "" {
		return h.Title
	}
	t := strings.TrimPrefix(snippetText(h.Snippet, "", ""), "…")
	return "[" + truncate(strings.TrimSpace(t), 60) + "]"
}

// snippetText turns a hit's HTML snippet into text, matches between on
// and off.
func snippetText(snippet, on, off string) string {
	s := strings.NewReplacer("<mark>", on, "</mark>", off).Replace(snippet)
	return html.UnescapeString(s)
}

func printHits(w io.Writer, res *search.Result, offset int) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\tPUBLISHED\tSOURCE\tLANG\tTITLE\n")
	for _, h := range res.Hits {
		date := ""
		if h.PublishedAt != nil {
			date = h.PublishedAt.Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", h.ID, date, h.Source, h.Lang, truncate(displayTitle(h), 70))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	shown := len(res.Hits)
	if shown == 0 {
		_, err := fmt.Fprintf(w, "no articles found (%d in total)\n", res.Total)
		return err
	}
	_, err := fmt.Fprintf(w, "%d-%d of %d\n", offset+1, offset+shown, res.Total)
	return err
}

// printHistogram prints one row per interval: its start, the count and a
// bar, or with series a column per series.
func printHistogram(w io.Writer, h *search.Histogram) error {
	layout := time.DateOnly
	if h.Interval == search.IntervalHour {
		layout = "2006-01-02 15:04"
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := []string{"START", "COUNT"}
	for _, s := range h.Series {
		head = append(head, truncate(s.Key, 24))
	}
	if len(h.Series) == 0 {
		head = append(head, "")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	peak := 0
	for _, b := range h.Buckets {
		peak = max(peak, b.Count)
	}
	for i, b := range h.Buckets {
		row := []string{b.Start.UTC().Format(layout), strconv.Itoa(b.Count)}
		for _, s := range h.Series {
			row = append(row, strconv.Itoa(s.Buckets[i].Count))
		}
		if len(h.Series) == 0 && peak > 0 {
			row = append(row, strings.Repeat("█", (b.Count*40+peak-1)/peak))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d articles in %d %s intervals\n", h.Total, len(h.Buckets), h.Interval)
	return err
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func getFlags(fs *flag.FlagSet) runFunc {
	base := fs.String("url", defaultURL, "newsflow API URL (env NEWSFLOW_URL)")
	token := readTokenFlags(fs)
	urlFromEnv(base)
	return func(ctx context.Context, pos []string, stdout, _ io.Writer) error {
		return fetchArticle(ctx, *base, token(), pos[0], stdout)
	}
}

func fetchArticle(ctx context.Context, base, token, id string, stdout io.Writer) error {
	c, err := newAPIClient(base, token)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if _, err := c.do(ctx, http.MethodGet, "/v1/articles/"+url.PathEscape(id), "", nil, &raw, http.StatusOK); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("decode article: %w", err)
	}
	buf.WriteByte('\n')
	_, err = stdout.Write(buf.Bytes())
	return err
}

// urlFromEnv sets *base from NEWSFLOW_URL when that is set.
func urlFromEnv(base *string) {
	if v, ok := os.LookupEnv(envflag.EnvName("url")); ok {
		*base = v
	}
}

// readTokenFlags adds --read-token (env NEWSFLOW_READ_TOKEN), the bearer
// token of the read API (`up --read-token`, the index's --read-token), and
// --api-token (env NEWSFLOW_API_TOKEN), used for reads when no read token
// is given. It returns the token to send.
func readTokenFlags(fs *flag.FlagSet) func() string {
	read, api := os.Getenv(envflag.EnvName("read-token")), os.Getenv(envflag.EnvName("api-token"))
	fs.StringVar(&read, "read-token", read, "bearer token of the read API (env NEWSFLOW_READ_TOKEN)")
	fs.StringVar(&api, "api-token", api, "bearer token sent when --read-token is empty (env NEWSFLOW_API_TOKEN)")
	return func() string {
		if read != "" {
			return read
		}
		return api
	}
}
