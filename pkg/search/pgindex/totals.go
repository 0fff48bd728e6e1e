package pgindex

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/newsflow/newsflow/pkg/search"
)

// The entity facets of match-all queries come from the counts the delta
// triggers keep (migrations 0003 and 0009): `*` reads the top of
// article_facet_totals, `*` with lang or source filters sums the rows of
// article_facet_counts those filters select. Both add the deltas not yet
// compacted, so the counts are exact.

// topTotals is the SQL of a subquery (to be given an alias) of the
// search.FacetSize values of kind with the highest counts, as rows of
// value and n, by count and then value in byte order. Values with pending
// deltas are summed with them; the others are read from the top of
// article_facet_totals in index order, skipping those: a value without
// deltas below the first FacetSize others has FacetSize values before it
// whatever the deltas do, so the answer is exact.
func topTotals(kind string) string {
	size := strconv.Itoa(search.FacetSize)
	return `(WITH d AS (
			SELECT value COLLATE "C" AS value, sum(n) AS n FROM article_facet_deltas
			WHERE kind = '` + kind + `' GROUP BY 1
		), u AS (
			(SELECT t.value, t.n FROM article_facet_totals t
			WHERE t.kind = '` + kind + `' AND NOT EXISTS (SELECT 1 FROM d WHERE d.value = t.value)
			ORDER BY t.n DESC, t.value LIMIT ` + size + `)
			UNION ALL
			SELECT d.value, coalesce(t.n, 0) + d.n FROM d
			LEFT JOIN article_facet_totals t ON t.kind = '` + kind + `' AND t.value = d.value
		)
		SELECT value, n FROM u WHERE n > 0 ORDER BY n DESC, value LIMIT ` + size + `)`
}

// idFacetJSON is the SQL of the entity facet by id as JSON triples of id
// key, count and name key (see decodeEntityIDFacet) from ids (rows of
// value, the id key, and n) and names (a lateral subquery of the chosen
// name key, as value, of the id key i.value).
const idFacetJSON = `SELECT coalesce(json_agg(json_build_array(i.value, i.n, nm.value) ORDER BY i.n DESC, i.value), '[]')`

// idFacetTotals is the SQL of the entity facet by id of all articles: the
// top ids of article_facet_totals, each with its name key most counted
// (ties by the least key, i.e. by language, then name), read by the
// prefix the name keys of the id share.
func idFacetTotals() string {
	return `(WITH dn AS (
			SELECT value COLLATE "C" AS value, n FROM article_facet_deltas WHERE kind = 'n'
		)
		` + idFacetJSON + `
		FROM ` + topTotals("i") + ` i
		CROSS JOIN LATERAL (
			SELECT y.value FROM (
				SELECT x.value, sum(x.n) AS n FROM (
					SELECT value, n FROM article_facet_totals
					WHERE kind = 'n' AND value >= E'\x1fn\x1f' || substr(i.value, 4) || E'\x1f'
						AND value < E'\x1fn\x1f' || substr(i.value, 4) || E'\x20'
					UNION ALL
					SELECT value, n FROM dn WHERE starts_with(value, E'\x1fn\x1f' || substr(i.value, 4) || E'\x1f')
				) x GROUP BY x.value HAVING sum(x.n) > 0
			) y ORDER BY y.n DESC, y.value LIMIT 1
		) nm)`
}

// idFacetCounts is the SQL of the entity facet by id of the articles
// where selects (conditions on lang and source): the id and name keys of
// the (lang, source) counts it selects, summed.
func idFacetCounts(where string) string {
	size := strconv.Itoa(search.FacetSize)
	return `(WITH u AS (
			SELECT kind, value COLLATE "C" AS value, n FROM article_facet_counts
			WHERE kind IN ('i', 'n') AND ` + where + `
			UNION ALL
			SELECT kind, value, n FROM article_facet_deltas
			WHERE kind IN ('i', 'n') AND ` + where + `
		), i AS (
			SELECT value, sum(n) AS n FROM u WHERE kind = 'i'
			GROUP BY value HAVING sum(n) > 0 ORDER BY 2 DESC, 1 LIMIT ` + size + `
		), names AS (
			SELECT DISTINCT ON (id) id, value FROM (
				SELECT split_part(value, E'\x1f', 3) AS id, value, sum(n) AS n FROM u
				WHERE kind = 'n' AND split_part(value, E'\x1f', 3) IN (SELECT substr(value, 4) FROM i)
				GROUP BY value HAVING sum(n) > 0
			) y ORDER BY id, n DESC, value
		)
		` + idFacetJSON + `
		FROM i JOIN names nm ON nm.id = substr(i.value, 4))`
}

// decodeEntityIDFacet decodes the JSON of idFacetTotals or idFacetCounts:
// triples of id key, count and name key, in facet order.
func decodeEntityIDFacet(raw []byte) ([]search.EntityCount, error) {
	if raw == nil {
		return nil, nil
	}
	var rows [][3]any
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("decode entity facet by id: %w", err)
	}
	var out []search.EntityCount
	for _, r := range rows {
		idKey, ok1 := r[0].(string)
		n, ok2 := r[1].(float64)
		nameKey, ok3 := r[2].(string)
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("decode entity facet by id: unexpected entry %v", r)
		}
		id := strings.TrimPrefix(idKey, "\x1fi\x1f")
		_, name, _ := strings.Cut(strings.TrimPrefix(nameKey, "\x1fn\x1f"+id+"\x1f"), "\x1f")
		out = append(out, search.EntityCount{ID: id, Name: name, Count: int(n)})
	}
	return out, nil
}
