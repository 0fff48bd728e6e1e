package main

import (
	"flag"
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/pflag"

	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/index"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/poller"
	"github.com/newsflow/newsflow/services/watch"
)

// worker is a worker binary of services/*/cmd/* as its reference shows it.
type worker struct {
	name, short, more string
	// register adds the worker's own flags, as its main does.
	register func(fs *flag.FlagSet) service.Config
}

// workers are the worker binaries; register is what each main passes to
// service.Main (TestCLIDocsWorkers checks that every main is here).
var workers = []worker{
	{"ingest", "the ingest stage: accepts submissions (POST /v1/articles, articles.raw.>), validates, normalises and deduplicates them", "operations.md#running-the-workers-separately",
		func(fs *flag.FlagSet) service.Config { c := ingest.DefaultConfig(); c.RegisterFlags(fs); return &c }},
	{"enrich", "the enrich stage: cleans the body, detects the language, extracts what the article is about, groups stories", "enrichment.md",
		func(fs *flag.FlagSet) service.Config { c := enrich.DefaultConfig(); c.RegisterFlags(fs); return &c }},
	{"index", "the index stage and the search API: /v1/search, /v1/articles/{id} and the search page", "search.md",
		func(fs *flag.FlagSet) service.Config { c := index.DefaultConfig(); c.RegisterFlags(fs); return &c }},
	{"poller", "polls the feeds and sitemaps of `newsflow sources` and publishes their new items", "operations.md#feeds-and-sitemaps-the-poller",
		func(fs *flag.FlagSet) service.Config { c := poller.DefaultConfig(); c.RegisterFlags(fs, ""); return &c }},
	{"watch", "matches every indexed article against the saved searches: alerts on alerts.<watch> and webhooks", "operations.md#watches-alerts-and-webhooks",
		func(fs *flag.FlagSet) service.Config { c := watch.DefaultConfig(); c.RegisterFlags(fs); return &c }},
}

// commonWorkerFlags is the heading of the flags every worker takes.
const commonWorkerFlags = "Common worker flags"

// writeWorkerDocs writes the workers' reference: the flags they share,
// then each worker's own, from the flag sets service.Main parses (as on one
// core, like the commands).
func writeWorkerDocs(b *strings.Builder) error {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	common, err := service.Flags("WORKER", nil)
	if err != nil {
		return err
	}
	b.WriteString("\n## Workers\n\n" +
		"The worker binaries (`make build` puts them in `bin/`; [operations.md](operations.md#running-the-workers-separately)\n" +
		"runs them) take the [common worker flags](#" + anchor(strings.ToLower(commonWorkerFlags)) + ") and their own; `<worker> --help` lists both.\n" +
		"`<worker> healthcheck` asks the `/healthz` of the worker at `--http` and exits 0 when it answers 200 (for container\n" +
		"health checks).\n\n")
	for _, w := range workers {
		fmt.Fprintf(b, "- [`%s`](#%s) - %s\n", w.name, w.name, w.short)
	}
	fmt.Fprintf(b, "\n### %s\n\n```\n%s\n```\n\nFlags:\n\n```\n%s```\n", commonWorkerFlags, service.UsageLine("WORKER"), common.FlagUsagesWrapped(100))
	for _, w := range workers {
		all, err := service.Flags(w.name, w.register)
		if err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		own := pflag.NewFlagSet(w.name, pflag.ContinueOnError)
		own.SortFlags = true
		all.VisitAll(func(f *pflag.Flag) {
			if common.Lookup(f.Name) == nil {
				own.AddFlag(f)
			}
		})
		fmt.Fprintf(b, "\n### %s\n\n%s (more in [%s](%s)).\n\n```\n%s\n```\n", w.name, upperFirst(w.short), strings.Split(w.more, "#")[0], w.more, service.UsageLine(w.name))
		fmt.Fprintf(b, "\nFlags, besides the [common ones](#%s):\n\n```\n%s```\n", anchor(strings.ToLower(commonWorkerFlags)), own.FlagUsagesWrapped(100))
	}
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
