package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/sync/errgroup"
	"golang.org/x/term"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/services/ingest"
)

// ndjsonBatch is how many NDJSON lines go in one HTTP request.
const ndjsonBatch = 500

// outcome is what happened to one submitted article.
type outcome struct {
	where  string // file and line or item
	id     string
	status string // accepted, duplicate, rejected
	reason string
}

// job is one submission: a whole file, or a batch of NDJSON lines.
type job struct {
	name  string // file name, "stdin"
	first int    // line of the first item in name (NDJSON), else 1
	f     intake.Format
	data  []byte
	size  int64 // bytes of the file this job accounts for, for progress
}

// submitter sends one submission and reports an outcome per article.
type submitter interface {
	submit(ctx context.Context, where string, f intake.Format, data []byte, meta intake.Meta) ([]outcome, error)
}

type summary struct {
	mu                   sync.Mutex
	accepted, duplicates int
	rejected             []outcome
}

func (s *summary) add(o outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch o.status {
	case "accepted":
		s.accepted++
	case "duplicate":
		s.duplicates++
	default:
		s.rejected = append(s.rejected, o)
	}
}

func (s *summary) counts() (int, int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted, s.duplicates, len(s.rejected)
}

func runPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("newsflow publish", flag.ContinueOnError)
	fset.SetOutput(stderr)
	base := fset.String("url", defaultURL, "newsflow API URL")
	natsURL := fset.String("nats", "", "publish straight onto NATS at this URL instead of the HTTP API")
	var nf natsFlags
	nf.registerCreds(fset)
	token := fset.String("api-token", "", "bearer token for the API")
	source := fset.String("source", "", "source of articles that do not name one")
	concurrency := fset.Int("concurrency", 4, "submissions in flight at once")
	batch := fset.Int("batch", ndjsonBatch, "NDJSON lines per submission")
	dryRun := fset.Bool("dry-run", false, "decode and validate locally, publish nothing")
	retries := fset.Int("retries", defaultRetryPolicy().Retries, "times a submission answered 503 or 429 is sent again (Retry-After honoured; resubmitting is safe)")
	retryMaxWait := fset.Duration("retry-max-wait", defaultRetryPolicy().MaxWait, "longest wait before one retry")
	progress := fset.String("progress", "auto", "progress display: auto (a bar on a terminal, lines otherwise), bar, lines, none")
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), "Usage: newsflow publish [--url URL | --nats URL | --dry-run] [--source NAME] PATH|GLOB|- ...")
		fmt.Fprintln(fset.Output(), "PATH is a file, or a folder searched recursively, of .json, .jsonl/.ndjson, .txt, .html/.htm")
		fmt.Fprintln(fset.Output(), "or RSS/Atom .xml/.rss/.atom files; GLOB is a pattern such as 'feeds/*.xml'; - reads")
		fmt.Fprintln(fset.Output(), "standard input (format detected from its content). Exit status 1 when any article was rejected.")
		fset.PrintDefaults()
	}
	if v, ok := os.LookupEnv(envflag.EnvName("url")); ok {
		*base = v
	}
	if v, ok := os.LookupEnv(envflag.EnvName("api-token")); ok {
		*token = v
	}
	paths, err := parseInterspersed(fset, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		fset.Usage()
		return exitError{2}
	}
	if *concurrency < 1 || *batch < 1 {
		return fmt.Errorf("--concurrency and --batch must be at least 1")
	}
	if *retries < 0 || *retryMaxWait <= 0 {
		return fmt.Errorf("--retries must be 0 or more and --retry-max-wait positive")
	}
	files, err := expandPaths(paths)
	if err != nil {
		return err
	}
	var sub submitter
	switch {
	case *dryRun:
		sub = dryRunSubmitter{}
	case *natsURL != "" || nf.cfg.URL != "":
		if *natsURL != "" {
			nf.cfg.URL = *natsURL
		}
		ns, err := newNATSSubmitter(ctx, &nf)
		if err != nil {
			return err
		}
		defer ns.close()
		sub = ns
	default:
		c, err := newAPIClient(*base, *token)
		if err != nil {
			return err
		}
		c.retry.Retries, c.retry.MaxWait = *retries, *retryMaxWait
		sub = &httpSubmitter{c: c}
	}
	var total int64
	for _, f := range files {
		if f == "-" {
			total = -1
			break
		}
		if st, err := os.Stat(f); err == nil {
			total += st.Size()
		}
	}
	rep := newReporter(*progress, stderr, total)
	var sum summary
	meta := intake.Meta{Source: *source}
	start := time.Now()

	jobs := make(chan job, *concurrency)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(jobs)
		for _, f := range files {
			if err := readJobs(gctx, f, *batch, jobs); err != nil {
				return err
			}
		}
		return nil
	})
	for range *concurrency {
		g.Go(func() error {
			for j := range jobs {
				outs, err := sub.submit(gctx, j.name, j.f, j.data, meta)
				if err != nil {
					return fmt.Errorf("%s: %w", j.name, err)
				}
				for _, o := range outs {
					if j.f == intake.FormatNDJSON {
						o.where = fmt.Sprintf("%s:%d", j.name, j.first+lineOffset(o.where))
					} else if j.f.Multi() {
						o.where = j.name + o.where
					}
					sum.add(o)
				}
				rep.done(j, &sum)
			}
			return nil
		})
	}
	err = g.Wait()
	rep.finish()
	acc, dup, rej := sum.counts()
	if err != nil {
		fmt.Fprintf(stdout, "stopped: accepted %d, duplicates %d, rejected %d before the error\n", acc, dup, rej)
		return err
	}
	verb := "accepted"
	if *dryRun {
		verb = "valid (dry run, nothing published)"
	}
	fmt.Fprintf(stdout, "accepted %d, duplicates %d, rejected %d", acc, dup, rej)
	if *dryRun {
		fmt.Fprintf(stdout, " - %s", verb)
	}
	if el := time.Since(start); el > time.Second {
		fmt.Fprintf(stdout, " in %s (%.0f articles/s)", el.Round(time.Millisecond), float64(acc+dup+rej)/el.Seconds())
	}
	fmt.Fprintln(stdout)
	if rej > 0 {
		sort.SliceStable(sum.rejected, func(i, j int) bool { return sum.rejected[i].where < sum.rejected[j].where })
		for _, o := range sum.rejected {
			fmt.Fprintf(stdout, "  rejected %s: %s\n", o.where, o.reason)
		}
		return exitError{1}
	}
	return nil
}

