-- What an import brought in, and the old addresses it keeps answering.
--
-- `import_map` ties each thing of an export (a WordPress author, term, post, attachment or
-- comment, by its id in the export) to the row it became, per source site, so importing the
-- same export again updates those rows instead of adding copies, and an import stopped half-way
-- resumes. It is written in the same transaction as the row it points at.
CREATE TABLE import_map (
    source    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    source_id TEXT NOT NULL,
    local_id  BIGINT NOT NULL,
    -- A hash of the version of the thing that was imported: an unchanged one is skipped.
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (source, kind, source_id)
);
CREATE INDEX import_map_by_local ON import_map (kind, local_id);

-- Old addresses of things other than articles (category, tag, author and date archives,
-- WordPress's `/?cat=ID` forms) and where they now are; an old article address lives in
-- `article_redirects`, so it follows the article when it moves again.
CREATE TABLE redirects (
    path       TEXT PRIMARY KEY NOT NULL,
    target     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A tag's description, shown on its page as WordPress themes do.
ALTER TABLE tags ADD COLUMN description TEXT NOT NULL DEFAULT '';
