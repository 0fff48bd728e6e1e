package enrich

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/simhash"
)

// BenchmarkKVIndexAdd files one new signature per op in the shared
// near-duplicate index, 64 at a time per core as the stage runs, with a
// second replica watching the bucket (its filing of what it receives is
// part of the cost).
func BenchmarkKVIndexAdd(b *testing.B) {
	srv := natstest.RunServer(b)
	_, js1 := natstest.Connect(b, srv)
	_, js2 := natstest.Connect(b, srv)
	ctx := context.Background()
	x1, err := OpenKVIndex(ctx, js1, time.Hour, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = x1.Close() })
	x2, err := OpenKVIndex(ctx, js2, time.Hour, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = x2.Close() })
	sigs := make([]simhash.Signature, b.N) // all different: the other replica files each
	for i := range sigs {
		var sb strings.Builder
		r := uint32(i*2654435761 + 1)
		for range 80 {
			for range 3 + r%6 {
				r = r*1664525 + 1013904223
				sb.WriteRune('а' + rune(r>>24)%30)
			}
			sb.WriteByte(' ')
		}
		sigs[i] = simhash.Sign(sb.String())
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(64)
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if _, err := x1.Add(ctx, "bench-"+strconv.FormatInt(i, 10), sigs[i]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	// Until the other replica has filed them all: its work is part of it.
	deadline := time.Now().Add(time.Minute)
	for x2.local.Len() < b.N {
		if time.Now().After(deadline) {
			b.Fatalf("the other replica filed %d of %d in a minute", x2.local.Len(), b.N)
		}
		time.Sleep(time.Millisecond)
	}
	reportCPU(b, cpu0)
}
