-- Articles and their search fields. tsv and etsv hold terms analysed in
-- Go by pkg/search/analysis for the article's language (PostgreSQL has no
-- Bulgarian configuration, and both backends must analyse alike): title
-- terms weighted A, body terms B; etsv holds entity names.
CREATE TABLE articles (
    id           text PRIMARY KEY,
    revision     bigint      NOT NULL,
    source       text        NOT NULL,
    lang         text        NOT NULL,
    published_at timestamptz,
    sort_date    timestamptz,
    word_count   integer     NOT NULL DEFAULT 0,
    entities     text[]      NOT NULL DEFAULT '{}',
    entity_types text[]      NOT NULL DEFAULT '{}',
    tsv          tsvector    NOT NULL,
    etsv         tsvector    NOT NULL,
    doc          text        NOT NULL,
    indexed_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX articles_tsv_idx ON articles USING gin (tsv);
CREATE INDEX articles_etsv_idx ON articles USING gin (etsv);
CREATE INDEX articles_entities_idx ON articles USING gin (entities);
CREATE INDEX articles_entity_types_idx ON articles USING gin (entity_types);
CREATE INDEX articles_sort_date_idx ON articles (sort_date DESC NULLS LAST, id);
CREATE INDEX articles_published_at_idx ON articles (published_at);
CREATE INDEX articles_lang_idx ON articles (lang);
CREATE INDEX articles_source_idx ON articles (source);
