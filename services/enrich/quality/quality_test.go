package quality

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestPRF(t *testing.T) {
	tests := []struct {
		name        string
		got, want   []string
		p, r, f1    float64
		tp, fp, fn_ int
	}{
		{"perfect", []string{"a", "b"}, []string{"a", "b"}, 1, 1, 1, 2, 0, 0},
		{"half", []string{"a", "c"}, []string{"a", "b"}, 0.5, 0.5, 0.5, 1, 1, 1},
		{"nothing predicted", nil, []string{"a"}, 1, 0, 0, 0, 0, 1},
		{"nothing to find", []string{"a"}, nil, 0, 1, 0, 0, 1, 0},
		{"both empty", nil, nil, 1, 1, 1, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Compare(set(tc.got), set(tc.want))
			if p.TP != tc.tp || p.FP != tc.fp || p.FN != tc.fn_ {
				t.Errorf("counts %+v, want TP %d FP %d FN %d", p, tc.tp, tc.fp, tc.fn_)
			}
			if p.Precision() != tc.p || p.Recall() != tc.r || p.F1() != tc.f1 {
				t.Errorf("P %v R %v F1 %v, want %v %v %v", p.Precision(), p.Recall(), p.F1(), tc.p, tc.r, tc.f1)
			}
		})
	}
}

func TestCompareSpans(t *testing.T) {
	p := compareSpans([]string{"Сподели Share on Facebook", "случаен текст"}, []string{"Share on Facebook", "Снимка: БГНЕС"})
	if p.TP != 1 || p.FP != 1 || p.FN != 1 {
		t.Errorf("compareSpans = %+v, want TP 1 FP 1 FN 1", p)
	}
}

func TestReportKeepsGoingAfterAFailingSection(t *testing.T) {
	var b strings.Builder
	errBroken := errors.New("broken")
	err := Report(context.Background(), &b, &Env{}, []Section{
		{Title: "First", Run: func(context.Context, *Env) (string, error) { return "", errBroken }},
		{Title: "Second", Run: func(context.Context, *Env) (string, error) { return "| a |\n", nil }},
	})
	if !errors.Is(err, errBroken) {
		t.Errorf("Report error = %v, want it to wrap the section's error", err)
	}
	out := b.String()
	for _, want := range []string{"## First\n\nNot measured: broken", "## Second\n\n| a |"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestTable(t *testing.T) {
	got := Table([]string{"a", "b"}, [][]string{{"1", "2"}})
	want := "| a | b |\n|---|---|\n| 1 | 2 |\n"
	if got != want {
		t.Errorf("Table = %q, want %q", got, want)
	}
}
