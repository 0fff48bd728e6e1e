package pgindex

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"

	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
	"github.com/newsflow/newsflow/pkg/search/pgindex/pgtest"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// The entity facet by id is the Bleve index's, exactly, on corpus
// articles with the entities pkg/entities finds: for the query mix of the
// benchmarks, collapsed or not, and after a batch is written again with
// other entities.
func TestEntityFacetByIDAgreesWithBleve(t *testing.T) {
	arts := searchtest.LoadCorpus(t)
	arts = searchtest.WithEntities(t, arts[:min(len(arts), 1000)])
	ctx := context.Background()
	pg, err := Open(ctx, pgtest.FreshDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pg.Close() }()
	bl, err := bleveindex.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bl.Close() }()
	write := func(docs []*article.Article) {
		for _, idx := range []search.Index{pg, bl} {
			searchtest.IndexAll(t, idx, docs, 500)
		}
	}
	compare := func(step string) {
		queries := searchtest.QueryMix(arts, 200)
		for i := range 20 {
			q := queries[i]
			q.Collapse = search.CollapseStory
			queries = append(queries, q)
		}
		nonEmpty := 0
		for _, q := range queries {
			want, err := bl.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pg.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(want.EntityFacet) > 0 {
				nonEmpty++
			}
			if !reflect.DeepEqual(got.EntityFacet, want.EntityFacet) {
				t.Errorf("%s: %+v:\nPostgreSQL %+v\nBleve      %+v", step, q, got.EntityFacet, want.EntityFacet)
			}
		}
		if nonEmpty < len(queries)/4 {
			t.Errorf("%s: %d of %d queries have an entity facet by id, want a quarter at least", step, nonEmpty, len(queries))
		}
	}
	write(arts)
	compare("indexed")
	// A new revision of some articles, with the entities of others.
	var again []*article.Article
	for i := 0; i < len(arts); i += 7 {
		a := *arts[i]
		a.Revision++
		a.Entities = arts[(i+1)%len(arts)].Entities
		again = append(again, &a)
	}
	write(again)
	compare("revised")
}

// Numbers too high for slices indexed by number are counted by slot, the
// same.
func TestEntityIDFacetHighNumbers(t *testing.T) {
	ctx := context.Background()
	idx, err := Open(ctx, pgtest.FreshDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	for _, base := range []int32{1000, 5_000_000} {
		q1, q2 := fmt.Sprintf("q1-%d", base), fmt.Sprintf("q2-%d", base)
		keys := []string{"\x1fi\x1f" + q1, "\x1fn\x1f" + q1 + "\x1fen\x1fTrump", "\x1fn\x1f" + q1 + "\x1fbg\x1fТръмп",
			"\x1fi\x1f" + q2, "\x1fn\x1f" + q2 + "\x1fen\x1fPutin"}
		for i, k := range keys {
			if _, err := idx.pool.Exec(ctx, "INSERT INTO article_entity_names (id, name) VALUES ($1, $2)", base+int32(i), k); err != nil {
				t.Fatal(err)
			}
		}
		// Three articles: q1 as Trump; q1 as Тръмп and q2; q1 as Тръмп.
		var codes []byte
		for _, k := range []int32{0, 1, 0, 2, 3, 4, 0, 2} {
			n := uint32(base + k)
			if strings.HasPrefix(keys[k], "\x1fn") {
				n |= nameBit
			}
			codes = binary.BigEndian.AppendUint32(codes, n)
		}
		got, err := idx.entityIDFacet(ctx, codes)
		if err != nil {
			t.Fatal(err)
		}
		want := []search.EntityCount{{ID: q1, Name: "Тръмп", Count: 3}, {ID: q2, Name: "Putin", Count: 1}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("numbers from %d: %+v, want %+v", base, got, want)
		}
	}
}
