package bleveindex

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"

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
		t.Setenv(ConfigEnv, `{"scorchMergePlanOptions":`)
		_, err := Open(filepath.Join(t.TempDir(), "index"))
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
			t.Setenv(ConfigEnv, tc.env)
			cfg, err := runtimeConfig()
			if err != nil {
				t.Fatal(err)
			}
			plan, _ := cfg["scorchMergePlanOptions"].(map[string]any)
			if plan["FloorSegmentSize"] != tc.want {
				t.Errorf("%s=%s: FloorSegmentSize %v, want %v", ConfigEnv, tc.env, plan["FloorSegmentSize"], tc.want)
			}
		}
		t.Setenv(ConfigEnv, `{"scorchMergePlanOptions":7}`)
		if _, err := runtimeConfig(); err == nil || !strings.Contains(err.Error(), "scorchMergePlanOptions must be an object") {
			t.Errorf("scorchMergePlanOptions 7: %v, want an error naming it", err)
		}
	})
	t.Run("merge plan options are used", func(t *testing.T) {
		t.Setenv(ConfigEnv, `{"scorchMergePlanOptions":{"MaxSegmentsPerTier":4,"MaxSegmentSize":1000,"TierGrowth":4,"SegmentsPerMergeTask":4,"FloorSegmentSize":100,"ReclaimDeletesWeight":2,"MaxSegmentFileSize":1073741824}}`)
		idx, err := Open(filepath.Join(t.TempDir(), "index"))
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
	revs, err := idx.revisions(t.Context(), []string{fx[0].ID})
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