// reporter shows progress: a bar with rate and ETA on a terminal, a line
// per finished file otherwise.
type reporter struct {
	mode string
	w    io.Writer
	bar  *progressbar.ProgressBar
	mu   sync.Mutex
}

func newReporter(mode string, w io.Writer, total int64) *reporter {
	if mode == "auto" {
		mode = "lines"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "bar"
		}
	}
	r := &reporter{mode: mode, w: w}
	if mode == "bar" {
		r.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
			progressbar.OptionSetDescription("publishing"),
		)
	}
	return r
}

func (r *reporter) done(j job, sum *summary) {
	acc, dup, rej := sum.counts()
	switch r.mode {
	case "bar":
		r.bar.Describe(fmt.Sprintf("%d ok, %d dup, %d rejected", acc, dup, rej))
		_ = r.bar.Add64(j.size)
	case "lines":
		r.mu.Lock()
		defer r.mu.Unlock()
		what := j.name
		if j.f == intake.FormatNDJSON {
			what = fmt.Sprintf("%s lines %d-%d", j.name, j.first, j.first+itemCount(j)-1)
		}
		fmt.Fprintf(r.w, "done %s (so far: accepted %d, duplicates %d, rejected %d)\n", what, acc, dup, rej)
	}
}

func itemCount(j job) int {
	if j.f != intake.FormatNDJSON {
		return 1
	}
	return bytes.Count(j.data, []byte("\n"))
}

func (r *reporter) finish() {
	if r.bar != nil {
		_ = r.bar.Finish()
	}
}

