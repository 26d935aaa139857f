-- The library items an article's body shows (image-service URLs and /media/ files in its HTML),
-- kept on every save: an item that a published body shows is public and cannot be deleted, like
-- a lead image. Bodies saved before this migration are read by a job the migration queues.
CREATE TABLE article_media (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    media_id   BIGINT NOT NULL,
    PRIMARY KEY (article_id, media_id)
);
CREATE INDEX article_media_by_media ON article_media (media_id);

INSERT INTO jobs (kind, payload, run_at, dedupe_key, created_at)
SELECT 'media_references', '{"kind":"media_references","after":0}', 0, 'media-references-0', 0
WHERE EXISTS (SELECT 1 FROM articles);
