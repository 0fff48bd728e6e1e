package quality

import (
	"fmt"
	"strings"
)

// PRF counts true positives, false positives and false negatives.
type PRF struct {
	TP, FP, FN int
}

// Add accumulates o into p.
func (p *PRF) Add(o PRF) {
	p.TP += o.TP
	p.FP += o.FP
	p.FN += o.FN
}

// Precision is TP/(TP+FP), 1 when nothing was predicted.
func (p PRF) Precision() float64 {
	if p.TP+p.FP == 0 {
		return 1
	}
	return float64(p.TP) / float64(p.TP+p.FP)
}

// Recall is TP/(TP+FN), 1 when there was nothing to find.
func (p PRF) Recall() float64 {
	if p.TP+p.FN == 0 {
		return 1
	}
	return float64(p.TP) / float64(p.TP+p.FN)
}

// F1 is the harmonic mean of precision and recall.
func (p PRF) F1() float64 {
	pr, rc := p.Precision(), p.Recall()
	if pr+rc == 0 {
		return 0
	}
	return 2 * pr * rc / (pr + rc)
}

// Compare counts got against want, two sets of keys.
func Compare(got, want map[string]bool) PRF {
	var p PRF
	for k := range got {
		if want[k] {
			p.TP++
		} else {
			p.FP++
		}
	}
	for k := range want {
		if !got[k] {
			p.FN++
		}
	}
	return p
}

// Table renders a Markdown table.
func Table(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for range header {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	return b.String()
}

// PRFRow renders name, counts, precision, recall and F1 as table cells.
func PRFRow(name string, p PRF) []string {
	return []string{name, fmt.Sprint(p.TP), fmt.Sprint(p.FP), fmt.Sprint(p.FN), F3(p.Precision()), F3(p.Recall()), F3(p.F1())}
}

// PRFHeader is the header matching PRFRow.
func PRFHeader(first string) []string {
	return []string{first, "TP", "FP", "FN", "precision", "recall", "F1"}
}

// F3 formats a ratio with three decimals.
func F3(x float64) string { return fmt.Sprintf("%.3f", x) }

// Pct formats a ratio as a percentage with two decimals.
func Pct(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }
