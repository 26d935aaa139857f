-- Reader comments, the local spam classifier's word counts, and the approved-comment count that
-- article lists show without counting. Comment ids are never reused (AUTOINCREMENT here, an
-- identity on PostgreSQL), so an old permalink can never point at someone else's comment.

CREATE TABLE comments (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    article_id         BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id          BIGINT REFERENCES comments (id),
    depth              BIGINT NOT NULL DEFAULT 1,
    user_id            BIGINT REFERENCES users (id) ON DELETE SET NULL,
    author_name        TEXT NOT NULL,
    author_email       TEXT NOT NULL,
    author_url         TEXT NOT NULL DEFAULT '',
    body               TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'spam', 'trash')),
    trashed_from       TEXT,
    reason             TEXT NOT NULL DEFAULT '',
    spam_score         BIGINT,
    trained_as         TEXT CHECK (trained_as IN ('spam', 'ham')),
    features           TEXT NOT NULL DEFAULT '',
    notify_replies     BOOLEAN NOT NULL DEFAULT FALSE,
    authors_notified   BOOLEAN NOT NULL DEFAULT FALSE,
    moderators_notified BOOLEAN NOT NULL DEFAULT FALSE,
    ip                 TEXT NOT NULL DEFAULT '',
    user_agent         TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX comments_by_article ON comments (article_id, status, created_at);
CREATE INDEX comments_by_status ON comments (status, created_at);
CREATE INDEX comments_by_email ON comments (author_email, created_at);
CREATE INDEX comments_by_ip ON comments (ip, created_at);
CREATE INDEX comments_by_parent ON comments (parent_id);

CREATE TABLE spam_tokens (
    token TEXT PRIMARY KEY NOT NULL,
    spam  BIGINT NOT NULL DEFAULT 0,
    ham   BIGINT NOT NULL DEFAULT 0
);

ALTER TABLE articles ADD COLUMN comment_count BIGINT NOT NULL DEFAULT 0;
