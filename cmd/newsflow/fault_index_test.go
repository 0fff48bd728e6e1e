package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
)

// A damaged index is refused at start with an error that names it and the
// way out; `newsflow index rebuild --data` builds it again from ARTICLES,
// and newsflow then starts with every article searchable.
func TestFaultCorruptIndex(t *testing.T) {
	lines := corpusNDJSON(t, 60)
	data := t.TempDir()
	start := func() (*standalone.Pipeline, error) {
		cfg := standalone.DefaultConfig()
		cfg.DataDir = data
		cfg.HTTPAddr = "127.0.0.1:0"
		cfg.NATSAddr = "127.0.0.1:-1"
		return standalone.Start(context.Background(), cfg, zap.NewNop())
	}
	p, err := start()
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + p.HTTPAddr()
	code, res, _ := postNDJSON(t, base, lines)
	if code != http.StatusAccepted {
		t.Fatalf("POST answered %d", code)
	}
	var ids []string
	for _, r := range res {
		if r.Status == "accepted" {
			ids = append(ids, r.ID)
		}
	}
	waitIndexed := func(base string) {
		t.Helper()
		for _, id := range ids {
			for start := time.Now(); httpStatus(base+"/v1/articles/"+id) != http.StatusOK; time.Sleep(20 * time.Millisecond) {
				if time.Since(start) > 30*time.Second {
					t.Fatalf("article %s not indexed", id)
				}
			}
		}
	}
	waitIndexed(base)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}

	store := filepath.Join(data, "index", "store")
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T)
	}{
		{"segment file", func(t *testing.T) {
			segs, _ := filepath.Glob(filepath.Join(store, "*.zap"))
			if len(segs) == 0 {
				t.Fatal("no segment")
			}
			// Every segment file: some may be old ones not yet removed.
			for _, seg := range segs {
				b, err := os.ReadFile(seg)
				if err != nil {
					t.Fatal(err)
				}
				for i := len(b) / 2; i < len(b)/2+32; i++ {
					b[i] ^= 0x5a
				}
				if err := os.WriteFile(seg, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"root.bolt", func(t *testing.T) {
			p := filepath.Join(store, "root.bolt")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			clear(b[:8192])
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.damage(t)
			p, err := start()
			if err == nil {
				_ = p.Stop()
				t.Fatal("newsflow started on a damaged index")
			}
			if !errors.Is(err, bleveindex.ErrCorrupt) || !strings.Contains(err.Error(), "newsflow index rebuild --data") {
				t.Fatalf("start on a damaged index: %v; want ErrCorrupt naming newsflow index rebuild", err)
			}
			var out, errb bytes.Buffer
			if code := run(context.Background(), []string{"index", "rebuild", "--data", data}, &out, &errb); code != 0 {
				t.Fatalf("index rebuild: exit %d: %s%s", code, out.String(), errb.String())
			}
			t.Log(strings.TrimSpace(out.String()))
			if !strings.Contains(out.String(), "articles in the new index") {
				t.Errorf("rebuild summary: %s", out.String())
			}
			p, err = start()
			if err != nil {
				t.Fatalf("start after the rebuild: %v", err)
			}
			waitIndexed("http://" + p.HTTPAddr())
			if err := p.Stop(); err != nil {
				t.Fatal(err)
			}
			olds, _ := filepath.Glob(filepath.Join(data, "index.old-*"))
			for _, o := range olds {
				_ = os.RemoveAll(o)
			}
		})
	}
}
