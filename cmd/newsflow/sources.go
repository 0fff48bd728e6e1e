package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/services/poller"
)

const sourcesHelp = `Feeds and sitemaps to poll.

The poller (the poller worker, or newsflow up) publishes each new item onto
articles.raw.<NAME>. add fetches URL once to tell what it is (without --kind).
Connection flags: --nats URL, --nats-creds, --nats-nkey, --nats-user/--nats-password,
--nats-token, --nats-tls-ca/--nats-tls-cert/--nats-tls-key, --data DIR.
`

func sourcesCommand() *cobra.Command {
	sub := func(use, short string, args cobra.PositionalArgs) *cobra.Command {
		name, _, _ := strings.Cut(use, " ")
		return leaf(use, short, args, func(fs *flag.FlagSet) runFunc { return sourcesFlags(name, fs) })
	}
	g := group("sources", "feeds and sitemaps to poll: add, list, rm",
		sub("add URL", "poll a feed (RSS, Atom, JSON Feed), a sitemap, a sitemap index, or the feed a site's page links", cobra.ExactArgs(1)),
		sub("list", "every source: last fetch, status, items, errors", nil),
		sub("rm NAME", "stop polling a source", cobra.ExactArgs(1)))
	g.Long = sourcesHelp
	return g
}

// sourcesFlags declares the flags of sources sub on fs.
func sourcesFlags(sub string, fs *flag.FlagSet) runFunc {
	var nf natsFlags
	nf.register(fs)
	on := subFlags(sub, fs)
	name := on("add").String("source", "", "the source's name (default: from the site's host name); items go to articles.raw.<name>")
	interval := on("add").Duration("interval", 5*time.Minute, "time between polls")
	kind := on("add").String("kind", "", "feed, sitemap or sitemap_index: poll URL as that, without fetching it first")
	asJSON := on("add", "list", "rm").Bool("json", false, "print JSON")
	replicas := fs.Int("replicas", 1, "replicas of the NEWSFLOW_SOURCES bucket when this creates it (3 in a cluster)")
	return func(ctx context.Context, pos []string, stdout, stderr io.Writer) error {
		var err error
		var src poller.Source
		if sub == "add" {
			if src, err = newSource(ctx, pos[0], *name, poller.Kind(*kind), *interval); err != nil {
				return err
			}
		}
		nc, js, err := nf.connect("sources")
		if err != nil {
			return err
		}
		defer closeConn(nc)
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		store, err := poller.LookupStore(cctx, js, *replicas)
		if err != nil {
			return err
		}
		switch sub {
		case "add":
			if err := store.Add(cctx, src); err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(stdout, src)
			}
			fmt.Fprintf(stdout, "source %s: %s %s every %s -> articles.raw.%s\n", src.Name, src.Kind, src.URL, time.Duration(src.Interval), src.Name)
			return nil
		case "rm":
			if err := store.Remove(cctx, pos[0]); err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(stdout, map[string]string{"removed": pos[0]})
			}
			fmt.Fprintf(stdout, "source %s removed\n", pos[0])
			return nil
		}
		list, err := store.List(cctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if list == nil {
				list = []poller.Source{}
			}
			return writeJSON(stdout, list)
		}
		printSources(stdout, list, time.Now())
		return nil
	}
}

// newSource makes the source of rawURL: probed unless kind is given.
func newSource(ctx context.Context, rawURL, name string, kind poller.Kind, interval time.Duration) (poller.Source, error) {
	src := poller.Source{URL: rawURL, Kind: kind, Interval: poller.Duration(interval), AddedAt: time.Now().UTC(), Name: name}
	if kind == "" {
		pctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		p, err := poller.Probe(pctx, &http.Client{Timeout: 30 * time.Second}, poller.DefaultConfig().UserAgent, rawURL)
		if err != nil {
			return src, fmt.Errorf("%w (give --kind to add it without fetching it)", err)
		}
		src.URL, src.Kind, src.Site = p.URL, p.Kind, p.Site
	}
	if src.Name == "" {
		site := src.Site
		if site == "" {
			site = src.URL
		}
		if u, err := url.Parse(site); err == nil {
			src.Name = article.SourceToken(u.Hostname())
		}
	}
	if err := src.Validate(); err != nil {
		if errors.Is(err, poller.ErrInvalidSource) && name == "" {
			return src, fmt.Errorf("%w (name it with --source)", err)
		}
		return src, err
	}
	return src, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printSources(w io.Writer, list []poller.Source, now time.Time) {
	if len(list) == 0 {
		fmt.Fprintln(w, "no sources (add one with: newsflow sources add URL)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tEVERY\tSTATUS\tLAST FETCH\tLAST SUCCESS\tITEMS\tERRORS\tURL")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.Name, s.Kind, time.Duration(s.Interval), s.State.Status,
			ago(s.State.LastFetch, now), ago(s.State.LastSuccess, now), s.State.ItemsSeen, s.State.Errors, s.URL)
	}
	_ = tw.Flush()
	for _, s := range list {
		if s.State.Error != "" {
			fmt.Fprintf(w, "%s: %s\n", s.Name, oneLine(s.State.Error))
		}
	}
}

func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return now.Sub(t).Round(time.Second).String() + " ago"
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
