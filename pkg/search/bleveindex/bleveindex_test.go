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
