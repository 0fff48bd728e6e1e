package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/intake"
)

// ndjsonBatch is how many NDJSON lines go in one HTTP request.
const ndjsonBatch = 500

type summary struct {
	mu                   sync.Mutex
	accepted, duplicates int
	rejected             []outcome
	warned               []outcome // accepted with warnings
	all                  []outcome // every outcome, for the ids and --json
}

func (s *summary) add(o outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, o)
	if len(o.warnings) > 0 && o.status != "rejected" {
		s.warned = append(s.warned, o)
	}
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

const publishHelp = `Publishes articles through the HTTP API (--url), straight onto NATS (--nats), or
nowhere (--dry-run: decode and validate only).

PATH is a file, or a folder searched recursively, of .json, .jsonl/.ndjson, .txt, .html/.htm
or RSS/Atom .xml/.rss/.atom files; GLOB is a pattern such as 'feeds/*.xml'; - reads
standard input (format detected from its content). Prints the summary, then the id of each
new article (for 'newsflow get ID'). Exit status 1 when any article was rejected, 2 on usage errors.`

func publishFlags(fset *flag.FlagSet) runFunc {
	base := fset.String("url", defaultURL, "newsflow API URL (env NEWSFLOW_URL)")
	var nf natsFlags
	nf.registerCreds(fset)
	fset.Lookup("nats").Usage = "publish straight onto NATS at this URL (host:port or nats://host:port; default from NATS_URL, unless --url is given) instead of the HTTP API"
	token := fset.String("api-token", "", "bearer token for the API (env NEWSFLOW_API_TOKEN)")
	source := fset.String("source", "", "source of articles that do not name one")
	concurrency := fset.Int("concurrency", 4, "submissions in flight at once")
	batch := fset.Int("batch", ndjsonBatch, "NDJSON lines per submission")
	dryRun := fset.Bool("dry-run", false, "decode and validate locally, publish nothing")
	retries := fset.Int("retries", defaultRetryPolicy().Retries, "times a submission answered 503 or 429 is sent again (Retry-After honoured; resubmitting is safe)")
	retryMaxWait := fset.Duration("retry-max-wait", defaultRetryPolicy().MaxWait, "longest wait before one retry")
	progress := fset.String("progress", "auto", "progress display: auto (a bar on a terminal, lines otherwise), bar, lines, none")
	asJSON := fset.Bool("json", false, "print one JSON object: the counts and every article's id, status and reason (no progress display)")
	if v, ok := os.LookupEnv(envflag.EnvName("url")); ok {
		*base = v
	}
	if v, ok := os.LookupEnv(envflag.EnvName("api-token")); ok {
		*token = v
	}
	return func(ctx context.Context, paths []string, stdout, stderr io.Writer) error {
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
		// The command line wins over the environment: --url given there
		// publishes through the API even when NATS_URL is set, unless
		// --nats is given there too.
		urlGiven, natsGiven := onCommandLine(ctx, "url"), onCommandLine(ctx, "nats")
		if urlGiven && natsGiven {
			return usageError{fmt.Errorf("give --url (the HTTP API) or --nats (straight onto NATS), not both")}
		}
		viaNATS := nf.cfg.URL != "" && !urlGiven
		var sub submitter
		switch {
		case *dryRun:
			sub = dryRunSubmitter{}
		case viaNATS:
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
		if *asJSON {
			*progress = "none"
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
		sort.SliceStable(sum.all, func(i, j int) bool { return sum.all[i].where < sum.all[j].where })
		if *asJSON {
			if jerr := printPublishJSON(stdout, &sum, *dryRun, err); jerr != nil {
				return jerr
			}
			if err != nil {
				return err
			}
			if rej > 0 {
				return exitError{1}
			}
			return nil
		}
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
		if !*dryRun {
			for _, o := range sum.all {
				if o.status == "accepted" && o.id != "" {
					fmt.Fprintf(stdout, "  new %s  %s\n", o.id, o.where)
				}
			}
		}
		sort.SliceStable(sum.warned, func(i, j int) bool { return sum.warned[i].where < sum.warned[j].where })
		for _, o := range sum.warned {
			for _, w := range o.warnings {
				fmt.Fprintf(stdout, "  warning %s: %s\n", o.where, w)
			}
		}
		if rej > 0 {
			sort.SliceStable(sum.rejected, func(i, j int) bool { return sum.rejected[i].where < sum.rejected[j].where })
			for _, o := range sum.rejected {
				fmt.Fprintf(stdout, "  rejected %s: %s\n", o.where, o.reason)
			}
			return exitError{1}
		}
		return nil
	}
}

// publishJSON is what publish --json prints.
type publishJSON struct {
	Accepted   int                  `json:"accepted"`
	Duplicates int                  `json:"duplicates"`
	Rejected   int                  `json:"rejected"`
	DryRun     bool                 `json:"dry_run,omitempty"`
	Error      string               `json:"error,omitempty"`
	Articles   []publishJSONArticle `json:"articles"`
}

type publishJSONArticle struct {
	ID       string   `json:"id,omitempty"`
	Status   string   `json:"status"`
	Where    string   `json:"where"`
	Reason   string   `json:"reason,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

func printPublishJSON(w io.Writer, sum *summary, dryRun bool, runErr error) error {
	acc, dup, rej := sum.counts()
	out := publishJSON{Accepted: acc, Duplicates: dup, Rejected: rej, DryRun: dryRun, Articles: make([]publishJSONArticle, 0, len(sum.all))}
	if runErr != nil {
		out.Error = runErr.Error()
	}
	for _, o := range sum.all {
		out.Articles = append(out.Articles, publishJSONArticle{ID: o.id, Status: o.status, Where: o.where, Reason: o.reason, Warnings: o.warnings})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
