package pgindex

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"github.com/newsflow/newsflow/pkg/search"
)

// nameBit marks the number of a name key in entity_id_codes.
const nameBit = 1 << 31

// entityIDFacet counts codes (the entity_id_codes of every match,
// concatenated: an id key's number, then the numbers of its names' keys
// with nameBit set) into the entity facet by id, as the Bleve index
// counts it: the search.FacetSize ids most articles name (ties by id),
// each shown by its name most of them use (ties by language, then name).
func (x *Index) entityIDFacet(ctx context.Context, codes []byte) ([]search.EntityCount, error) {
	if len(codes)%4 != 0 {
		return nil, fmt.Errorf("entity facet by id: %d bytes of numbers, not a multiple of 4", len(codes))
	}
	if len(codes) == 0 {
		return nil, nil
	}
	// Counts per number, and the id each name belongs to: slices indexed
	// by number (numbers are dense), or maps if one is too high for that.
	var maxN uint32
	for i := 0; i < len(codes); i += 4 {
		maxN = max(maxN, binary.BigEndian.Uint32(codes[i:])&^nameBit)
	}
	var inc func(n, owner uint32)
	var get func(n uint32) int
	var ownerOf func(n uint32) uint32
	if maxN < 1<<22 {
		counts := make([]int32, maxN+1)
		owners := make([]uint32, maxN+1)
		inc = func(n, owner uint32) { counts[n]++; owners[n] = owner }
		get = func(n uint32) int { return int(counts[n]) }
		ownerOf = func(n uint32) uint32 { return owners[n] }
	} else {
		counts := map[uint32]int{}
		owners := map[uint32]uint32{}
		inc = func(n, owner uint32) { counts[n]++; owners[n] = owner }
		get = func(n uint32) int { return counts[n] }
		ownerOf = func(n uint32) uint32 { return owners[n] }
	}
	var ids, names []uint32 // distinct, in order of first appearance
	var id uint32
	for i := 0; i < len(codes); i += 4 {
		n := binary.BigEndian.Uint32(codes[i:])
		if n&nameBit == 0 {
			id = n
			if get(n) == 0 {
				ids = append(ids, n)
			}
			inc(n, n)
			continue
		}
		n &^= nameBit
		if get(n) == 0 {
			names = append(names, n)
		}
		inc(n, id)
	}
	// Every id whose count reaches the FacetSize-th highest may be in the
	// facet (ties are ordered by id): look those up with their most used
	// names.
	all := make([]int, len(ids))
	for i, n := range ids {
		all[i] = get(n)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(all)))
	cut := all[min(search.FacetSize, len(all))-1]
	best := map[uint32]int{} // id number -> count of its most used name
	lookup := []int32{}
	for _, n := range ids {
		if get(n) >= cut {
			best[n] = 0
			lookup = append(lookup, int32(n))
		}
	}
	for _, n := range names {
		if b, ok := best[ownerOf(n)]; ok {
			best[ownerOf(n)] = max(b, get(n))
		}
	}
	for _, n := range names {
		if b, ok := best[ownerOf(n)]; ok && get(n) == b {
			lookup = append(lookup, int32(n))
		}
	}
	rows, err := x.pool.Query(ctx, "SELECT id, name FROM article_entity_names WHERE id = ANY($1::int4[])", lookup)
	if err != nil {
		return nil, fmt.Errorf("entity facet by id: name %d keys: %w", len(lookup), err)
	}
	keys := make(map[uint32]string, len(lookup))
	for rows.Next() {
		var n int32
		var key string
		if err := rows.Scan(&n, &key); err != nil {
			return nil, fmt.Errorf("entity facet by id: %w", err)
		}
		keys[uint32(n)] = key
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("entity facet by id: %w", err)
	}
	if len(keys) != len(lookup) {
		return nil, fmt.Errorf("entity facet by id: %d of %d numbers have no key", len(lookup)-len(keys), len(lookup))
	}
	var out []search.EntityCount
	at := map[uint32]int{}
	for n := range best {
		at[n] = len(out)
		out = append(out, search.EntityCount{ID: strings.TrimPrefix(keys[n], "\x1fi\x1f"), Count: get(n)})
	}
	// The name: of the most used names' keys, the least (byte order), as
	// Bleve orders its facet terms.
	nameKey := make([]string, len(out))
	for _, n := range lookup[len(best):] {
		i := at[ownerOf(uint32(n))]
		if k := keys[uint32(n)]; nameKey[i] == "" || k < nameKey[i] {
			nameKey[i] = k
		}
	}
	for i := range out {
		rest := strings.TrimPrefix(nameKey[i], "\x1fn\x1f"+out[i].ID+"\x1f")
		_, out[i].Name, _ = strings.Cut(rest, "\x1f")
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].ID < out[j].ID
	})
	return out[:min(search.FacetSize, len(out))], nil
}
