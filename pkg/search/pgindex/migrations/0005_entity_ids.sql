-- One id per real-world entity, the same in every language (entities[].id):
-- `entity_id:` and the entity_id filter read this column. Rows written
-- before it have none until they are written again (newsflow index rebuild
-- or a re-run of the articles).
ALTER TABLE articles ADD COLUMN IF NOT EXISTS entity_ids text[] NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS articles_entity_ids_idx ON articles USING gin (entity_ids);
