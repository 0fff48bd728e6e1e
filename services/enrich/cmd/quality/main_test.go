package main

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/corpus"
)

// allRow returns the cells of the "**all**" row of the table that follows
// the heading of section title.
func allRow(t *testing.T, report, title string) []string {
	t.Helper()
	_, sec, ok := strings.Cut(report, "## "+title+"\n")
	if !ok {
		t.Fatalf("report has no section %q", title)
	}
	if i := strings.Index(sec, "\n## "); i >= 0 {
		sec = sec[:i]
	}
	for line := range strings.SplitSeq(sec, "\n") {
		if strings.HasPrefix(line, "| **all**") {
			return strings.Split(strings.Trim(line, "| "), " | ")
		}
	}
	t.Fatalf("section %q has no **all** row:\n%s", title, sec)
	return nil
}

func cell(t *testing.T, row []string, i int) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.Fields(strings.TrimSuffix(strings.Fields(row[i])[0], "%"))[0], 64)
	if err != nil {
		t.Fatalf("cell %d of %v: %v", i, row, err)
	}
	return f
}

// TestReportMeetsTheTextTargets runs the text sections of make quality on
// the corpus and checks the figures against the targets (and, for
// near duplicates, against what was reached, so that a regression shows).
func TestReportMeetsTheTextTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the whole corpus")
	}
	dir := corpus.Dir(t)
	var out bytes.Buffer
	err := run(context.Background(), []string{"-corpus", dir, "-gold", "../../testdata/gold", "-out", "-", "-only", "Language,Boilerplate,Near duplicates"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	report := out.String()
	lang := allRow(t, report, "Language")
	if acc := cell(t, lang, 2); acc < 99 {
		t.Errorf("language accuracy %.2f%%, want at least 99%%", acc)
	}
	bp := allRow(t, report, "Boilerplate")
	if p := cell(t, bp, 4); p < 0.95 {
		t.Errorf("boilerplate line precision %.3f, want at least 0.95", p)
	}
	if r := cell(t, bp, 5); r < 0.95 {
		t.Errorf("boilerplate line recall %.3f, want at least 0.95", r)
	}
	nd := allRow(t, report, "Near duplicates")
	if p, r := cell(t, nd, 4), cell(t, nd, 5); p < 0.9 || r < 0.65 {
		t.Errorf("near-duplicate precision %.3f recall %.3f, were 0.96 and 0.73 when written", p, r)
	}
}

func TestSpliceSectionsKeepsOtherSections(t *testing.T) {
	old := "# Report\n\nintro\n\n## A\n\na1\n\n### sub\n\nx\n\n## B\n\nb1\n\n## C\n\nc1\n"
	partial := "# Report\n\nintro\n\n## B\n\nb2\n\n## D\n\nd1\n"
	got := string(spliceSections([]byte(old), []byte(partial)))
	want := "# Report\n\nintro\n\n## A\n\na1\n\n### sub\n\nx\n\n## B\n\nb2\n\n## C\n\nc1\n\n## D\n\nd1\n"
	if got != want {
		t.Fatalf("splice:\n%s\nwant:\n%s", got, want)
	}
}
