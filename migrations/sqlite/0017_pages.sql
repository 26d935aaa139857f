-- Pages: the site's standing pages (About, Contact, Terms, Corrections), outside the news flow:
-- no section, date or byline; served at /{slug}, or /{parent}/{slug} under a top-level page.
-- A path is unique: one page of a slug at the top, one under each parent.
CREATE TABLE pages (
    id              INTEGER PRIMARY KEY NOT NULL,
    parent_id       BIGINT REFERENCES pages (id),
    slug            TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'review', 'scheduled', 'published', 'archived')),
    published_at    BIGINT,
    seo_title       TEXT NOT NULL DEFAULT '',
    seo_description TEXT NOT NULL DEFAULT '',
    created_by      BIGINT REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX pages_by_path ON pages (COALESCE(parent_id, 0), slug);

-- A revision for every save of a page, as articles keep them.
CREATE TABLE page_revisions (
    id         INTEGER PRIMARY KEY NOT NULL,
    page_id    BIGINT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    user_id    BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    title      TEXT NOT NULL,
    snapshot   TEXT NOT NULL
);
CREATE INDEX page_revisions_by_page ON page_revisions (page_id, created_at);

-- The library items a page's body shows: public while the page is, and not deletable.
CREATE TABLE page_media (
    page_id  BIGINT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    media_id BIGINT NOT NULL,
    PRIMARY KEY (page_id, media_id)
);
CREATE INDEX page_media_by_media ON page_media (media_id);
