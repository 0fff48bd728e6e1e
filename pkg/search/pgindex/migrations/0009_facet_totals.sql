-- Facet counts of `*` without a scan of every value. The entity facet by
-- id (0008) of a match-all query concatenated every article's
-- entity_id_codes, and the entity facet by name summed every (lang,
-- source, entity) count: both grow with the database. Now:
--
-- * article_facet_counts also counts the keys of entity_id_codes per
--   (lang, source): kind 'i' the id keys ("\x1fi\x1f"+id), kind 'n' the
--   name keys ("\x1fn\x1f"+id+"\x1f"+lang+"\x1f"+name), each once per
--   article that has it, as the search counts the codes. `*` with lang or
--   source filters sums these.
-- * article_facet_totals holds the same counts summed over every language
--   and source, per (kind, value), for kinds 'e', 'i' and 'n', with an
--   index in count order: `*` reads the top of it (and the few pending
--   deltas) instead of summing.
--
-- The delta triggers append the key rows with the others, and
-- article_facet_compact() folds the deltas into both tables, so writers
-- still only append and the counts stay exactly as current as the rows.
-- Values are compared in byte order (COLLATE "C"), as newsflow orders the
-- facets it counts itself.
--
-- Writers wait until this migration commits (searches go on), so the
-- counts filled below are exactly the rows the new triggers then track. Rows written before
-- 0008 have no entity_id_codes, and count in neither facet by id until
-- they are written again (as in a search).
LOCK TABLE articles IN SHARE ROW EXCLUSIVE MODE;
SELECT pg_advisory_xact_lock(7245393122);

CREATE TABLE IF NOT EXISTS article_facet_totals (
    kind  text             NOT NULL, -- 'e': entity name; 'i': entity id key; 'n': entity name key
    value text COLLATE "C" NOT NULL,
    n     bigint           NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX IF NOT EXISTS article_facet_totals_top_idx ON article_facet_totals (kind, n DESC, value);
CREATE INDEX IF NOT EXISTS article_facet_totals_zero_idx ON article_facet_totals (kind) WHERE n = 0;
-- `*` in one source sums that source's rows.
CREATE INDEX IF NOT EXISTS article_facet_counts_source_idx ON article_facet_counts (source, kind);

-- article_entity_id_keys returns the keys whose numbers codes packs (an
-- entity_id_codes value), with kind 'i' for an id and 'n' for a name.
CREATE OR REPLACE FUNCTION article_entity_id_keys(codes bytea)
RETURNS TABLE (kind text, key text) LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN get_byte(codes, g.i) >= 128 THEN 'n' ELSE 'i' END, d.name
    FROM generate_series(0, length(codes) - 4, 4) AS g(i)
    -- (<<, & and | bind alike in SQL: every step is parenthesised)
    JOIN article_entity_names d ON d.id = (((get_byte(codes, g.i) & 127) << 24) | (get_byte(codes, g.i + 1) << 16)
        | (get_byte(codes, g.i + 2) << 8) | get_byte(codes, g.i + 3))
$$;

CREATE OR REPLACE FUNCTION article_facet_deltas_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO article_facet_deltas (kind, lang, source, value, n)
        SELECT 'a', OLD.lang, OLD.source, '', -1
        UNION ALL
        SELECT 'e', OLD.lang, OLD.source, e, -1 FROM unnest(OLD.entities) AS e WHERE e IS NOT NULL
        UNION ALL
        SELECT k.kind, OLD.lang, OLD.source, k.key, -1 FROM article_entity_id_keys(OLD.entity_id_codes) AS k;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO article_facet_deltas (kind, lang, source, value, n)
        SELECT 'a', NEW.lang, NEW.source, '', 1
        UNION ALL
        SELECT 'e', NEW.lang, NEW.source, e, 1 FROM unnest(NEW.entities) AS e WHERE e IS NOT NULL
        UNION ALL
        SELECT k.kind, NEW.lang, NEW.source, k.key, 1 FROM article_entity_id_keys(NEW.entity_id_codes) AS k;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION article_facet_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE article_facet_counts, article_facet_deltas, article_facet_totals;
    RETURN NULL;
END
$$;

-- article_facet_compact moves the committed deltas into the counts and
-- the totals, unless another session is compacting (then it returns -1 at
-- once). It returns how many counts it changed.
CREATE OR REPLACE FUNCTION article_facet_compact() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    changed bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7245393122) THEN
        RETURN -1;
    END IF;
    WITH d AS (
        DELETE FROM article_facet_deltas RETURNING kind, lang, source, value, n
    ), g AS (
        SELECT kind, lang, source, value, sum(n) AS n FROM d
        GROUP BY kind, lang, source, value HAVING sum(n) <> 0
    ), t AS (
        INSERT INTO article_facet_totals AS c (kind, value, n)
        SELECT kind, value, sum(n) FROM g WHERE kind <> 'a'
        GROUP BY kind, value HAVING sum(n) <> 0
        ORDER BY kind, value
        ON CONFLICT (kind, value) DO UPDATE SET n = c.n + EXCLUDED.n
    )
    INSERT INTO article_facet_counts AS c (kind, lang, source, value, n)
    SELECT kind, lang, source, value, n FROM g
    ORDER BY kind, lang, source, value
    ON CONFLICT (kind, lang, source, value) DO UPDATE SET n = c.n + EXCLUDED.n;
    GET DIAGNOSTICS changed = ROW_COUNT;
    DELETE FROM article_facet_counts WHERE n = 0;
    DELETE FROM article_facet_totals WHERE n = 0;
    RETURN changed;
END
$$;

-- The counts so far: pending deltas folded in (the old way: the totals
-- are filled from the result), then the keys of every row.
WITH d AS (
    DELETE FROM article_facet_deltas RETURNING kind, lang, source, value, n
)
INSERT INTO article_facet_counts AS c (kind, lang, source, value, n)
SELECT kind, lang, source, value, sum(n) FROM d
GROUP BY kind, lang, source, value HAVING sum(n) <> 0
ORDER BY kind, lang, source, value
ON CONFLICT (kind, lang, source, value) DO UPDATE SET n = c.n + EXCLUDED.n;
DELETE FROM article_facet_counts WHERE n = 0 OR kind IN ('i', 'n');
INSERT INTO article_facet_counts (kind, lang, source, value, n)
SELECT k.kind, a.lang, a.source, k.key, count(*)
FROM articles a, article_entity_id_keys(a.entity_id_codes) AS k
WHERE length(a.entity_id_codes) > 0
GROUP BY 1, 2, 3, 4;
TRUNCATE article_facet_totals;
INSERT INTO article_facet_totals (kind, value, n)
SELECT kind, value, sum(n) FROM article_facet_counts WHERE kind <> 'a'
GROUP BY 1, 2 HAVING sum(n) <> 0;
-- A new revision that changes only entity_id_codes counts too. Replaced
-- last, and not dropped: dropping a trigger would lock searches out until
-- the migration commits (OR REPLACE takes the writers' lock only).
CREATE OR REPLACE TRIGGER articles_facet_update AFTER UPDATE ON articles
    FOR EACH ROW
    WHEN (OLD.lang IS DISTINCT FROM NEW.lang OR OLD.source IS DISTINCT FROM NEW.source
          OR OLD.entities IS DISTINCT FROM NEW.entities
          OR OLD.entity_id_codes IS DISTINCT FROM NEW.entity_id_codes)
    EXECUTE FUNCTION article_facet_deltas_write();

-- Statistics for the new kinds, so that the first searches plan with them.
ANALYZE article_facet_counts;
ANALYZE article_facet_totals;