// expandPaths turns arguments into files: folders are walked recursively
// for known extensions, globs are expanded, "-" is standard input.
func expandPaths(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if a == "-" {
			out = append(out, a)
			continue
		}
		matches := []string{a}
		if strings.ContainsAny(a, "*?[") {
			m, err := filepath.Glob(a)
			if err != nil {
				return nil, fmt.Errorf("pattern %q: %w", a, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("pattern %q matches no file", a)
			}
			matches = m
		}
		for _, p := range matches {
			st, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			if !st.IsDir() {
				out = append(out, p)
				continue
			}
			var found []string
			err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() {
					return nil
				}
				if _, ferr := intake.FormatFromPath(path); ferr == nil {
					found = append(found, path)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("walk %s: %w", p, err)
			}
			sort.Strings(found)
			out = append(out, found...)
		}
	}
	return out, nil
}

// readJobs turns one file into jobs: NDJSON is streamed in batches of
// lines (never loaded whole), other formats are one job. The format comes
// from the extension, or from the content for standard input and unknown
// extensions.
func readJobs(ctx context.Context, path string, batch int, jobs chan<- job) error {
	var r io.Reader
	name := path
	var size int64
	if path == "-" {
		name = "stdin"
		r = os.Stdin
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return err
		}
		defer func() { _ = fh.Close() }()
		if st, err := fh.Stat(); err == nil {
			size = st.Size()
		}
		r = fh
	}
	br := bufio.NewReaderSize(r, 64<<10)
	f, err := intake.FormatFromPath(path)
	if err != nil {
		head, _ := br.Peek(4096)
		f = intake.Sniff(head)
	}
	send := func(j job) error {
		select {
		case jobs <- j:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f != intake.FormatNDJSON {
		data, err := io.ReadAll(br)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		return send(job{name: name, first: 1, f: f, data: data, size: size})
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), intake.MaxLineBytes)
	var buf bytes.Buffer
	first, line, n := 1, 0, 0
	var sent int64
	flush := func() error {
		if n == 0 {
			return nil
		}
		data := bytes.Clone(buf.Bytes())
		part := int64(len(data))
		if sent+part > size {
			part = max(size-sent, 0)
		}
		sent += part
		buf.Reset()
		n = 0
		return send(job{name: name, first: first, f: f, data: data, size: part})
	}
	for sc.Scan() {
		line++
		if n == 0 {
			first = line
		}
		buf.Write(sc.Bytes())
		buf.WriteByte('\n')
		n++
		if n >= batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s line %d: %w", name, line+1, err)
	}
	return flush()
}

// lineOffset reads the 1-based index a submitter put in where ("#3") and
// returns it 0-based.
func lineOffset(where string) int {
	var i int
	if _, err := fmt.Sscanf(where, "#%d", &i); err != nil || i < 1 {
		return 0
	}
	return i - 1
}

// httpSubmitter posts to /v1/articles.
type httpSubmitter struct{ c *apiClient }

func (h *httpSubmitter) submit(ctx context.Context, where string, f intake.Format, data []byte, meta intake.Meta) ([]outcome, error) {
	path := "/v1/articles"
	ct := intake.ContentType(f)
	q := url.Values{}
	if meta.Source != "" {
		q.Set("source", meta.Source)
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	type result struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Index  int    `json:"index"`
		Error  *struct {
			Code, Message, Field string
		} `json:"error"`
	}
	conv := func(r result) outcome {
		o := outcome{where: fmt.Sprintf("#%d", r.Index), id: r.ID, status: r.Status}
		if !f.Multi() {
			o.where = where
		}
		if r.Error != nil {
			o.status = "rejected"
			o.reason = r.Error.Message
			if r.Error.Field != "" {
				o.reason = r.Error.Field + ": " + r.Error.Message
			}
		}
		return o
	}
	if f.Multi() {
		var rs []result
		if _, err := h.c.do(ctx, http.MethodPost, path, ct, data, &rs, http.StatusAccepted, http.StatusBadRequest); err != nil {
			return nil, err
		}
		outs := make([]outcome, 0, len(rs))
		for _, r := range rs {
			outs = append(outs, conv(r))
		}
		return outs, nil
	}
	var r result
	_, err := h.c.do(ctx, http.MethodPost, path, ct, data, &r, http.StatusAccepted)
	var ae *apiError
	if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusRequestEntityTooLarge) {
		reason := ae.Message
		if ae.Field != "" {
			reason = ae.Field + ": " + reason
		}
		return []outcome{{where: where, status: "rejected", reason: reason}}, nil
	}
	if err != nil {
		return nil, err
	}
	return []outcome{conv(r)}, nil
}

