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
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/natsbus"
)

// ndjsonBatch is how many NDJSON lines go in one HTTP request.
const ndjsonBatch = 500

// outcome is what happened to one submitted article.
type outcome struct {
	where  string // file and line
	id     string
	status string // accepted, duplicate, rejected
	reason string
}

// submitter sends one submission and reports an outcome per article.
type submitter interface {
	submit(ctx context.Context, where string, f intake.Format, data []byte, meta intake.Meta) ([]outcome, error)
}

type summary struct {
	accepted, duplicates int
	rejected             []outcome
}

func (s *summary) add(o outcome) {
	switch o.status {
	case "accepted":
		s.accepted++
	case "duplicate":
		s.duplicates++
	default:
		s.rejected = append(s.rejected, o)
	}
}

func runPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("newsflow publish", flag.ContinueOnError)
	fset.SetOutput(stderr)
	base := fset.String("url", defaultURL, "newsflow API URL")
	natsURL := fset.String("nats", "", "publish straight onto NATS at this URL instead of the HTTP API")
	token := fset.String("api-token", "", "bearer token for the API")
	source := fset.String("source", "", "source of articles that do not name one")
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), "Usage: newsflow publish [--url URL | --nats URL] [--source NAME] PATH|- ...")
		fmt.Fprintln(fset.Output(), "PATH is a file or folder of .json, .jsonl/.ndjson or .txt files; - reads standard input.")
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
	files, err := expandPaths(paths)
	if err != nil {
		return err
	}
	var sub submitter
	if *natsURL != "" {
		ns, err := newNATSSubmitter(ctx, *natsURL)
		if err != nil {
			return err
		}
		defer ns.close()
		sub = ns
	} else {
		c, err := newAPIClient(*base, *token)
		if err != nil {
			return err
		}
		sub = &httpSubmitter{c: c}
	}
	var sum summary
	meta := intake.Meta{Source: *source}
	for _, f := range files {
		if err := publishFile(ctx, sub, f, meta, &sum); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "accepted %d, duplicates %d, rejected %d\n", sum.accepted, sum.duplicates, len(sum.rejected))
	if len(sum.rejected) > 0 {
		for _, o := range sum.rejected {
			fmt.Fprintf(stdout, "  rejected %s: %s\n", o.where, o.reason)
		}
		return exitError{1}
	}
	return nil
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

// sniffFormat guesses the format of standard input.
func sniffFormat(data []byte) intake.Format {
	t := bytes.TrimSpace(data)
	if len(t) > 0 && t[0] == '{' {
		if i := bytes.IndexByte(t, '\n'); i >= 0 && bytes.HasPrefix(bytes.TrimSpace(t[i:]), []byte("{")) {
			return intake.FormatNDJSON
		}
		return intake.FormatJSON
	}
	return intake.FormatText
}

func publishFile(ctx context.Context, sub submitter, path string, meta intake.Meta, sum *summary) error {
	var r io.Reader
	var f intake.Format
	name := path
	if path == "-" {
		data, err := io.ReadAll(os.Stdin)
		if err != nil {
			return fmt.Errorf("read standard input: %w", err)
		}
		name = "stdin"
		f = sniffFormat(data)
		r = bytes.NewReader(data)
	} else {
		var err error
		f, err = intake.FormatFromPath(path)
		if err != nil {
			return err
		}
		fh, err := os.Open(path)
		if err != nil {
			return err
		}
		defer func() { _ = fh.Close() }()
		r = fh
	}
	if f != intake.FormatNDJSON {
		data, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		outs, err := sub.submit(ctx, name, f, data, meta)
		if err != nil {
			return err
		}
		for _, o := range outs {
			sum.add(o)
		}
		return nil
	}
	// NDJSON is sent in batches of lines, never loaded whole.
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), intake.MaxLineBytes)
	var batch bytes.Buffer
	first, line, n := 1, 0, 0
	send := func() error {
		if n == 0 {
			return nil
		}
		outs, err := sub.submit(ctx, name, f, batch.Bytes(), meta)
		if err != nil {
			return err
		}
		for _, o := range outs {
			o.where = fmt.Sprintf("%s:%d", name, first+lineOffset(o.where))
			sum.add(o)
		}
		batch.Reset()
		n = 0
		return nil
	}
	for sc.Scan() {
		line++
		if n == 0 {
			first = line
		}
		batch.Write(sc.Bytes())
		batch.WriteByte('\n')
		n++
		if n >= ndjsonBatch {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s line %d: %w", name, line+1, err)
	}
	return send()
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
	var ct string
	switch f {
	case intake.FormatJSON:
		ct = "application/json"
	case intake.FormatNDJSON:
		ct = "application/x-ndjson"
	case intake.FormatText:
		ct = "text/plain; charset=utf-8"
	}
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
		if f != intake.FormatNDJSON {
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
	if f == intake.FormatNDJSON {
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

// natsSubmitter validates locally and publishes onto articles.raw.<source>.
type natsSubmitter struct {
	nc   *nats.Conn
	js   jetstream.JetStream
	seen *natsbus.SeenSet
}

func newNATSSubmitter(ctx context.Context, u string) (*natsSubmitter, error) {
	nc, err := nats.Connect(u, nats.Name("newsflow-publish"), nats.Timeout(5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", u, err)
	}
	js, err := natsbus.NewJetStream(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if _, err := js.Stream(ctx, natsbus.StreamRaw); err != nil {
		nc.Close()
		return nil, fmt.Errorf("stream %s on %s: %w (is newsflow running?)", natsbus.StreamRaw, u, err)
	}
	seen, err := natsbus.OpenSeenSet(ctx, js, 30*24*time.Hour, 1)
	if err != nil {
		seen = nil // the pipeline still drops duplicates in ingest
	}
	return &natsSubmitter{nc: nc, js: js, seen: seen}, nil
}

func (n *natsSubmitter) close() {
	_ = n.nc.Flush()
	n.nc.Close()
}

func (n *natsSubmitter) submit(ctx context.Context, where string, f intake.Format, data []byte, meta intake.Meta) ([]outcome, error) {
	var outs []outcome
	err := intake.Decode(bytes.NewReader(data), f, meta, func(it intake.Item) error {
		o := outcome{where: fmt.Sprintf("#%d", it.Index)}
		if f != intake.FormatNDJSON {
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
		if n.seen != nil {
			if dup, err := n.seen.Contains(ctx, it.Article.ID, it.Article.ContentHash); err == nil && dup {
				o.status = "duplicate"
				outs = append(outs, o)
				return nil
			}
		}
		dup, err := natsbus.PublishRaw(ctx, n.js, it.Article)
		if err != nil {
			return err
		}
		o.status = "accepted"
		if dup {
			o.status = "duplicate"
		}
		outs = append(outs, o)
		return nil
	})
	return outs, err
}
