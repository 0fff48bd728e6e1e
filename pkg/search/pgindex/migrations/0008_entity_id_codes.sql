-- The entity facet grouped by entity id (search.Result.EntityFacet), as
-- the Bleve index gives it. Each article packs, per distinct entity id in
-- the order of its entities, the number of the key "\x1fi\x1f"+id and then
-- the numbers of its names' keys "\x1fn\x1f"+id+"\x1f"+lang+"\x1f"+name
-- with the high bit set (4 bytes big-endian each; keys numbered in
-- article_entity_names, as the names of entity_codes). A search
-- concatenates the matches' entity_id_codes with string_agg and newsflow
-- counts them: each article once per id and once per name of it, exact.
--
-- newsflow writes the column (the keys come from the articles' entities,
-- which the row does not keep by id). Rows written before it have none
-- until they are written again (a re-run of the articles: newsflow
-- reprocess), and a row rewritten by an older replica keeps its old value.
ALTER TABLE articles ADD COLUMN IF NOT EXISTS entity_id_codes bytea NOT NULL DEFAULT ''::bytea;

-- article_entity_id_codes packs the numbers of keys (which must be in
-- article_entity_names), setting the high bit of the name keys.
CREATE OR REPLACE FUNCTION article_entity_id_codes(keys text[]) RETURNS bytea LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(int4send(CASE WHEN starts_with(u.key, E'\x1fn') THEN d.id | (-2147483648)::int4 ELSE d.id END),
        ''::bytea ORDER BY u.i), ''::bytea)
    FROM unnest(keys) WITH ORDINALITY AS u(key, i)
    JOIN article_entity_names d ON d.name = u.key
$$;
