package wordclass

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
)

// Options set how Cluster groups words.
type Options struct {
	// MinCount is how often a word must occur to get a class (default 3);
	// rarer words count as one unknown word.
	MinCount int
	// CoarseBits is log2 of the top-level classes (default 6: 64). Each is
	// then split in four, twice: the classes of the result number
	// 2^(CoarseBits+4).
	CoarseBits uint
	// Iterations are the exchange passes over the words at the top level
	// (default 15); each refinement makes half as many (at least 4).
	Iterations int
	// Log receives a line per pass; nil for none.
	Log io.Writer
}

// Cluster groups the words of sents (sentences of words, in the form they
// will be looked up by) into classes by the exchange algorithm (Kneser and
// Ney 1993; Martin, Liermann and Ney 1998): each word in turn moves to the
// class that most raises the likelihood of the text under a class bigram
// model (sum over class pairs of N(c1,c2) log N(c1,c2) less twice the sum
// over classes of N(c) log N(c)), first among 2^CoarseBits classes, then
// among the four halves of its class split in four, twice. The result is
// the same for the same input: words are visited by falling count (then
// bytes), and ties keep a word where it is.
func Cluster(sents [][]string, opt Options) (*Classes, error) {
	if opt.MinCount == 0 {
		opt.MinCount = 3
	}
	if opt.CoarseBits == 0 {
		opt.CoarseBits = 6
	}
	if opt.CoarseBits+4 > MaxBits {
		return nil, fmt.Errorf("word classes: %d coarse bits, want at most %d", opt.CoarseBits, MaxBits-4)
	}
	if opt.Iterations == 0 {
		opt.Iterations = 15
	}
	counts := map[string]int{}
	for _, s := range sents {
		for _, w := range s {
			counts[w]++
		}
	}
	var words []string
	for w, n := range counts {
		if n >= opt.MinCount {
			words = append(words, w)
		}
	}
	slices.SortFunc(words, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	id := make(map[string]int32, len(words))
	for i, w := range words {
		id[w] = int32(i)
	}
	// Two more ids: the rare words, and the sentence bound.
	unk, bound := int32(len(words)), int32(len(words)+1)
	nIDs := len(words) + 2
	pairs := map[uint64]int32{}
	for _, s := range sents {
		prev := bound
		for _, w := range s {
			cur, ok := id[w]
			if !ok {
				cur = unk
			}
			pairs[uint64(prev)<<32|uint64(cur)]++
			prev = cur
		}
		pairs[uint64(prev)<<32|uint64(bound)]++
	}
	g := newGraph(nIDs, pairs)
	k := 1 << opt.CoarseBits
	cls := make([]int32, nIDs)
	for w := range cls {
		cls[w] = int32(w % k)
	}
	g.exchange(cls, k, false, opt.Iterations, opt.Log)
	for range 2 {
		seen := make([]int32, k)
		for w, c := range cls {
			cls[w] = c*4 + seen[c]%4
			seen[c]++
		}
		k *= 4
		g.exchange(cls, k, true, max(opt.Iterations/2, 4), opt.Log)
	}
	out := make(map[string]int, len(words))
	for i, w := range words {
		out[w] = int(cls[i])
	}
	return New(opt.CoarseBits+4, out)
}

// graph holds the bigram counts of the words, by word id: succ and pred
// list each word's right and left neighbours (CSR: the neighbours of w are
// at [off[w], off[w+1])).
type graph struct {
	succOff, predOff []int32
	succ, pred       []int32
	succN, predN     []int32
	count            []int64 // per word: bigrams it starts (= bigrams it ends)
	total            int64
	flog             []float64 // n log n for n up to total
}

func newGraph(n int, pairs map[uint64]int32) *graph {
	type pair struct {
		a, b int32
		n    int32
	}
	ps := make([]pair, 0, len(pairs))
	for k, c := range pairs {
		ps = append(ps, pair{int32(k >> 32), int32(uint32(k)), c})
	}
	g := &graph{succOff: make([]int32, n+1), predOff: make([]int32, n+1), count: make([]int64, n)}
	slices.SortFunc(ps, func(x, y pair) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) })
	for _, p := range ps {
		g.succOff[p.a+1]++
		g.succ = append(g.succ, p.b)
		g.succN = append(g.succN, p.n)
		g.count[p.a] += int64(p.n)
		g.total += int64(p.n)
	}
	slices.SortFunc(ps, func(x, y pair) int { return cmp.Or(cmp.Compare(x.b, y.b), cmp.Compare(x.a, y.a)) })
	for _, p := range ps {
		g.predOff[p.b+1]++
		g.pred = append(g.pred, p.a)
		g.predN = append(g.predN, p.n)
	}
	for i := 0; i < n; i++ {
		g.succOff[i+1] += g.succOff[i]
		g.predOff[i+1] += g.predOff[i]
	}
	g.flog = make([]float64, g.total+2)
	for i := 2; i < len(g.flog); i++ {
		g.flog[i] = float64(i) * math.Log(float64(i))
	}
	return g
}

