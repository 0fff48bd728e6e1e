-- The newest articles of a source or a language, in page order: `*` with
-- a source or lang filter reads its page from these instead of walking
-- the date index past every other source's newer articles (a source
-- whose articles are all old made that walk most of the table). They
-- replace the single-column indexes, whose lookups they also serve.
-- Building them locks out writers until the migration commits.
CREATE INDEX articles_source_date_idx ON articles (source, sort_date DESC NULLS LAST, id);
CREATE INDEX articles_lang_date_idx ON articles (lang, sort_date DESC NULLS LAST, id);
DROP INDEX articles_source_idx;
DROP INDEX articles_lang_idx;
