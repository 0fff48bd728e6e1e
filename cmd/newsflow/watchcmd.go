package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
	"github.com/newsflow/newsflow/services/watch"
)

const watchHelp = `Saved searches that alert.

A watch is a saved search: every article indexed from now on that matches
QUERY (the search query language, docs/search.md) makes one alert on
alerts.<NAME> (or alerts.<SUBJ>) and, with --webhook, a signed POST.
Common flags: --url (env NEWSFLOW_URL), --api-token, --read-token.
`

func watchCommand() *cobra.Command {
	sub := func(use, short string, args cobra.PositionalArgs) *cobra.Command {
		name, _, _ := strings.Cut(use, " ")
		return leaf(use, short, args, func(fs *flag.FlagSet) runFunc { return watchFlags(name, fs) })
	}
	g := group("watch", "saved searches that alert: add, list, show, rm, test",
		sub("add NAME QUERY", "save a search that alerts on every new match", cobra.ExactArgs(2)),
		sub("list", "every watch", nil),
		sub("show NAME", "one watch", cobra.ExactArgs(1)),
		sub("rm NAME", "remove a watch", cobra.ExactArgs(1)),
		sub("test NAME", "the indexed articles a watch matches now", cobra.ExactArgs(1)))
	g.Long = watchHelp
	return g
}

// watchFlags declares the flags of watch sub on fs.
func watchFlags(sub string, fs *flag.FlagSet) runFunc {
	base := fs.String("url", defaultURL, "newsflow API URL (env NEWSFLOW_URL)")
	if v, ok := os.LookupEnv(envflag.EnvName("url")); ok {
		*base = v
	}
	read, api := os.Getenv(envflag.EnvName("read-token")), os.Getenv(envflag.EnvName("api-token"))
	fs.StringVar(&read, "read-token", read, "bearer token of the read API (env NEWSFLOW_READ_TOKEN)")
	fs.StringVar(&api, "api-token", api, "bearer token of the write API, also sent for reads when --read-token is empty (env NEWSFLOW_API_TOKEN)")
	asJSON := fs.Bool("json", false, "print JSON")
	var w watch.Watch
	var langs, sources, entities, entityIDs multiFlag
	replace := false
	limit := 10
	switch sub {
	case "add":
		fs.StringVar(&w.Webhook, "webhook", "", "POST every alert to this http(s) URL")
		fs.StringVar(&w.Secret, "secret", "", "key of the webhook's HMAC-SHA256 signature (Newsflow-Signature header)")
		fs.StringVar(&w.Subject, "subject", "", "publish alerts on alerts.SUBJ instead of alerts.NAME")
		fs.Var(&langs, "lang", "only articles in this language (repeatable)")
		fs.Var(&sources, "source", "only articles from this source (repeatable)")
		fs.Var(&entities, "entity", "only articles naming this entity (repeatable)")
		fs.Var(&entityIDs, "entity-id", "only articles naming the entity with this id (repeatable)")
		fs.BoolVar(&replace, "replace", false, "replace a watch of the same name")
	case "test":
		fs.IntVar(&limit, "limit", limit, "number of matching articles to show")
	}
	return func(ctx context.Context, pos []string, stdout, stderr io.Writer) error {
		readToken := read
		if readToken == "" {
			readToken = api
		}
		rc, err := newAPIClient(*base, readToken)
		if err != nil {
			return err
		}
		wc, err := newAPIClient(*base, api)
		if err != nil {
			return err
		}
		switch sub {
		case "add":
			w.Name, w.Query = pos[0], pos[1]
			w.Langs, w.Sources, w.Entities, w.EntityIDs = langs, sources, entities, entityIDs
			// The parser's error, before asking the server.
			if _, err := w.Validate(analysis.NewSet()); err != nil {
				return err
			}
			body, err := json.Marshal(&w)
			if err != nil {
				return err
			}
			var got watch.Watch
			if replace {
				_, err = wc.do(ctx, http.MethodPut, "/v1/watches/"+url.PathEscape(w.Name), "application/json", body, &got, http.StatusOK)
			} else {
				_, err = wc.do(ctx, http.MethodPost, "/v1/watches", "application/json", body, &got, http.StatusCreated)
			}
			if err != nil {
				return err
			}
			if *asJSON {
				return printJSON(stdout, got)
			}
			_, err = fmt.Fprintf(stdout, "watch %s saved: alerts on %s%s\n", got.Name, got.AlertSubject(), webhookNote(&got))
			return err
		case "list":
			var res struct {
				Watches []watch.Watch `json:"watches"`
			}
			var raw json.RawMessage
			if _, err := rc.do(ctx, http.MethodGet, "/v1/watches", "", nil, &raw, http.StatusOK); err != nil {
				return err
			}
			if *asJSON {
				_, err := fmt.Fprintln(stdout, string(raw))
				return err
			}
			if err := json.Unmarshal(raw, &res); err != nil {
				return fmt.Errorf("decode watches: %w", err)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tQUERY\tSUBJECT\tWEBHOOK")
			for _, x := range res.Watches {
				hook := x.Webhook
				if hook == "" {
					hook = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", x.Name, truncate(x.Query, 60), x.AlertSubject(), hook)
			}
			return tw.Flush()
		case "show":
			var raw json.RawMessage
			if _, err := rc.do(ctx, http.MethodGet, "/v1/watches/"+url.PathEscape(pos[0]), "", nil, &raw, http.StatusOK); err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := json.Indent(&buf, raw, "", "  "); err != nil {
				return err
			}
			buf.WriteByte('\n')
			_, err := stdout.Write(buf.Bytes())
			return err
		case "rm":
			if _, err := wc.do(ctx, http.MethodDelete, "/v1/watches/"+url.PathEscape(pos[0]), "", nil, nil, http.StatusNoContent); err != nil {
				return err
			}
			_, err := fmt.Fprintf(stdout, "watch %s removed\n", pos[0])
			return err
		case "test":
			var x watch.Watch
			if _, err := rc.do(ctx, http.MethodGet, "/v1/watches/"+url.PathEscape(pos[0]), "", nil, &x, http.StatusOK); err != nil {
				return err
			}
			v := url.Values{}
			v.Set("q", x.Query)
			for k, vs := range map[string][]string{"lang": x.Langs, "source": x.Sources, "entity": x.Entities, "entity_id": x.EntityIDs} {
				for _, s := range vs {
					v.Add(k, s)
				}
			}
			v.Set("sort", search.SortDate)
			v.Set("limit", strconv.Itoa(limit))
			var raw json.RawMessage
			if _, err := rc.do(ctx, http.MethodGet, "/v1/search?"+v.Encode(), "", nil, &raw, http.StatusOK); err != nil {
				return err
			}
			if *asJSON {
				_, err := fmt.Fprintln(stdout, string(raw))
				return err
			}
			var res search.Result
			if err := json.Unmarshal(raw, &res); err != nil {
				return fmt.Errorf("decode search answer: %w", err)
			}
			fmt.Fprintf(stdout, "watch %s (%s) matches %d indexed articles; the newest:\n", x.Name, x.Query, res.Total)
			return printHits(stdout, &res, 0)
		}
		return errors.New("unreachable")
	}
}

func webhookNote(w *watch.Watch) string {
	if w.Webhook == "" {
		return ""
	}
	s := " and POST " + w.Webhook
	if w.SecretSet {
		s += " (signed)"
	}
	return s
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
