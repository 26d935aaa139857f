-- The article body becomes the document model (HTML with a fixed schema, see
-- src/articles/body). `body_schema` says which model a row's `body` is written in: 0 for the
-- Markdown of earlier versions, 1 for the document model. Broadsheet converts rows of an older
-- schema when it starts (src/articles/body/upgrade.rs), so a database can be upgraded in place.
ALTER TABLE articles RENAME COLUMN body_md TO body;
ALTER TABLE articles ADD COLUMN body_schema BIGINT NOT NULL DEFAULT 0;
CREATE INDEX articles_by_body_schema ON articles (body_schema);
