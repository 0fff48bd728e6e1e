package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/bench"
	"github.com/newsflow/newsflow/pkg/corpus"
)

func benchFlags(fs *flag.FlagSet) runFunc {
	cfg := bench.DefaultConfig()
	var nf natsFlags
	nf.register(fs)
	fs.IntVar(&cfg.Articles, "articles", cfg.Articles, "articles to publish (corpus articles re-identified to reach it)")
	fs.Float64Var(&cfg.Rate, "rate", cfg.Rate, "offered load in articles/s (0: as fast as possible)")
	fs.IntVar(&cfg.InFlight, "in-flight", cfg.InFlight, "unacknowledged async publishes at most")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "stop waiting after this long without an indexed event; the rest is lost")
	fs.BoolVar(&cfg.Baseline, "baseline", cfg.Baseline, "also run the raw JetStream baseline")
	fs.BoolVar(&cfg.Floors, "floors", cfg.Floors, "also measure each stage's handler alone on the same articles (no bus), their sum with the baseline as the bound, and the pipeline as a ratio of it")
	fs.BoolVar(&cfg.Stages, "stages", cfg.Stages, "after the run, split each article's latency by stage (submit, ingest, enrich, index wait, index write) from the times the stages leave on it, read back from the streams")
	fs.StringVar(&cfg.HTTP, "http", cfg.HTTP, "post the articles to the ingest API at this base URL (http://host:port, /v1/articles) instead of publishing them over NATS; 429 and 503 answers are counted as refused (--in-flight requests at once)")
	fs.StringVar(&cfg.APIToken, "api-token", "", "bearer token of the ingest API, with --http (env NEWSFLOW_API_TOKEN)")
	var files, metrics multiFlag
	fs.Var(&files, "corpus", "JSONL article file (repeatable; default: every *.jsonl of the corpus)")
	fs.Var(&metrics, "metrics-url", "the pipeline's /metrics URL (repeatable, one per process; default http://127.0.0.1:8080/metrics; \"none\" to skip)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		cfg.NATS = nf.config()
		cfg.Corpus = files
		if cfg.APIToken == "" {
			cfg.APIToken = os.Getenv("NEWSFLOW_API_TOKEN")
		}
		if len(cfg.Corpus) == 0 {
			dir := corpus.Find()
			if dir == "" {
				return fmt.Errorf("no corpus: give --corpus FILE or set %s", corpus.EnvVar)
			}
			f, err := bench.CorpusFiles(dir)
			if err != nil {
				return err
			}
			cfg.Corpus = f
		}
		if len(metrics) > 0 {
			cfg.MetricsURLs = metrics
			if len(metrics) == 1 && metrics[0] == "none" {
				cfg.MetricsURLs = nil
			}
		}
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) || !*asJSON {
			cfg.Progress = stderr
		}
		rep, err := bench.Run(ctx, cfg)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}
		return printReport(stdout, rep)
	}
}

func printReport(w io.Writer, r *bench.Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "articles\t%d (avg %d bytes)\n", r.Articles, r.PayloadBytes)
	if r.OfferedPerS > 0 {
		fmt.Fprintf(tw, "offered\t%.0f/s\n", r.OfferedPerS)
	}
	fmt.Fprintf(tw, "published\t%d at %.0f/s\n", r.Published, r.PublishedPerS)
	if r.Refused > 0 || r.HTTPFailed > 0 {
		fmt.Fprintf(tw, "refused by the edge\t%d (429 or 503; other failures %d)\n", r.Refused, r.HTTPFailed)
	}
	fmt.Fprintf(tw, "indexed\t%d at %.0f/s over %.2f s\n", r.Indexed, r.IndexedPerS, r.DurationS)
	fmt.Fprintf(tw, "lost\t%d (duplicate events %d)\n", r.Lost, r.DuplicateEvts)
	fmt.Fprintf(tw, "end to end ms\tp50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n", r.E2EMs.P50, r.E2EMs.P95, r.E2EMs.P99, r.E2EMs.Max)
	if r.BaselinePerS > 0 {
		fmt.Fprintf(tw, "raw JetStream baseline\t%.0f/s (%d hops; lost %d)\n", r.BaselinePerS, bench.Hops, r.BaselineLost)
		fmt.Fprintf(tw, "ratio\t%.2f (indexed/s over baseline/s)\n", r.Ratio)
	}
	stages := make([]string, 0, len(r.StagesPerS))
	for s := range r.StagesPerS {
		stages = append(stages, s)
	}
	sort.Strings(stages)
	for _, s := range stages {
		fmt.Fprintf(tw, "stage %s\t%.0f/s\n", s, r.StagesPerS[s])
	}
	if r.CPUSeconds > 0 {
		fmt.Fprintf(tw, "pipeline cpu\t%.1f s (%.2f cores)\n", r.CPUSeconds, r.CPUCores)
	}
	if r.PeakRSSBytes > 0 {
		fmt.Fprintf(tw, "pipeline peak rss\t%.0f MiB\n", r.PeakRSSBytes/(1<<20))
		if r.PeakAnonBytes > 0 {
			fmt.Fprintf(tw, "pipeline peak rss without mapped files\t%.0f MiB\n", r.PeakAnonBytes/(1<<20))
		}
	}
	if st := r.Stages; st != nil && len(st.Parts) > 0 {
		fmt.Fprintf(tw, "\nlatency by stage (%d articles), ms\tp50\tp95\tp99\tmean of the slowest 1%% (%.1f)\n", st.Articles, st.TailMeanMs)
		for _, p := range st.Parts {
			fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\n", p.Name, p.Ms.P50, p.Ms.P95, p.Ms.P99, p.TailMeanMs)
		}
	}
	if f := r.Floors; f != nil {
		fmt.Fprintf(tw, "\nfloor (per article, %d at once)\tms\n", f.Concurrency)
		fmt.Fprintf(tw, "ingest handler\t%.3f\n", f.IngestMs)
		fmt.Fprintf(tw, "enrich handler\t%.3f\n", f.EnrichMs)
		fmt.Fprintf(tw, "index write, merges settled\t%.3f (%.3f after the last write)\n", f.IndexMs, f.IndexSettleMs)
		fmt.Fprintf(tw, "bus (raw baseline, %d hops)\t%.3f\n", bench.Hops, f.BusMs)
		fmt.Fprintf(tw, "sum = bound\t%.3f (%.0f/s)\n", f.SumMs, f.BoundPerS)
		fmt.Fprintf(tw, "pipeline\t%.0f/s = %.2f of the bound\n", f.PipelinePerS, f.OfBound)
	}
	if r.MetricsWarning != "" {
		fmt.Fprintf(tw, "note\t%s\n", r.MetricsWarning)
	}
	return tw.Flush()
}
