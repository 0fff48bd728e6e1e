package bleveindex

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/newsflow/newsflow/pkg/article"

	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

func TestSuite(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Index {
		idx, err := Open(filepath.Join(t.TempDir(), "index"))
		if err != nil {
			t.Fatal(err)
		}
		return idx
	})
}

func TestReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	idx, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Upsert(t.Context(), searchtest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	idx, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	if n, err := idx.Count(); err != nil || n != uint64(len(searchtest.Fixtures())) {
		t.Errorf("after reopening: %d articles (%v), want %d", n, err, len(searchtest.Fixtures()))
	}
}

func TestOldMappingIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	old, err := bleve.New(dir, bleve.NewIndexMapping())
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrOldMapping) {
		t.Errorf("Open of an index without our mapping version: %v, want ErrOldMapping", err)
	}
}

func TestRuntimeConfig(t *testing.T) {
	t.Run("invalid JSON names the variable", func(t *testing.T) {
		_, err := OpenWith(filepath.Join(t.TempDir(), "index"), `{"scorchMergePlanOptions":`)
		if err == nil || !strings.Contains(err.Error(), ConfigEnv) {
			t.Fatalf("Open with a broken %s = %v, want an error naming it", ConfigEnv, err)
		}
	})
	t.Run("our merge floor goes under what the variable sets", func(t *testing.T) {
		for _, tc := range []struct {
			env  string
			want any
		}{
			{"", floorSegmentSize},
			{`{"scorchPersisterOptions":{"NumPersisterWorkers":1}}`, floorSegmentSize},
			{`{"scorchMergePlanOptions":{"MaxSegmentsPerTier":4}}`, floorSegmentSize},
			{`{"scorchMergePlanOptions":{"FloorSegmentSize":2000}}`, float64(2000)},
		} {
			cfg, err := runtimeConfig(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			plan, _ := cfg["scorchMergePlanOptions"].(map[string]any)
			if plan["FloorSegmentSize"] != tc.want {
				t.Errorf("%s=%s: FloorSegmentSize %v, want %v", ConfigEnv, tc.env, plan["FloorSegmentSize"], tc.want)
			}
		}
		if _, err := runtimeConfig(`{"scorchMergePlanOptions":7}`); err == nil || !strings.Contains(err.Error(), "scorchMergePlanOptions must be an object") {
			t.Errorf("scorchMergePlanOptions 7: %v, want an error naming it", err)
		}
	})
	t.Run("merge plan options are used", func(t *testing.T) {
		idx, err := OpenWith(filepath.Join(t.TempDir(), "index"),
			`{"scorchMergePlanOptions":{"MaxSegmentsPerTier":4,"MaxSegmentSize":1000,"TierGrowth":4,"SegmentsPerMergeTask":4,"FloorSegmentSize":100,"ReclaimDeletesWeight":2,"MaxSegmentFileSize":1073741824}}`)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = idx.Close() }()
		fx := searchtest.Fixtures()
		if err := idx.Upsert(t.Context(), fx); err != nil {
			t.Fatal(err)
		}
		if n, err := idx.Count(); err != nil || n != uint64(len(fx)) {
			t.Fatalf("Count = %d, %v; want %d", n, err, len(fx))
		}
	})
}

// The revision is stored for the upsert guard but not indexed: as a
// stream sequence it would add a run of mostly unique terms per article
// to the dictionary that every merge rewrites.
func TestRevisionIsStoredNotIndexed(t *testing.T) {
	idx, err := Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	fx := searchtest.Fixtures()
	fx[0].Revision = 123456789
	if err := idx.Upsert(t.Context(), fx); err != nil {
		t.Fatal(err)
	}
	revs, err := idx.revisions(t.Context(), idx.idx, []string{fx[0].ID})
	if err != nil || revs[fx[0].ID] != fx[0].Revision {
		t.Errorf("stored revision of %s = %d (%v), want %d", fx[0].ID, revs[fx[0].ID], err, fx[0].Revision)
	}
	d, err := idx.idx.FieldDict("revision")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	if e, err := d.Next(); err != nil || e != nil {
		t.Errorf("the revision field has indexed terms (first %v, %v); want none", e, err)
	}
}

