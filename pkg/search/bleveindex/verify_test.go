package bleveindex

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// writeIndex makes an index of the fixtures in a fresh directory.
func writeIndex(t *testing.T) string {
	t.Helper()
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
	return dir
}

func segmentFile(t *testing.T, dir string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no segment in %s (%v)", dir, err)
	}
	return m[0]
}

func TestOpenRefusesADamagedIndex(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   string
	}{
		{"segment truncated", func(t *testing.T, dir string) {
			p := segmentFile(t, dir)
			b, _ := os.ReadFile(p)
			if err := os.WriteFile(p, b[:len(b)/2], 0o644); err != nil {
				t.Fatal(err)
			}
		}, "checksum"},
		{"segment bytes flipped", func(t *testing.T, dir string) {
			p := segmentFile(t, dir)
			b, _ := os.ReadFile(p)
			for i := len(b) / 3; i < len(b)/3+64; i++ {
				b[i] ^= 0xff
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "checksum"},
		{"segment missing", func(t *testing.T, dir string) {
			if err := os.Remove(segmentFile(t, dir)); err != nil {
				t.Fatal(err)
			}
		}, "no such file"},
		{"root.bolt meta pages zeroed", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "store", "root.bolt")
			b, _ := os.ReadFile(p)
			clear(b[:8192])
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "root.bolt"},
		{"root.bolt garbage", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "store", "root.bolt")
			b, _ := os.ReadFile(p)
			for i := range b {
				b[i] = byte(i * 7)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "root.bolt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeIndex(t)
			tc.damage(t, dir)
			idx, err := Open(dir)
			if err == nil {
				_ = idx.Close()
				t.Fatal("a damaged index opened")
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("open = %v, want ErrCorrupt mentioning %q", err, tc.want)
			}
		})
	}
	t.Run("healthy index", func(t *testing.T) {
		dir := writeIndex(t)
		if err := Verify(dir); err != nil {
			t.Fatal(err)
		}
		idx, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = idx.Close() }()
		if err := Verify(dir); !errors.Is(err, ErrInUse) {
			t.Errorf("verify of an open index = %v, want ErrInUse", err)
		}
	})
}

// After a write fails, the next write opens the index again from disk and
// goes through; what was written before is kept.
func TestUpsertReopensAfterAFailedWrite(t *testing.T) {
	dir := writeIndex(t)
	idx, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	// A closed Bleve index fails every write, as one that met a full disk
	// may be left.
	if err := idx.idx.Close(); err != nil {
		t.Fatal(err)
	}
	fx := searchtest.Fixtures()
	fx[0].Revision++
	if err := idx.Upsert(t.Context(), fx[:1]); err == nil {
		t.Fatal("a write to a closed index succeeded")
	}
	if err := idx.Upsert(t.Context(), fx[:1]); err != nil {
		t.Fatalf("write after the failure: %v", err)
	}
	if n, err := idx.Count(); err != nil || n != uint64(len(fx)) {
		t.Errorf("after the reopen: %d articles (%v), want %d", n, err, len(fx))
	}
}
