// Command train trains the named-entity tagger on the public annotations
// and writes the model pkg/entities embeds, and the entity-id aliases
// learned from the annotations' cross-lingual ids (`make ner-model`):
//
//	go run ./pkg/entities/train [-data DIR] [-out FILE] [-exclude-topics T,...] [-epochs N] [-bits B]
//
// DIR is the corpus's ner folder (BSNLP token files and conll2003/eng.train).
// The training is deterministic: the same data and flags give the same file.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/entities"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	def := ""
	if d := corpus.Find(); d != "" {
		def = filepath.Join(d, "ner")
	}
	data := fs.String("data", def, "the corpus's ner folder (default $"+corpus.EnvVar+"/ner or ../shared/corpus/ner)")
	out := fs.String("out", "pkg/entities/data/ner-model.bin.gz", "the model file to write (\"\" for none: the aliases alone)")
	aliases := fs.String("aliases", "pkg/entities/data/aliases.tsv", "the entity-id aliases file to write (\"\" for none)")
	exclude := fs.String("exclude-topics", "", "comma-separated BSNLP topics to leave out (to train a model for a held-out fold)")
	epochs := fs.Int("epochs", 0, "passes over the data (default 6)")
	bits := fs.Uint("bits", 0, "log2 of the feature buckets (default 20)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		return fmt.Errorf("training data not found: pass -data or set %s", corpus.EnvVar)
	}
	start := time.Now()
	sents, err := entities.ReadTrainingData(*data, strings.FieldsFunc(*exclude, func(r rune) bool { return r == ',' }))
	if err != nil {
		return err
	}
	g, err := entities.NewGazetteer()
	if err != nil {
		return err
	}
	if *out != "" {
		if err := trainModel(g, sents, *out, *epochs, *bits); err != nil {
			return err
		}
	}
	if *aliases != "" {
		items, err := entities.ReadAliasItems(filepath.Join(*data, "bsnlp-entities.jsonl"), strings.FieldsFunc(*exclude, func(r rune) bool { return r == ',' }))
		if err != nil {
			return err
		}
		f, err := os.Create(*aliases)
		if err != nil {
			return fmt.Errorf("create aliases file: %w", err)
		}
		if err := errors.Join(entities.WriteAliases(f, g.BuildAliases(items)), f.Close()); err != nil {
			return fmt.Errorf("write aliases: %w", err)
		}
	}
	fmt.Fprintf(os.Stderr, "train: %d sentences in %s\n", len(sents), time.Since(start).Round(time.Second))
	return nil
}

// trainModel trains the tagger on sents and writes it to path.
func trainModel(g *entities.Gazetteer, sents []entities.TrainSentence, path string, epochs int, bits uint) error {
	m := entities.New(g).Train(sents, entities.TrainOptions{Epochs: epochs, Bits: bits, Log: os.Stderr})
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create model file: %w", err)
	}
	if err := m.Write(f); err != nil {
		f.Close()
		return fmt.Errorf("write model: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "train: wrote %s (%d bytes)\n", path, st.Size())
	return nil
}