// An index written before the facet and sort fields' doc values were
// stored uncompressed and unchunked holds segments of both kinds once new
// articles arrive: facets and the date order must stay right across them,
// after merging them into one segment and after reopening.
func TestDocValuesOfOldAndNewSegments(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	idx, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fx := searchtest.Fixtures()
	saved := keywordOpts
	keywordOpts = index.IndexField | index.DocValues // as before
	err = idx.Upsert(t.Context(), fx[:4])
	keywordOpts = saved
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Upsert(t.Context(), fx[4:]); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{}
	for _, a := range fx {
		for name, v := range map[string]string{search.FacetLang: a.Lang, search.FacetSource: a.Source} {
			if want[name] == nil {
				want[name] = map[string]int{}
			}
			want[name][v]++
		}
		for _, e := range a.Entities {
			if want[search.FacetEntities] == nil {
				want[search.FacetEntities] = map[string]int{}
			}
			want[search.FacetEntities][e.Text]++
		}
	}
	check := func(stage string) {
		t.Helper()
		res, err := idx.Search(t.Context(), search.Query{Text: "*", Sort: search.SortDate, Limit: len(fx)})
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		if res.Total != uint64(len(fx)) {
			t.Fatalf("%s: total %d, want %d", stage, res.Total, len(fx))
		}
		for name, counts := range want {
			for v, n := range counts {
				if got := res.Facets[name][v]; got != n {
					t.Errorf("%s: facet %s %q = %d, want %d", stage, name, v, got, n)
				}
			}
		}
		// Newest first by published_at, or ingested_at without one.
		var prev time.Time
		for i, h := range res.Hits {
			var a *article.Article
			for _, f := range fx {
				if f.ID == h.ID {
					a = f
				}
			}
			d := a.PublishedAt
			if d.IsZero() {
				d = a.IngestedAt
			}
			if i > 0 && d.After(prev) {
				t.Errorf("%s: %s (%s) comes after an older article", stage, h.ID, d)
			}
			prev = d
		}
	}
	check("two kinds of segments")
	s, err := idx.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.(*scorch.Scorch).ForceMerge(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	check("merged into one")
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if idx, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	check("reopened")
}

// TestSettle writes many small batches (one segment each, so that the
// merge planner has work) and checks that after Settle the merger has
// planned at the current snapshot and nothing changes any more.
func TestSettle(t *testing.T) {
	idx, err := OpenWith(filepath.Join(t.TempDir(), "index"), `{"scorchMergePlanOptions":{"FloorSegmentSize":10,"MaxSegmentsPerTier":2,"SegmentsPerMergeTask":2}}`)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	arts := searchtest.Reidentify(searchtest.Fixtures(), 60)
	for i := 0; i < len(arts); i += 3 {
		if err := idx.Upsert(t.Context(), arts[i:i+3]); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Settle(t.Context(), 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	stats := func() map[string]any {
		m, _ := idx.idx.StatsMap()["index"].(map[string]any)
		return m
	}
	m := stats()
	if m["CurRootEpoch"] != m["LastMergedEpoch"] {
		t.Fatalf("settled at root epoch %v, merger planned at %v", m["CurRootEpoch"], m["LastMergedEpoch"])
	}
	if m["TotFileMergeSegments"].(uint64) == 0 {
		t.Errorf("no segment was merged: the test does not exercise merges")
	}
	time.Sleep(100 * time.Millisecond)
	if after := stats(); after["CurRootEpoch"] != m["CurRootEpoch"] {
		t.Errorf("root epoch moved from %v to %v after Settle: a merge was still due", m["CurRootEpoch"], after["CurRootEpoch"])
	}
	if n, err := idx.Count(); err != nil || n != uint64(len(arts)) {
		t.Errorf("%d articles (%v), want %d", n, err, len(arts))
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := idx.Upsert(t.Context(), arts[:3]); err != nil {
		t.Fatal(err)
	}
	if err := idx.Settle(ctx, time.Millisecond); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Settle with a cancelled context: %v", err)
	}
}
