-- The editorial workflow: a revision for every save, and the durable job queue that publishes
-- scheduled articles (and, later, sends mail and digests).

CREATE TABLE revisions (
    id         INTEGER PRIMARY KEY NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id    BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    headline   TEXT NOT NULL,
    snapshot   TEXT NOT NULL
);
CREATE INDEX revisions_by_article ON revisions (article_id, created_at);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    locked_by    TEXT,
    last_error   TEXT,
    dedupe_key   TEXT UNIQUE,
    done_at      BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (done_at, run_at);
