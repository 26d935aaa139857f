-- What the editor autosaves while someone types: one copy per article and person, replaced on
-- every autosave and dropped when they save for real.
CREATE TABLE autosaves (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    saved_at   BIGINT NOT NULL,
    fields     TEXT NOT NULL,
    PRIMARY KEY (article_id, user_id)
);
