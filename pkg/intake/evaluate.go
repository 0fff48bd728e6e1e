package intake

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// Folds of the corpus HTML pages (EvaluateHTML).
const (
	FoldTune    = "tune"
	FoldHeldOut = "held-out"
)

// HTMLFold returns the fold of a corpus page by its file name (16 hex
// digits): the tuning fold when its last digit is even. The split was
// fixed before any page's errors were looked at; extraction rules were
// written from the tuning fold only.
func HTMLFold(file string) string {
	name := strings.TrimSuffix(filepath.Base(file), ".html")
	if name == "" {
		return FoldHeldOut
	}
	switch name[len(name)-1] {
	case '0', '2', '4', '6', '8', 'a', 'c', 'e':
		return FoldTune
	}
	return FoldHeldOut
}

// PageScore is the extraction of one corpus page against its ground truth.
type PageScore struct {
	File, Fold string
	// Precision, Recall, F1 of the body's bag of words.
	Precision, Recall, F1 float64
	Page                  Page
	// URLDate is the date in the page's URL, when it has one: an
	// independent check of PublishedAt.
	URLDate time.Time
	// CPU is the time ExtractHTML took (wall time on one goroutine).
	CPU time.Duration
	Err error
}

// EvaluateHTML extracts every page listed in dir/ground_truth.jsonl (the
// corpus html folder: {"file","url","body"} per line) and scores its body
// against the annotated one.
func EvaluateHTML(dir string) ([]PageScore, error) {
	fh, err := os.Open(filepath.Join(dir, "ground_truth.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("open html ground truth: %w", err)
	}
	defer fh.Close()
	var out []PageScore
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		var gt struct{ File, URL, Body string }
		if err := json.Unmarshal(sc.Bytes(), &gt); err != nil {
			return nil, fmt.Errorf("read html ground truth: %w", err)
		}
		data, err := os.ReadFile(filepath.Join(dir, gt.File))
		if err != nil {
			return nil, err
		}
		s := PageScore{File: gt.File, Fold: HTMLFold(gt.File)}
		s.URLDate, _ = urlDate(gt.URL)
		start := time.Now()
		var page Page
		stripped, err := StripHTML(strings.NewReader(string(data)), int64(len(data)))
		if err == nil {
			var dec Decoded
			if dec, err = toUTF8(stripped, "", kindHTML); err == nil {
				page, err = ExtractHTML(dec.Text, gt.URL)
			}
		}
		s.CPU = time.Since(start)
		s.Page, s.Err = page, err
		if err == nil {
			s.Precision, s.Recall, s.F1 = BagF1(page.Body, gt.Body)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no pages in %s", dir)
	}
	return out, nil
}

// BagF1 is the bag-of-words precision, recall and F1 of got against want:
// words are lower-cased runs of letters and digits, counted with
// multiplicity (the extraction benchmark's scorer).
func BagF1(got, want string) (p, r, f1 float64) {
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			m[w]++
		}
		return m
	}
	g, w := count(got), count(want)
	common, ng, nw := 0, 0, 0
	for k, c := range g {
		ng += c
		common += min(c, w[k])
	}
	for _, c := range w {
		nw += c
	}
	if ng == 0 || nw == 0 {
		return 0, 0, 0
	}
	p, r = float64(common)/float64(ng), float64(common)/float64(nw)
	if p+r == 0 {
		return p, r, 0
	}
	return p, r, 2 * p * r / (p + r)
}

// FoldMean is the mean score of a fold's pages ("" for all).
type FoldMean struct {
	Fold                  string
	Pages                 int
	Precision, Recall, F1 float64
}

// MeanByFold averages scores per fold: held-out, tune, then all.
func MeanByFold(scores []PageScore) []FoldMean {
	var out []FoldMean
	for _, fold := range []string{FoldHeldOut, FoldTune, ""} {
		m := FoldMean{Fold: fold}
		for _, s := range scores {
			if fold != "" && s.Fold != fold {
				continue
			}
			m.Pages++
			m.Precision += s.Precision
			m.Recall += s.Recall
			m.F1 += s.F1
		}
		if m.Pages > 0 {
			n := float64(m.Pages)
			m.Precision, m.Recall, m.F1 = m.Precision/n, m.Recall/n, m.F1/n
		}
		out = append(out, m)
	}
	return out
}
