-- Relevance order reads the tsvector of each of the newest 2,000 matches
-- from TOAST, and lz4 barely shrinks a tsvector (3.0 against 3.6 kB on
-- average on the corpus with entities) while decompressing them took
-- about a tenth of a word search's time in the server. EXTERNAL keeps
-- them out of line, uncompressed (the table grows about 5%). Applies to
-- rows written from now on; older rows keep lz4 until they are written
-- again. Only the catalog changes: no rewrite, no wait.
ALTER TABLE articles ALTER COLUMN tsv SET STORAGE EXTERNAL;
