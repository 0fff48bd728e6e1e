package pgindex

import (
	"context"
	"fmt"
	"sync"
)

// maxCachedNames bounds the entity names an Index keeps (about 1.5 MB);
// when full, the cache starts over.
const maxCachedNames = 1 << 14

// nameCache keeps the names of entity numbers (article_entity_names.id)
// that facets have looked up. A number is never reused nor renamed, so a
// name once read stays right whatever other replicas write; most searches
// name the same frequent entities, and each look-up was a round trip of
// its own after the search.
type nameCache struct {
	mu    sync.RWMutex
	names map[int32]string
}

// entityNames returns the names of the entity numbers nums, reading those
// it has not cached in one statement. It fails if a number has no name.
func (x *Index) entityNames(ctx context.Context, nums []int32) (map[int32]string, error) {
	out := make(map[int32]string, len(nums))
	var missing []int32
	x.names.mu.RLock()
	for _, n := range nums {
		if name, ok := x.names.names[n]; ok {
			out[n] = name
		} else {
			missing = append(missing, n)
		}
	}
	x.names.mu.RUnlock()
	if len(missing) == 0 {
		return out, nil
	}
	rows, err := x.pool.Query(ctx, "SELECT id, name FROM article_entity_names WHERE id = ANY($1::int4[])", missing)
	if err != nil {
		return nil, fmt.Errorf("name %d entity numbers: %w", len(missing), err)
	}
	defer rows.Close()
	read := make(map[int32]string, len(missing))
	for rows.Next() {
		var n int32
		var name string
		if err := rows.Scan(&n, &name); err != nil {
			return nil, fmt.Errorf("name entity numbers: %w", err)
		}
		read[n] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("name entity numbers: %w", err)
	}
	if len(read) != len(missing) {
		return nil, fmt.Errorf("name entity numbers: %d of %d have no name", len(missing)-len(read), len(missing))
	}
	x.names.mu.Lock()
	if x.names.names == nil || len(x.names.names)+len(read) > maxCachedNames {
		x.names.names = make(map[int32]string, len(read))
	}
	for n, name := range read {
		x.names.names[n] = name
		out[n] = name
	}
	x.names.mu.Unlock()
	return out, nil
}
