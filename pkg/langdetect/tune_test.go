package langdetect

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/corpus"
)

// TestLangidTuning prints, with LANGID_TUNE=1, the tuning fold (fold 0)
// of corpus/langid per language: the share right, the und count and the
// languages taken instead, for sentences and word pairs. LANGID_ERRORS
// names a file to write fold 0's wrong lines to (corpus text: keep it out
// of the repository). It never reads fold 1.
func TestLangidTuning(t *testing.T) {
	if os.Getenv("LANGID_TUNE") == "" {
		t.Skip("set LANGID_TUNE=1")
	}
	d := detector(t)
	var errs strings.Builder
	for _, kind := range []string{"sentences", "word-pairs"} {
		acc, und, confused := tuneFold0(t, d, kind, &errs)
		langs := make([]string, 0, len(acc))
		for l := range acc {
			langs = append(langs, l)
		}
		sort.Slice(langs, func(i, j int) bool { return acc[langs[i]] < acc[langs[j]] })
		var b strings.Builder
		loss := 0.0
		for _, l := range langs {
			loss += 1 - acc[l]
			fmt.Fprintf(&b, "%s %.1f und %d:", l, acc[l]*100, und[l])
			b.WriteString(topConfused(confused[l], 4))
			b.WriteString("\n")
		}
		t.Logf("%s, fold 0: mean %.2f%% (loss %.2f points of the mean)\n%s", kind, mean(acc)*100, loss/float64(len(acc))*100, b.String())
	}
	if f := os.Getenv("LANGID_ERRORS"); f != "" {
		if err := os.WriteFile(f, []byte(errs.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tuneFold0 scores fold 0 of one kind of langid file per language.
func tuneFold0(tb testing.TB, d *Detector, kind string, errs *strings.Builder) (map[string]float64, map[string]int, map[string]map[string]int) {
	dir := corpus.Path(tb, "langid")
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	acc := map[string]float64{}
	und := map[string]int{}
	confused := map[string]map[string]int{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		data, err := os.ReadFile(dir + "/" + e.Name() + "/" + kind + ".txt")
		if err != nil {
			tb.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		n, ok := 0, 0
		confused[e.Name()] = map[string]int{}
		for i, l := range lines {
			if i%2 != 0 {
				continue // fold 1 is held out
			}
			n++
			r := d.Detect(l)
			if r.Lang == e.Name() {
				ok++
				continue
			}
			confused[e.Name()][r.Lang]++
			if r.Lang == Und {
				und[e.Name()]++
			}
			fmt.Fprintf(errs, "%s\t%s\t%s\t%.3f\t%s:%.3f %s:%.3f %s:%.3f\t%s\n", kind, e.Name(), r.Lang, r.Confidence,
				r.Top[0].Lang, r.Top[0].P, r.Top[1].Lang, r.Top[1].P, r.Top[2].Lang, r.Top[2].P, l)
		}
		acc[e.Name()] = float64(ok) / float64(n)
	}
	return acc, und, confused
}

// TestLangidSweep prints, with LANGID_SWEEP=1, fold 0's means and the
// catalogues' und figures for a sweep of MinConfidence.
func TestLangidSweep(t *testing.T) {
	if os.Getenv("LANGID_SWEEP") == "" {
		t.Skip("set LANGID_SWEEP=1")
	}
	d := detector(t)
	sets := calibSets(t, d, 100)
	defer func(mc float64) { minConfidence = mc }(minConfidence)
	for _, mc := range []float64{0.5, 0.45, 0.4, 0.35, 0.3} {
		minConfidence = mc
		var sink strings.Builder
		as, _, _ := tuneFold0(t, d, "sentences", &sink)
		ap, _, _ := tuneFold0(t, d, "word-pairs", &sink)
		s := scoreCalib(d, sets, false, 0)
		p := scoreCalib(d, sets, true, 0)
		t.Logf("minConf %.2f | fold 0: sentences %.2f%% pairs %.2f%% | catalogues sentences: right %.3f, und other %.3f no model %.3f | pairs: right %.3f, und other %.3f no model %.3f",
			mc, mean(as)*100, mean(ap)*100, s.supRight, s.otherUnd, s.noModelUnd, p.supRight, p.otherUnd, p.noModelUnd)
	}
}

// TestLangidPriorSweep prints, with LANGID_SWEEP=1, fold 0's means and the
// close pairs' accuracy for a sweep of the Bosnian and Malay priors.
func TestLangidPriorSweep(t *testing.T) {
	if os.Getenv("LANGID_SWEEP") == "" {
		t.Skip("set LANGID_SWEEP=1")
	}
	d := detector(t)
	idx := map[string]int{}
	for i, l := range d.langs {
		idx[l] = i
	}
	saved := d.prior
	defer func() { d.prior = saved }()
	for _, c := range []int32{0, 6, 9, 12, 15, 18, 24} {
		for _, l := range []string{"bs", "ms"} {
			d.prior[idx[l]] = c
		}
		var sink strings.Builder
		as, _, _ := tuneFold0(t, d, "sentences", &sink)
		ap, _, _ := tuneFold0(t, d, "word-pairs", &sink)
		t.Logf("prior %d | sentences %.2f%% (bs %.1f hr %.1f ms %.1f id %.1f) | pairs %.2f%% (bs %.1f hr %.1f ms %.1f id %.1f)", c,
			mean(as)*100, as["bs"]*100, as["hr"]*100, as["ms"]*100, as["id"]*100,
			mean(ap)*100, ap["bs"]*100, ap["hr"]*100, ap["ms"]*100, ap["id"]*100)
	}
}

// TestLangidScoreSweep prints, with LANGID_SWEEP=2, fold 0's means for a
// sweep of the back-off and floor costs and the temper.
func TestLangidScoreSweep(t *testing.T) {
	if os.Getenv("LANGID_SWEEP") != "2" {
		t.Skip("set LANGID_SWEEP=2")
	}
	d := detector(t)
	defer func(b, f int32, tc float64) { backoff, floor, temperC = b, f, tc }(backoff, floor, temperC)
	for _, b := range []int32{8, 11, 14, 18} {
		for _, f := range []int32{140, 150, 165, 180, 220} {
			for _, tc := range []float64{3, 4, 5} {
				backoff, floor, temperC = b, f, tc
				var sink strings.Builder
				as, _, _ := tuneFold0(t, d, "sentences", &sink)
				ap, _, _ := tuneFold0(t, d, "word-pairs", &sink)
				t.Logf("backoff %d floor %d temper %.0f | sentences %.2f%% pairs %.2f%%", b, f, tc, mean(as)*100, mean(ap)*100)
			}
		}
	}
}
