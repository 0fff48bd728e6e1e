package enrich

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/entities"
	"github.com/newsflow/newsflow/pkg/quotes"
)

// Step names of the entity and quotation steps.
const (
	StepEntities = "entities"
	StepQuotes   = "quotes"
)

// extractor loads the gazetteers on first use, once, and shares them
// between the entity and quotation steps (read-only, safe for concurrent
// use).
type extractor struct {
	once sync.Once
	x    *entities.Extractor
	err  error
	// The quotation step needs the entities of the same text: the entity
	// step hands them over in pending (keyed by article) once the
	// quotation step has shown it runs (quotesOn), so that a disabled
	// quotation step leaves nothing behind.
	quotesOn atomic.Bool
	pending  sync.Map // *article.Article -> handover
}

type handover struct {
	text string
	r    entities.Result
}

func (e *extractor) get() (*entities.Extractor, error) {
	e.once.Do(func() {
		g, err := entities.NewGazetteer()
		if err != nil {
			e.err = fmt.Errorf("load gazetteers: %w", err)
			return
		}
		e.x = entities.New(g)
	})
	return e.x, e.err
}

// understandingText is what the entity and quotation steps read: the title
// on its own line, then the clean body.
func understandingText(a *article.Article) string {
	if a.Title == "" {
		return text(a)
	}
	return a.Title + "\n" + text(a)
}

func (e *extractor) entities(_ context.Context, a *article.Article) error {
	x, err := e.get()
	if err != nil {
		return err
	}
	t := understandingText(a)
	r := x.Extract(t, a.Lang)
	if e.quotesOn.Load() {
		e.pending.Store(a, handover{text: t, r: r})
	}
	a.Entities = make([]article.Entity, len(r.Entities))
	for i, en := range r.Entities {
		a.Entities[i] = article.Entity{Text: en.Text, Type: en.Type, Count: en.Count}
	}
	return nil
}

func (e *extractor) quotes(_ context.Context, a *article.Article) error {
	x, err := e.get()
	if err != nil {
		return err
	}
	e.quotesOn.Store(true)
	t := understandingText(a)
	var r entities.Result
	if h, ok := e.pending.LoadAndDelete(a); ok && h.(handover).text == t {
		r = h.(handover).r
	} else {
		r = x.Extract(t, a.Lang)
	}
	qs := quotes.Extract(t, r, x.Gazetteer())
	a.Quotes = make([]article.Quote, len(qs))
	for i, q := range qs {
		a.Quotes[i] = article.Quote{Text: q.Text, Speaker: q.Speaker}
	}
	return nil
}
