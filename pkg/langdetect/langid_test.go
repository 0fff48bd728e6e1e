package langdetect

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/corpus"
)

// The langid files (../shared/corpus/langid/<lang>/{sentences,word-pairs}.txt)
// are for checking only. They are split in two folds fixed before any
// error was looked at: lines 1, 3, 5, ... (fold 0) may be used to choose
// the detector's constants; lines 2, 4, 6, ... (fold 1) are held out and
// give the reported figures.

// langidAccuracy returns the share of lines of one fold that Detect gets
// right, per language (und and other languages count as wrong), and the
// languages they were taken for.
func langidAccuracy(tb testing.TB, d *Detector, kind string, fold int) (map[string]float64, map[string]map[string]int) {
	dir := corpus.Path(tb, "langid")
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	acc := map[string]float64{}
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
			if i%2 != fold {
				continue
			}
			n++
			if got := d.Detect(l).Lang; got == e.Name() {
				ok++
			} else {
				confused[e.Name()][got]++
			}
		}
		acc[e.Name()] = float64(ok) / float64(n)
	}
	return acc, confused
}

func mean(m map[string]float64) float64 {
	s := 0.0
	for _, v := range m {
		s += v
	}
	return s / float64(len(m))
}

// TestLangidAccuracy measures the held-out fold against the issue's
// targets (97% mean on single sentences, 90% on two-word samples, over the
// 51 languages) and fails below what was reached (96.11% and 89.07%,
// less a margin), so that a regression shows. LANGID_FOLD=0
// reports the tuning fold instead; -v prints the figures per language.
func TestLangidAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the langid files")
	}
	fold := 1
	if os.Getenv("LANGID_FOLD") == "0" {
		fold = 0
	}
	d := detector(t)
	floors := map[string]float64{"sentences": 0.955, "word-pairs": 0.885}
	for _, kind := range []string{"sentences", "word-pairs"} {
		acc, confused := langidAccuracy(t, d, kind, fold)
		if m := mean(acc); m < floors[kind] {
			t.Errorf("%s: mean accuracy %.2f%%, want at least %.1f%%", kind, m*100, floors[kind]*100)
		}
		if len(acc) != 51 {
			t.Errorf("%d languages in langid, want 51", len(acc))
		}
		langs := make([]string, 0, len(acc))
		for l := range acc {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		var b strings.Builder
		for _, l := range langs {
			fmt.Fprintf(&b, "%s %.1f", l, acc[l]*100)
			b.WriteString(topConfused(confused[l], 3))
			b.WriteString(" | ")
		}
		t.Logf("%s, fold %d: mean %.2f%%\n%s", kind, fold, mean(acc)*100, b.String())
	}
}

// topConfused renders the k languages a language was most often taken
// for, most first (ties by name): " hr:139 sr:4".
func topConfused(confused map[string]int, k int) string {
	type kv struct {
		l string
		n int
	}
	var cs []kv
	for l, n := range confused {
		cs = append(cs, kv{l, n})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].n > cs[j].n || cs[i].n == cs[j].n && cs[i].l < cs[j].l })
	var b strings.Builder
	for i, c := range cs {
		if i < k {
			fmt.Fprintf(&b, " %s:%d", c.l, c.n)
		}
	}
	return b.String()
}
