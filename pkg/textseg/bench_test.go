package textseg

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/newsflow/newsflow/pkg/corpus"
)

func corpusBodies(b *testing.B, file string, n int) []string {
	b.Helper()
	f, err := os.Open(corpus.Path(b, file))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() && len(out) < n {
		var a struct{ Body string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			b.Fatal(err)
		}
		out = append(out, a.Body)
	}
	return out
}

// BenchmarkSplit splits corpus articles (bg, ru, en) into sentences and
// tokens; SetBytes makes the MB/s figure comparable across runs.
func BenchmarkSplit(b *testing.B) {
	var bodies []string
	for _, f := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl"} {
		bodies = append(bodies, corpusBodies(b, f, 200)...)
	}
	size := 0
	for _, s := range bodies {
		size += len(s)
	}
	b.SetBytes(int64(size / len(bodies)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		Split(bodies[i%len(bodies)])
	}
}
