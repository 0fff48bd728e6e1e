-- The story an article belongs to (story_id, set by the enrich stage's
-- stories step): the story_id filter reads this column. Rows written before
-- it have none until they are written again.
ALTER TABLE articles ADD COLUMN IF NOT EXISTS story_id text;
CREATE INDEX IF NOT EXISTS articles_story_id_idx ON articles (story_id) WHERE story_id IS NOT NULL;
