// Command classgen learns the word classes the entity tagger reads as
// features (pkg/entities/data/word-classes.bin.gz; `make ner-model` runs it
// before training) from unlabeled text: the corpus's article files and the
// words of CoNLL-2003 English eng.train. BSNLP articles of the annotated
// topics (asia_bibi, brexit, nord_stream, ryanair, other), and any article
// the corpus lists as a near-duplicate or similar of one, are left out, so
// that no held-out fold of `make quality` and no topic split of `nercv
// -by-topic` is in the text the classes come from; the BSNLP articles of
// the unannotated topics (covid, us_election_2020, ec, trump) stay.
//
//	go run ./pkg/entities/classgen [-corpus DIR] [-out FILE] [-min-count N] [-coarse-bits B] [-iterations N]
//
// Words are looked up as the tagger reads them: textseg tokens, an English
// possessive trimmed, in lower case. The output holds hashes of words and
// their classes, no text. It is deterministic: the same corpus and flags
// give the same file.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/textseg"
	"github.com/newsflow/newsflow/pkg/wordclass"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "classgen:", err)
		os.Exit(1)
	}
}

// articleFiles are the corpus's article files read.
var articleFiles = []string{"bg.jsonl", "bg_htfn.jsonl", "ru.jsonl", "uk.jsonl", "en.jsonl", "de.jsonl", "mixed.jsonl"}

// annotatedTopics are the BSNLP topics of the annotations (the folds of
// make quality and the topic splits of nercv).
var annotatedTopics = []string{"asia_bibi", "brexit", "nord_stream", "ryanair", "other"}

func run(args []string) error {
	fs := flag.NewFlagSet("classgen", flag.ContinueOnError)
	dir := fs.String("corpus", corpus.Find(), "the shared corpus directory (default $"+corpus.EnvVar+" or ../shared/corpus)")
	out := fs.String("out", "pkg/entities/data/word-classes.bin.gz", "the class file to write")
	minCount := fs.Int("min-count", 3, "occurrences a word needs to get a class")
	coarse := fs.Uint("coarse-bits", 6, "log2 of the top-level classes (the file has 16 times as many)")
	iters := fs.Int("iterations", 15, "exchange passes at the top level")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("corpus not found: pass -corpus or set %s", corpus.EnvVar)
	}
	start := time.Now()
	skip, err := leftOut(*dir)
	if err != nil {
		return err
	}
	var sents [][]string
	articles, skipped := 0, 0
	for _, name := range articleFiles {
		n, s, err := readArticles(filepath.Join(*dir, name), skip, &sents)
		if err != nil {
			return err
		}
		articles += n
		skipped += s
	}
	conll, err := readCoNLL(filepath.Join(*dir, "ner", "conll2003", "eng.train"), &sents)
	if err != nil {
		return err
	}
	toks := 0
	for _, s := range sents {
		toks += len(s)
	}
	fmt.Fprintf(os.Stderr, "classgen: %d articles (%d left out), %d CoNLL sentences, %d sentences, %d tokens\n", articles, skipped, conll, len(sents), toks)
	c, err := wordclass.Cluster(sents, wordclass.Options{MinCount: *minCount, CoarseBits: *coarse, Iterations: *iters, Log: os.Stderr})
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("create class file: %w", err)
	}
	if err := errors.Join(c.Write(f), f.Close()); err != nil {
		return fmt.Errorf("write class file: %w", err)
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "classgen: %d words in %d classes, wrote %s (%d bytes) in %s\n", c.Len(), 1<<c.Bits(), *out, st.Size(), time.Since(start).Round(time.Second))
	return nil
}

// annotated reports whether id is a BSNLP article of an annotated topic.
func annotated(id string) bool {
	for _, t := range annotatedTopics {
		if strings.HasPrefix(id, "bsnlp-"+t+"-") {
			return true
		}
	}
	return false
}

// leftOut returns the ids of the articles that near_duplicates.jsonl pairs
// with an annotated article (near-duplicate or similar), besides the
// annotated ones themselves.
func leftOut(dir string) (map[string]bool, error) {
	f, err := os.Open(filepath.Join(dir, "near_duplicates.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("read near-duplicates: %w", err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var p struct{ A, B string }
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("near_duplicates.jsonl: %w", err)
		}
		if annotated(p.A) {
			out[p.B] = true
		}
		if annotated(p.B) {
			out[p.A] = true
		}
	}
	return out, sc.Err()
}

// readArticles appends the sentences of the articles of a corpus file to
// sents, but for those left out; it returns how many were read and left out.
func readArticles(path string, skip map[string]bool, sents *[][]string) (int, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("read articles: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	n, skipped, line := 0, 0, 0
	for sc.Scan() {
		line++
		var a struct{ ID, Title, Body string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return 0, 0, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if annotated(a.ID) || skip[a.ID] {
			skipped++
			continue
		}
		n++
		text := a.Body
		if a.Title != "" {
			text = a.Title + "\n" + text
		}
		for _, s := range textseg.Split(text) {
			ws := make([]string, len(s.Tokens))
			for i, t := range s.Tokens {
				ws[i] = textseg.ToLower(trimPossessive(t.Text))
			}
			*sents = append(*sents, ws)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("read %s: %w", path, err)
	}
	return n, skipped, nil
}

// readCoNLL appends the sentences of a CoNLL-2003 file (its words alone)
// to sents and returns how many.
func readCoNLL(path string, sents *[][]string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("read CoNLL: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			*sents = append(*sents, cur)
			n++
		}
		cur = nil
	}
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 || fs[0] == "-DOCSTART-" {
			flush()
			continue
		}
		cur = append(cur, textseg.ToLower(trimPossessive(fs[0])))
	}
	flush()
	return n, sc.Err()
}

// trimPossessive is pkg/entities' trimPossessive (the tagger looks words
// up without an English possessive ending): keep the two the same.
func trimPossessive(w string) string {
	if len(w) > 3 {
		if strings.HasSuffix(w, "'s") {
			return w[:len(w)-2]
		}
		if strings.HasSuffix(w, "’s") {
			return w[:len(w)-4]
		}
	}
	return w
}
