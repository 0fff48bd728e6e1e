// Command quality measures the enrich stage against the shared corpus and
// the gold set and writes the report docs/quality.md (`make quality`).
//
//	go run ./services/enrich/cmd/quality [-corpus DIR] [-gold DIR] [-out FILE|-] [-only TITLE,...] [-v] [-removed FILE]
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/services/enrich/quality"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quality:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("quality", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpusDir := fs.String("corpus", corpus.Find(), "the shared test corpus (default $"+corpus.EnvVar+" or ../shared/corpus)")
	goldDir := fs.String("gold", "services/enrich/testdata/gold", "the gold set directory")
	keywordJudgements := fs.String("keywords", "services/enrich/testdata/keywords/heldout.jsonl", "the keyword judgements of held-out articles")
	keywordTuning := fs.String("keywords-tuning", "services/enrich/testdata/keywords/tuning.jsonl", "the keyword judgements of the tuning set (-v prints its misses)")
	speakers := fs.String("speakers", "services/enrich/testdata/speakers", "the quote speaker annotations with their held-out half")
	out := fs.String("out", "docs/quality.md", `the report file, "-" for standard output`)
	only := fs.String("only", "", "comma-separated section titles to run (default all); they replace the same sections of an existing -out file")
	verbose := fs.Bool("v", false, "print each miss to standard error")
	removed := fs.String("removed", "", "write every line and fragment the cleaner removes across the corpus to this file (it holds corpus text: keep it out of the repository)")
	nerCache := fs.String("ner-cache", "", "a directory to keep the held-out folds' tagger models in, reused while they exist (delete them after changing the tagger)")
	nerErrors := fs.String("ner-errors", "", "write the held-out entity section's wrong names and missed entities to this file (corpus text: keep it out of the repository)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpusDir == "" {
		return fmt.Errorf("corpus not found: pass -corpus or set %s", corpus.EnvVar)
	}
	env, err := newEnv(*corpusDir, *goldDir, *nerCache)
	if err == nil {
		env.SpeakersDir = *speakers
		env.KeywordJudgements = *keywordJudgements
		env.KeywordTuning = *keywordTuning
	}
	if err != nil {
		return err
	}
	env.Log = io.Discard
	if *verbose {
		env.Log = stderr
	}
	if *removed != "" {
		f, cerr := os.Create(*removed)
		if cerr != nil {
			return fmt.Errorf("create removed-lines file: %w", cerr)
		}
		w := bufio.NewWriter(f)
		env.Removed = w
		defer func() {
			if ferr := w.Flush(); ferr != nil && err == nil {
				err = fmt.Errorf("write removed-lines file: %w", ferr)
			}
			if cerr := f.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("close removed-lines file: %w", cerr)
			}
		}()
	}
	if *nerErrors != "" {
		f, cerr := os.Create(*nerErrors)
		if cerr != nil {
			return fmt.Errorf("create NER errors file: %w", cerr)
		}
		defer f.Close()
		env.NERErrors = f
	}
	secs := sections()
	if *only != "" {
		want := strings.Split(*only, ",")
		secs = slices.DeleteFunc(secs, func(s quality.Section) bool { return !slices.Contains(want, s.Title) })
		if len(secs) == 0 {
			return fmt.Errorf("-only %q names no section", *only)
		}
	}
	var buf bytes.Buffer
	repErr := quality.Report(ctx, &buf, env, secs)
	if errors.Is(repErr, context.Canceled) {
		return repErr
	}
	report := buf.Bytes()
	if *only != "" && *out != "-" {
		// A partial run replaces only its own sections of an existing report.
		if old, rerr := os.ReadFile(*out); rerr == nil {
			report = spliceSections(old, report)
		}
	}
	if *out == "-" {
		_, err = stdout.Write(report)
	} else {
		err = os.WriteFile(*out, report, 0o644)
		if err == nil {
			fmt.Fprintf(stderr, "quality: wrote %s\n", *out)
		}
	}
	return errors.Join(repErr, err)
}

// splitSections cuts a report at its "## " headings: the text before the
// first heading, then each section (heading included) with its title.
func splitSections(report []byte) (head string, titles []string, bodies map[string]string) {
	bodies = map[string]string{}
	cur := ""
	var b strings.Builder
	flush := func() {
		if cur == "" {
			head = b.String()
		} else {
			bodies[cur] = b.String()
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(string(report), "\n") {
		if title, ok := strings.CutPrefix(line, "## "); ok {
			flush()
			cur = strings.TrimSpace(title)
			titles = append(titles, cur)
		}
		b.WriteString(line)
	}
	flush()
	return head, titles, bodies
}

// spliceSections puts the sections of a partial report in place of the
// same sections of the old one, keeping every other section as it was;
// sections the old report lacks are added at the end.
func spliceSections(old, partial []byte) []byte {
	head, titles, bodies := splitSections(old)
	_, newTitles, newBodies := splitSections(partial)
	for _, t := range newTitles {
		if _, ok := bodies[t]; !ok {
			titles = append(titles, t)
		}
		bodies[t] = newBodies[t]
	}
	var b strings.Builder
	b.WriteString(head)
	for i, t := range titles {
		body := strings.TrimRight(bodies[t], "\n") + "\n"
		if i < len(titles)-1 {
			body += "\n"
		}
		b.WriteString(body)
	}
	return []byte(b.String())
}
