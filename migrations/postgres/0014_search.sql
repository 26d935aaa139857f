-- The search index's change log. Every node keeps its own index on local disk and tails this
-- table: a write to an article sets the article's row to the next sequence number in the same
-- transaction, so a node that was down, or started later, catches up from the last number it
-- indexed. One row per article keeps the log as small as the archive; a deleted article's row
-- stays, so every node learns to drop it.
CREATE TABLE search_log (
    article_id BIGINT PRIMARY KEY NOT NULL,
    seq        BIGINT NOT NULL UNIQUE
);

-- Moves when the whole archive is replaced (a demo reload): every node then rebuilds its index
-- from the database rather than replaying the log.
CREATE TABLE search_epoch (
    id    INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO search_epoch (id, epoch) VALUES (1, 1);

-- Related articles an editor pinned to an article; they come before the computed ones.
CREATE TABLE article_related (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    related_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    PRIMARY KEY (article_id, related_id)
);
CREATE INDEX article_related_by_related ON article_related (related_id);
