package quality

import (
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
)

// TestSpeakerAnnotationsHalves reads the speaker annotations: every
// article's half is the one the fixed rule gives, and both halves of every
// language hold quotations with a named speaker.
func TestSpeakerAnnotationsHalves(t *testing.T) {
	as, err := ReadSpeakers("../testdata/speakers")
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]int{}
	for _, a := range as {
		for _, q := range a.Quotes {
			if q.Speaker != nil {
				named[a.Lang+" "+a.Half]++
			}
		}
	}
	for _, l := range []string{"bg", "ru", "de"} {
		for _, h := range []string{HalfDev, HalfHeldOut} {
			if named[l+" "+h] < 5 {
				t.Errorf("%s %s: %d quotations with a named speaker, want at least 5", l, h, named[l+" "+h])
			}
		}
	}
	if len(as) < 120 {
		t.Errorf("%d annotated articles, want at least 120", len(as))
	}
}

func TestScorePolNeARArticle(t *testing.T) {
	sp := func(s string) *string { return &s }
	g := PolNeARArticle{Attributions: []PolNeARQuote{
		{StartsWith: "We will win", Speaker: sp("Clinton"), SpeakerKind: "name", Direct: true},
		{StartsWith: "They are wrong", Speaker: sp("Mr. Trump"), SpeakerKind: "name", Direct: true},
		{StartsWith: "No comment", Speaker: sp("a spokesman"), SpeakerKind: "nominal", Direct: true},
		{StartsWith: "Never seen", Speaker: sp("Sanders"), SpeakerKind: "name", Direct: true},
		{StartsWith: "indirect", Speaker: sp("Sanders"), SpeakerKind: "name", Direct: false},
		{StartsWith: "Nobody said it", Speaker: sp("Ryan"), SpeakerKind: "name", Direct: true},
	}}
	a := &article.Article{Quotes: []article.Quote{
		{Text: "We  will win this, and soon", Speaker: "Hillary Clinton"},
		{Text: "They are wrong about it", Speaker: "Mike Pence"},
		{Text: "Never seen anything like it", Speaker: ""},
	}}
	s := ScorePolNeARArticle(g, a, false, func(string) {})
	if s.Named != 4 || s.Correct != 1 || s.Wrong != 1 || s.Abstained != 1 || s.Missed != 1 {
		t.Errorf("scores %+v, want 4 named: 1 correct, 1 wrong, 1 unattributed, 1 missed", s)
	}
	if s.Coverage() != 0.5 || s.Precision() != 0.5 {
		t.Errorf("coverage %.3f, precision %.3f, want 0.5 and 0.5", s.Coverage(), s.Precision())
	}
	if got := lastCapitalised("The New York Post"); got != "Post" {
		t.Errorf("lastCapitalised = %q, want Post", got)
	}
}
