// Command nercv measures a tagger setting by cross-validation inside the
// training folds of `make quality`, so that settings are chosen without
// reading the held-out folds: for each held-out BSNLP fold, the articles of
// the other fold are split in two by a hash of their id; a model is trained
// on one half (with the rest of the training data: CoNLL train and the
// BSNLP topics of neither fold) and scored on the other half. With -by-topic
// the halves are the training fold's two topics instead (each scored with
// a model trained without it), closer to the held-out folds, which share
// no story with their training data.
//
//	go run ./services/enrich/cmd/nercv [-corpus DIR] [-epochs N] [-by-topic [-topics T,...]] [-types] [-why] [-errors FILE]
//
// It prints F1 per language and inner split; compare two settings by
// running it on each.
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/entities"
	"github.com/newsflow/newsflow/pkg/textclean"
	"github.com/newsflow/newsflow/services/enrich/quality"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "nercv:", err)
		os.Exit(1)
	}
}

// foldTopics are the BSNLP topics of each held-out fold.
var foldTopics = map[string][]string{
	quality.FoldBrexitBibi: {"brexit", "asia_bibi"},
	quality.FoldNordRyan:   {"nord_stream", "ryanair", "other"},
}

// inner reports whether a training-fold document is in the inner
// validation half.
func inner(doc string) bool {
	h := fnv.New32a()
	h.Write([]byte(doc))
	return h.Sum32()%2 == 1
}

// split is one inner split: the outer fold left out entirely, and the
// training fold's documents scored (and not trained on).
type split struct {
	name    string
	heldOut string
	scored  func(doc string) bool
}

// splits returns the inner splits of both training folds: by article hash,
// or by topic.
func splits(byTopic bool) []split {
	var out []split
	for _, heldOut := range quality.BSNLPFolds {
		train := otherTopics(heldOut)
		if !byTopic {
			out = append(out, split{name: "hash half of the training fold for " + heldOut, heldOut: heldOut,
				scored: func(doc string) bool { return inTopics(doc, train) && inner(doc) }})
			continue
		}
		for _, t := range train {
			if t == "other" {
				continue
			}
			out = append(out, split{name: "topic " + t + " (training fold for " + heldOut + ")", heldOut: heldOut,
				scored: func(doc string) bool { return inTopics(doc, []string{t}) }})
		}
	}
	return out
}

func inTopics(doc string, topics []string) bool {
	for _, t := range topics {
		if strings.HasPrefix(doc, "bsnlp-"+t+"-") {
			return true
		}
	}
	return false
}

