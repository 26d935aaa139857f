-- The content model of the reader site: settings, sections, tags, authors, media, articles.
-- Instants are UTC microseconds (BIGINT); ids are 64-bit integers.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- One row whose version moves on every change readers can see; page caches on every node follow it.
CREATE TABLE content_version (
    id      INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 0);

CREATE TABLE media (
    id           INTEGER PRIMARY KEY NOT NULL,
    sha256       TEXT NOT NULL UNIQUE,
    path         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    bytes        BIGINT NOT NULL,
    alt          TEXT NOT NULL DEFAULT '',
    caption      TEXT NOT NULL DEFAULT '',
    credit       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);

CREATE TABLE sections (
    id          INTEGER PRIMARY KEY NOT NULL,
    parent_id   BIGINT REFERENCES sections (id),
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    position    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE
);

CREATE TABLE authors (
    id              INTEGER PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    slug            TEXT NOT NULL UNIQUE,
    bio             TEXT NOT NULL DEFAULT '',
    avatar_media_id BIGINT REFERENCES media (id)
);

CREATE TABLE articles (
    id               INTEGER PRIMARY KEY NOT NULL,
    section_id       BIGINT NOT NULL REFERENCES sections (id),
    slug             TEXT NOT NULL,
    headline         TEXT NOT NULL,
    standfirst       TEXT NOT NULL DEFAULT '',
    body_md          TEXT NOT NULL,
    body_html        TEXT NOT NULL,
    lead_media_id    BIGINT REFERENCES media (id),
    lead_alt         TEXT NOT NULL DEFAULT '',
    lead_caption     TEXT NOT NULL DEFAULT '',
    lead_credit      TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('draft', 'review', 'scheduled', 'published', 'archived')),
    published_at     BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    comments_open    BOOLEAN NOT NULL DEFAULT TRUE,
    newsletter_topic TEXT,
    seo_title        TEXT NOT NULL DEFAULT '',
    seo_description  TEXT NOT NULL DEFAULT '',
    UNIQUE (section_id, slug)
);
CREATE INDEX articles_by_status_time ON articles (status, published_at);
CREATE INDEX articles_by_section_time ON articles (section_id, status, published_at);

CREATE TABLE article_tags (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_by_tag ON article_tags (tag_id);

CREATE TABLE article_authors (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id  BIGINT NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_by_author ON article_authors (author_id);

-- Old article paths, kept after a slug, section or date change so that links answer 301.
CREATE TABLE article_redirects (
    path       TEXT PRIMARY KEY NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