// natsSubmitter validates locally and publishes onto articles.raw.<source>
// with ingest's Submitter, as the HTTP API does.
type natsSubmitter struct {
	nc  *nats.Conn
	sub *ingest.Submitter
}

func newNATSSubmitter(ctx context.Context, nf *natsFlags) (*natsSubmitter, error) {
	u := nf.cfg.URL
	nc, js, err := nf.connect("publish")
	if err != nil {
		return nil, err
	}
	if _, err := js.Stream(ctx, natsbus.StreamRaw); err != nil {
		nc.Close()
		return nil, fmt.Errorf("stream %s on %s: %w (is newsflow running?)", natsbus.StreamRaw, u, err)
	}
	seen, err := ingest.LookupSeenSet(ctx, js)
	if err != nil {
		seen = nil // no ingest has run yet; it drops duplicates itself
	}
	// A seen-set that cannot be read is no reason to stop: ingest drops
	// exact resubmissions itself.
	return &natsSubmitter{nc: nc, sub: ingest.NewSubmitter(js, seen, ingest.SubmitterConfig{SeenBestEffort: true})}, nil
}

func (n *natsSubmitter) close() {
	_ = n.nc.Flush()
	n.nc.Close()
}

func (n *natsSubmitter) submit(ctx context.Context, where string, f intake.Format, data []byte, meta intake.Meta) ([]outcome, error) {
	var outs []outcome
	var arts []*article.Article
	var pos []int // in outs, of arts
	err := intake.Decode(bytes.NewReader(data), f, meta, func(it intake.Item) error {
		o := outcome{where: fmt.Sprintf("#%d", it.Index)}
		if !f.Multi() {
			o.where = where
		}
		if it.Err == nil {
			it.Err = intake.Prepare(it.Article, article.Limits{})
		}
		if it.Err != nil {
			o.status, o.reason = "rejected", it.Err.Error()
			outs = append(outs, o)
			return nil
		}
		o.id = it.Article.ID
		outs = append(outs, o)
		arts = append(arts, it.Article)
		pos = append(pos, len(outs)-1)
		return nil
	})
	for i, sub := range n.sub.Submit(ctx, arts) {
		o := &outs[pos[i]]
		switch {
		case errors.Is(sub.Err, ingest.ErrUnavailable):
			return outs, fmt.Errorf("publish article %s: %w", o.id, sub.Err)
		case sub.Err != nil:
			o.status, o.reason = "rejected", sub.Err.Error()
		default:
			o.status = sub.Status
		}
	}
	return outs, err
}

// dryRunSubmitter decodes and validates locally and publishes nothing:
// "accepted" means the article would be accepted (duplicates cannot be
// told without the server).
type dryRunSubmitter struct{}

func (dryRunSubmitter) submit(_ context.Context, where string, f intake.Format, data []byte, meta intake.Meta) ([]outcome, error) {
	var outs []outcome
	err := intake.Decode(bytes.NewReader(data), f, meta, func(it intake.Item) error {
		o := outcome{where: fmt.Sprintf("#%d", it.Index), status: "accepted"}
		if !f.Multi() {
			o.where = where
		}
		if it.Err == nil {
			it.Err = intake.Prepare(it.Article, article.Limits{})
		}
		if it.Err != nil {
			o.status, o.reason = "rejected", it.Err.Error()
		} else {
			o.id = it.Article.ID
		}
		outs = append(outs, o)
		return nil
	})
	if err != nil {
		// The document as a whole is unreadable: one rejection for it.
		return append(outs, outcome{where: where, status: "rejected", reason: err.Error()}), nil
	}
	return outs, nil
}