func run(args []string) error {
	fs := flag.NewFlagSet("nercv", flag.ContinueOnError)
	dir := fs.String("corpus", corpus.Find(), "the shared corpus directory")
	epochs := fs.Int("epochs", 0, "training epochs (default: the trainer's)")
	seed := fs.Uint64("seed", 0, "the order of the training sentences (TrainOptions.Seed): compare settings over several")
	byTopic := fs.Bool("by-topic", false, "split the training folds by topic, not by article hash")
	ids := fs.Bool("ids", false, "measure entity ids instead of the tagger")
	idErrs := fs.String("id-errors", "", "with -ids, write the inner split's gold entities that got several ids to this file")
	nerErrs := fs.String("errors", "", "write the inner splits' wrong and missed names (language, article, type, name) to this file")
	types := fs.Bool("types", false, "also print precision and recall per language and type over the splits run")
	why := fs.Bool("why", false, "also count the wrong names per language and type by kind (another type's gold form, a gold name with words added, part of one, ...)")
	only := fs.String("topics", "", "with -by-topic, run only the splits that score these topics (comma-separated, e.g. brexit,asia_bibi: error analysis that never reads the other fold)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ids {
		g, err := entities.NewGazetteer()
		if err != nil {
			return err
		}
		var w io.Writer
		if *idErrs != "" {
			f, err := os.Create(*idErrs)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		_, err = innerIDs(*dir, g, *byTopic, w)
		return err
	}
	env := &quality.Env{CorpusDir: *dir}
	tasks, err := quality.NERTasks(env)
	if err != nil {
		return err
	}
	all, err := entities.ReadTrainingData(filepath.Join(*dir, "ner"), nil)
	if err != nil {
		return err
	}
	g, err := entities.NewGazetteer()
	if err != nil {
		return err
	}
	var errw io.Writer
	if *nerErrs != "" {
		f, err := os.Create(*nerErrs)
		if err != nil {
			return err
		}
		defer f.Close()
		errw = f
	}
	total := map[string]*quality.NERCount{}
	byType := map[string]map[string]*quality.NERCount{} // language -> type
	whyCounts := map[string]int{}                       // language, type, kind
	for _, sp := range splits(*byTopic) {
		if *only != "" && !slices.ContainsFunc(strings.Split(*only, ","), func(t string) bool { return sp.name == "topic "+t+" (training fold for "+sp.heldOut+")" }) {
			continue
		}
		var train []entities.TrainSentence
		for _, s := range all {
			if inTopics(s.Doc, foldTopics[sp.heldOut]) {
				continue // the outer held-out fold: never used here
			}
			if sp.scored(s.Doc) {
				continue
			}
			train = append(train, s)
		}
		start := time.Now()
		m := entities.New(g).Train(train, entities.TrainOptions{Epochs: *epochs, Seed: *seed})
		x := entities.New(g).WithModel(m)
		by := map[string]*quality.NERCount{}
		for _, t := range tasks {
			if !sp.scored(t.Doc.ID) {
				continue
			}
			a := t.Article
			body := textclean.CleanWith(a.Body, textclean.Options{Title: a.Title}).Body
			var wrong, missed []string
			if byType[t.Doc.Lang] == nil {
				byType[t.Doc.Lang] = map[string]*quality.NERCount{}
			}
			c := quality.ScoreNERDoc(t.Doc, x.Extract(a.Title+"\n"+body, a.Lang).ArticleEntities(), byType[t.Doc.Lang], &wrong, &missed)
			if *why {
				for _, e := range wrong {
					typ, name, _ := strings.Cut(e, "\t")
					whyCounts[t.Doc.Lang+"\t"+typ+"\t"+whyWrong(t.Doc, typ, name)]++
				}
			}
			if errw != nil {
				for _, e := range wrong {
					fmt.Fprintf(errw, "%s\t%s\twrong\t%s\n", t.Doc.Lang, t.Doc.ID, e)
				}
				for _, e := range missed {
					fmt.Fprintf(errw, "%s\t%s\tmissed\t%s\n", t.Doc.Lang, t.Doc.ID, e)
				}
			}
			for _, k := range []string{t.Doc.Lang, "all"} {
				if by[k] == nil {
					by[k] = &quality.NERCount{}
				}
				by[k].Add(c)
				if total[k] == nil {
					total[k] = &quality.NERCount{}
				}
				total[k].Add(c)
			}
		}
		fmt.Printf("%s (%d sentences, %s):", sp.name, len(train), time.Since(start).Round(time.Second))
		for _, l := range append(quality.NERLangs[:6:6], "all") {
			if c := by[l]; c != nil {
				fmt.Printf(" %s %.3f", l, c.F1())
			}
		}
		fmt.Println()
	}
	fmt.Print("both inner splits:")
	for _, l := range append(quality.NERLangs[:6:6], "all") {
		if c := total[l]; c != nil {
			fmt.Printf(" %s %.3f", l, c.F1())
		}
	}
	fmt.Println()
	if *why {
		printWhy(whyCounts)
	}
	if *types {
		for _, l := range quality.NERLangs[:6:6] {
			fmt.Printf("%s:", l)
			for _, ty := range []string{"PERSON", "LOCATION", "ORGANIZATION"} {
				if c := byType[l][ty]; c != nil {
					fmt.Printf(" %s P %.3f R %.3f (%d wrong, %d missed)", ty[:3], c.Precision(), c.Recall(), c.Wrong, c.Missed)
				}
			}
			fmt.Println()
		}
	}
	return nil
}
