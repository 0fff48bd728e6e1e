package quality

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/newsflow/newsflow/pkg/simhash"
)

// NearDuplicatesFile lists the corpus's labelled article pairs.
const NearDuplicatesFile = "near_duplicates.jsonl"

type pair struct {
	A, B, Lang, Label string
}

// NearDuplicates files every corpus article, in file order, in an index
// like the near-duplicate step's and compares the groups it forms (an
// article and the original it points at) with the labelled pairs:
// "near_duplicate" pairs should be grouped; "similar" pairs (the same
// topic, a different text) and unlisted pairs should not.
// Env.Sign signs an article as the step does.
func NearDuplicates(ctx context.Context, env *Env) (string, error) {
	pairs, err := readPairs(filepath.Join(env.CorpusDir, NearDuplicatesFile))
	if err != nil {
		return "", err
	}
	idx := simhash.NewMemoryIndex()
	root := map[string]string{}
	members := map[string][]string{}
	lang := map[string]string{}
	for _, file := range CorpusFiles {
		as, err := env.Articles(file)
		if err != nil {
			return "", err
		}
		for _, a := range as {
			sig, ok := env.Sign(a)
			r := ""
			if ok {
				r, err = idx.Add(ctx, a.ID, sig)
				if err != nil {
					return "", err
				}
			}
			if r == "" {
				r = a.ID
			}
			root[a.ID] = r
			members[r] = append(members[r], a.ID)
			lang[a.ID] = a.Lang
		}
	}
	key := func(a, b string) string {
		if a > b {
			a, b = b, a
		}
		return a + " " + b
	}
	labels := map[string]string{}
	for _, p := range pairs {
		labels[key(p.A, p.B)] = p.Label
	}
	type counts struct {
		PRF     PRF
		similar int
	}
	per := map[string]*counts{}
	get := func(l string) *counts {
		if per[l] == nil {
			per[l] = &counts{}
		}
		return per[l]
	}
	// Predicted pairs: every two articles of one group.
	predicted := map[string]bool{}
	for _, ms := range members {
		for i := 0; i < len(ms); i++ {
			for j := i + 1; j < len(ms); j++ {
				k := key(ms[i], ms[j])
				predicted[k] = true
				c := get(lang[ms[i]])
				switch labels[k] {
				case "near_duplicate":
					c.PRF.TP++
				case "similar":
					c.PRF.FP++
					c.similar++
				default:
					c.PRF.FP++
				}
			}
		}
	}
	for _, p := range pairs {
		if p.Label == "near_duplicate" && !predicted[key(p.A, p.B)] {
			get(p.Lang).PRF.FN++
		}
	}
	var rows [][]string
	var all PRF
	similar := 0
	for _, l := range sortedKeys(per) {
		c := per[l]
		all.Add(c.PRF)
		similar += c.similar
		rows = append(rows, append(PRFRow(l, c.PRF), fmt.Sprint(c.similar)))
	}
	rows = append(rows, append(PRFRow("**all**", all), fmt.Sprint(similar)))
	var b strings.Builder
	fmt.Fprintf(&b, "Pairs of `%s` (labelled by word 5-shingle overlap, not by a person): every corpus\n", NearDuplicatesFile)
	fmt.Fprintf(&b, "article is filed in order, as the `near_duplicates` step files them (a sketch of the clean body's\n")
	fmt.Fprintf(&b, "word %d-shingles, at most %d hashes; near-duplicates from an estimated Jaccard of %.1f or a\n", simhash.SketchShingle, simhash.SketchSize, simhash.MinJaccard)
	fmt.Fprintf(&b, "containment of %.1f, of the group's original too; the last %d articles). A predicted pair is two\n", simhash.MinContainment, simhash.Capacity)
	b.WriteString("articles pointing at the same original (or one at the other); a predicted pair that is not\n")
	b.WriteString("labelled `near_duplicate` is a false positive, and the last column counts those labelled\n")
	b.WriteString("`similar` (same topic, different text).\n\n")
	b.WriteString(Table(append(PRFHeader("pairs"), "similar as FP"), rows))
	return b.String(), nil
}

func readPairs(path string) ([]pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read labelled pairs: %w", err)
	}
	defer f.Close()
	var out []pair
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p pair
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		out = append(out, p)
	}
	return out, sc.Err()
}
