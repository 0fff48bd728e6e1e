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
	// Counts per number, and the id each name belongs to, in slices
	// indexed by number (numbers are dense), or by a slot given to each
	// number if one is too high for that.
	var maxN uint32
	for i := 0; i < len(codes); i += 4 {
		maxN = max(maxN, binary.BigEndian.Uint32(codes[i:])&^nameBit)
	}
	var slots map[uint32]uint32
	var numbers []uint32 // by slot
	size := int(maxN) + 1
	if maxN >= 1<<22 {
		slots = map[uint32]uint32{}
		size = len(codes) / 4
	}
	counts := make([]int32, size)
	owners := make([]uint32, size)
	var ids, names []uint32 // slots, distinct, in order of first appearance
	var id uint32
	for i := 0; i < len(codes); i += 4 {
		w := binary.BigEndian.Uint32(codes[i:])
		s := w &^ nameBit
		if slots != nil {
			n := s
			var ok bool
			if s, ok = slots[n]; !ok {
				s = uint32(len(numbers))
				slots[n] = s
				numbers = append(numbers, n)
			}
		}
		if w&nameBit == 0 {
			id = s
			if counts[s] == 0 {
				ids = append(ids, s)
			}
		} else {
			if counts[s] == 0 {
				names = append(names, s)
			}
			owners[s] = id
		}
		counts[s]++
	}
	get := func(s uint32) int { return int(counts[s]) }
	number := func(s uint32) int32 {
		if slots != nil {
			return int32(numbers[s])
		}
		return int32(s)
	}
	// Every id whose count reaches the FacetSize-th highest may be in the
	// facet (ties are ordered by id): look those up with their most used
	// names.
	top := topCounts{n: search.FacetSize}
	for _, n := range ids {
		top.add(get(n))
	}
	cut := top.cut()
	// best: of each candidate id (by slot), the count of its most used
	// name; 0 for the others.
	best := make([]int32, size)
	var lookup []uint32 // slots: the candidate ids, then their names
	for _, n := range ids {
		if get(n) >= cut {
			lookup = append(lookup, n)
		}
	}
	candidates := len(lookup)
	for _, n := range lookup {
		best[n] = -1
	}
	for _, n := range names {
		if o := owners[n]; best[o] != 0 {
			best[o] = max(best[o], counts[n])
		}
	}
	for _, n := range names {
		if o := owners[n]; best[o] != 0 && counts[n] == best[o] {
			lookup = append(lookup, n)
		}
	}
	bySlot := make(map[int32]uint32, len(lookup))
	nums := make([]int32, len(lookup))
	for i, s := range lookup {
		nums[i] = number(s)
		bySlot[nums[i]] = s
	}
	named, err := x.entityNames(ctx, nums)
	if err != nil {
		return nil, fmt.Errorf("entity facet by id: %w", err)
	}
	keys := make(map[uint32]string, len(lookup))
	for n, key := range named {
		keys[bySlot[n]] = key
	}
	var out []search.EntityCount
	at := map[uint32]int{}
	for _, n := range lookup[:candidates] {
		at[n] = len(out)
		out = append(out, search.EntityCount{ID: strings.TrimPrefix(keys[n], "\x1fi\x1f"), Count: get(n)})
	}
	// The name: of the most used names' keys, the least (byte order), as
	// Bleve orders its facet terms.
	nameKey := make([]string, len(out))
	for _, n := range lookup[candidates:] {
		i := at[owners[n]]
		if k := keys[n]; nameKey[i] == "" || k < nameKey[i] {
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