// exchange moves each word to its best class among k (with siblings, among
// the four classes that share its class's parent), for iters passes or
// until a pass moves no word.
func (g *graph) exchange(cls []int32, k int, siblings bool, iters int, log io.Writer) {
	n1 := make([]int64, k)
	n2 := make([]int64, k*k)
	for w := range cls {
		n1[cls[w]] += g.count[w]
		for j := g.succOff[w]; j < g.succOff[w+1]; j++ {
			n2[int(cls[w])*k+int(cls[g.succ[j]])] += int64(g.succN[j])
		}
	}
	f := g.flog
	left := make([]int64, k)
	right := make([]int64, k)
	var tl, tr []int32
	for it := range iters {
		moves := 0
		for w := range cls {
			a := int(cls[w])
			var self int64
			tl, tr = tl[:0], tr[:0]
			for j := g.predOff[w]; j < g.predOff[w+1]; j++ {
				v := g.pred[j]
				if int(v) == w {
					self = int64(g.predN[j])
					continue
				}
				c := cls[v]
				if left[c] == 0 {
					tl = append(tl, c)
				}
				left[c] += int64(g.predN[j])
			}
			for j := g.succOff[w]; j < g.succOff[w+1]; j++ {
				u := g.succ[j]
				if int(u) == w {
					continue
				}
				c := cls[u]
				if right[c] == 0 {
					tr = append(tr, c)
				}
				right[c] += int64(g.succN[j])
			}
			nw := g.count[w]
			// Take w out of a.
			for _, c := range tl {
				n2[int(c)*k+a] -= left[c]
			}
			for _, c := range tr {
				n2[a*k+int(c)] -= right[c]
			}
			n2[a*k+a] -= self
			n1[a] -= nw
			gain := func(b int) float64 {
				d := -2 * (f[n1[b]+nw] - f[n1[b]])
				for _, c := range tl {
					if int(c) == b {
						continue
					}
					x := n2[int(c)*k+b]
					d += f[x+left[c]] - f[x]
				}
				for _, c := range tr {
					if int(c) == b {
						continue
					}
					x := n2[b*k+int(c)]
					d += f[x+right[c]] - f[x]
				}
				x := n2[b*k+b]
				return d + f[x+left[b]+right[b]+self] - f[x]
			}
			best, bestGain := a, gain(a)
			lo, hi := 0, k
			if siblings {
				lo = a &^ 3
				hi = lo + 4
			}
			for b := lo; b < hi; b++ {
				if b == a {
					continue
				}
				if d := gain(b); d > bestGain+1e-9 {
					best, bestGain = b, d
				}
			}
			// Put w into best.
			for _, c := range tl {
				n2[int(c)*k+best] += left[c]
				left[c] = 0
			}
			for _, c := range tr {
				n2[best*k+int(c)] += right[c]
				right[c] = 0
			}
			n2[best*k+best] += self
			n1[best] += nw
			if best != a {
				cls[w] = int32(best)
				moves++
			}
		}
		if log != nil {
			fmt.Fprintf(log, "classes %d, pass %d: %d of %d words moved\n", k, it+1, moves, len(cls))
		}
		if moves == 0 {
			break
		}
	}
}
