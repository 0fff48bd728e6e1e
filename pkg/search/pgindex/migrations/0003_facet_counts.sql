-- Facet counts for match-all queries, so that `*` (with or without lang
-- and source filters) need not group every article: articles per (lang,
-- source) and entity mentions per (lang, source, entity), counted like
-- the grouping of Search counts them (an entity listed twice counts
-- twice).
--
-- Triggers on articles append +1/-1 rows to article_facet_deltas in the
-- transaction that writes the articles, so the counts are exactly as
-- current as the rows a query sees. Writers only append, so concurrent
-- index replicas never wait on each other's counter rows (nor deadlock on
-- them); article_facet_compact() moves the deltas into
-- article_facet_counts, one caller at a time, and readers add up both.
CREATE TABLE article_facet_counts (
    kind   text   NOT NULL, -- 'a': articles, value ''; 'e': mentions of the entity value
    lang   text   NOT NULL,
    source text   NOT NULL,
    value  text   NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (kind, lang, source, value)
);
-- Counts that dropped to 0, for compaction to delete.
CREATE INDEX article_facet_counts_zero_idx ON article_facet_counts (kind) WHERE n = 0;

CREATE TABLE article_facet_deltas (
    kind   text   NOT NULL,
    lang   text   NOT NULL,
    source text   NOT NULL,
    value  text   NOT NULL,
    n      bigint NOT NULL
);

CREATE FUNCTION article_facet_deltas_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO article_facet_deltas (kind, lang, source, value, n)
        SELECT 'a', OLD.lang, OLD.source, '', -1
        UNION ALL
        SELECT 'e', OLD.lang, OLD.source, e, -1 FROM unnest(OLD.entities) AS e WHERE e IS NOT NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO article_facet_deltas (kind, lang, source, value, n)
        SELECT 'a', NEW.lang, NEW.source, '', 1
        UNION ALL
        SELECT 'e', NEW.lang, NEW.source, e, 1 FROM unnest(NEW.entities) AS e WHERE e IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION article_facet_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE article_facet_counts, article_facet_deltas;
    RETURN NULL;
END
$$;

-- Creating the triggers locks out writers until this migration commits,
-- so the counts below start from exactly the rows the triggers then track.
CREATE TRIGGER articles_facet_insert_delete AFTER INSERT OR DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION article_facet_deltas_write();
-- A new revision that keeps lang, source and entities costs nothing.
CREATE TRIGGER articles_facet_update AFTER UPDATE ON articles
    FOR EACH ROW
    WHEN (OLD.lang IS DISTINCT FROM NEW.lang OR OLD.source IS DISTINCT FROM NEW.source
          OR OLD.entities IS DISTINCT FROM NEW.entities)
    EXECUTE FUNCTION article_facet_deltas_write();
CREATE TRIGGER articles_facet_truncate AFTER TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION article_facet_counts_truncate();

INSERT INTO article_facet_counts (kind, lang, source, value, n)
SELECT 'a', lang, source, '', count(*) FROM articles GROUP BY lang, source
UNION ALL
SELECT 'e', lang, source, e, count(*) FROM articles, unnest(entities) AS e WHERE e IS NOT NULL
GROUP BY lang, source, e;

-- article_facet_compact moves the committed deltas into the counts, unless
-- another session is compacting (then it returns -1 at once). It returns
-- how many counts it changed.
CREATE FUNCTION article_facet_compact() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    changed bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7245393122) THEN
        RETURN -1;
    END IF;
    WITH d AS (
        DELETE FROM article_facet_deltas RETURNING kind, lang, source, value, n
    )
    INSERT INTO article_facet_counts AS c (kind, lang, source, value, n)
    SELECT kind, lang, source, value, sum(n) FROM d
    GROUP BY kind, lang, source, value HAVING sum(n) <> 0
    ORDER BY kind, lang, source, value
    ON CONFLICT (kind, lang, source, value) DO UPDATE SET n = c.n + EXCLUDED.n;
    GET DIAGNOSTICS changed = ROW_COUNT;
    DELETE FROM article_facet_counts WHERE n = 0;
    RETURN changed;
END
$$;
