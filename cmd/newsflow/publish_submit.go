package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/nats-io/nats.go"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/services/ingest"
)

// outcome is what happened to one submitted article.
type outcome struct {
	where  string // file and line or item
	id     string
	status string // accepted, duplicate, rejected
	reason string
	// warnings name what of an accepted article could not be used.
	warnings []string
}

// submitter sends one submission and reports an outcome per article.
type submitter interface {
	submit(ctx context.Context, where string, f intake.Format, data []byte, meta intake.Meta) ([]outcome, error)
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
		ID       string   `json:"id"`
		Status   string   `json:"status"`
		Index    int      `json:"index"`
		Warnings []string `json:"warnings"`
		Error    *struct {
			Code, Message, Field string
		} `json:"error"`
	}
	conv := func(r result) outcome {
		o := outcome{where: fmt.Sprintf("#%d", r.Index), id: r.ID, status: r.Status, warnings: r.Warnings}
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
	outs, arts, pos, err := prepareLocal(where, f, data, meta)
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
	outs, _, pos, err := prepareLocal(where, f, data, meta)
	for _, i := range pos {
		outs[i].status = "accepted"
	}
	if err != nil {
		// The document as a whole is unreadable: one rejection for it.
		return append(outs, outcome{where: where, status: "rejected", reason: err.Error()}), nil
	}
	return outs, nil
}

// prepareLocal decodes and validates a submission locally: one outcome per
// item, rejected with its reason or carrying the article's id, and the
// valid articles with their places in the outcomes.
func prepareLocal(where string, f intake.Format, data []byte, meta intake.Meta) (outs []outcome, arts []*article.Article, pos []int, err error) {
	err = intake.Decode(bytes.NewReader(data), f, meta, func(it intake.Item) error {
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
		o.id, o.warnings = it.Article.ID, it.Article.Warnings
		outs = append(outs, o)
		arts = append(arts, it.Article)
		pos = append(pos, len(outs)-1)
		return nil
	})
	return outs, arts, pos, err
}
