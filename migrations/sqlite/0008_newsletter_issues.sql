-- Newsletter issues and their sends. An issue freezes the articles it carries and, when its
-- send starts, its rendered mail; the recipients table is the resumable send: one row per reader,
-- claimed by a node for a short lease, marked after each message, so a node that dies leaves
-- only its unmarked claims to be taken over and nobody gets the issue twice.

CREATE TABLE newsletter_issues (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    newsletter_id BIGINT NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    subject       TEXT NOT NULL,
    intro         TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL
                  CHECK (status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled', 'skipped')),
    -- Which automatic slot made it ('2026-11-29', '2026-W48', 'article-42'); NULL when an editor
    -- did. Unique, so two nodes never both make the same issue.
    slot          TEXT,
    covers_from   BIGINT NOT NULL,
    covers_until  BIGINT NOT NULL,
    send_at       BIGINT,
    started_at    BIGINT,
    finished_at   BIGINT,
    html          TEXT NOT NULL DEFAULT '',
    text          TEXT NOT NULL DEFAULT '',
    created_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (newsletter_id, slot)
);
CREATE INDEX newsletter_issues_by_newsletter ON newsletter_issues (newsletter_id, status, covers_until);

CREATE TABLE newsletter_issue_articles (
    issue_id   BIGINT NOT NULL REFERENCES newsletter_issues (id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    PRIMARY KEY (issue_id, article_id)
);

CREATE TABLE newsletter_recipients (
    issue_id        BIGINT NOT NULL REFERENCES newsletter_issues (id) ON DELETE CASCADE,
    subscriber_id   BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_by      TEXT,
    claimed_until   BIGINT,
    sent_at         BIGINT,
    error           TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (issue_id, subscriber_id)
);
CREATE INDEX newsletter_recipients_due ON newsletter_recipients (issue_id, status, next_attempt_at);

-- Which issue's link a reader unsubscribed from, for the issue's figures.
ALTER TABLE subscriptions ADD COLUMN unsubscribed_issue_id BIGINT;
