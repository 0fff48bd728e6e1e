package main

import (
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/langdetect"
	"github.com/newsflow/newsflow/pkg/textclean"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/enrich/quality"
)

// sections lists the report's sections in order. To add a measurement,
// write a quality.Section and add it here.
func sections() []quality.Section {
	return []quality.Section{
		{Title: "Language", Run: quality.Language},
		{Title: "Boilerplate", Run: quality.Boilerplate},
	}
}

func newEnv(corpusDir, goldDir string) (*quality.Env, error) {
	e := enrich.NewEnricher(enrich.Steps(), time.Now)
	ld, err := langdetect.New()
	if err != nil {
		return nil, err
	}
	return &quality.Env{
		CorpusDir:    corpusDir,
		GoldDir:      goldDir,
		LangTrainDir: "pkg/langdetect/train",
		Enrich:       e.Enrich,
		DetectLang:   func(text string) string { return ld.Detect(text).Lang },
		Clean: func(a *article.Article) (lines, spans []string) {
			r := textclean.Clean(a.Body)
			for _, l := range r.Removed {
				lines = append(lines, strings.TrimSpace(l))
			}
			return lines, nil
		},
	}, nil
}
