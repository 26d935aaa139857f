-- Topic newsletters and their readers: what each newsletter draws from, who signed up (with the
-- consent they gave), and each reader's subscriptions.

CREATE TABLE newsletters (
    id           INTEGER PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    slug         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL DEFAULT '',
    sender_name  TEXT NOT NULL DEFAULT '',
    sender_email TEXT NOT NULL DEFAULT '',
    reply_to     TEXT NOT NULL DEFAULT '',
    cadence      TEXT NOT NULL CHECK (cadence IN ('daily', 'weekly', 'publish', 'manual')),
    send_time    TEXT NOT NULL DEFAULT '07:00',
    send_weekday BIGINT NOT NULL DEFAULT 1,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    position     BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE newsletter_sections (
    newsletter_id BIGINT NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    section_id    BIGINT NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    PRIMARY KEY (newsletter_id, section_id)
);

CREATE TABLE newsletter_tags (
    newsletter_id BIGINT NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    tag_id        BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (newsletter_id, tag_id)
);

CREATE TABLE subscribers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email      TEXT NOT NULL UNIQUE,
    status     TEXT NOT NULL CHECK (status IN ('active', 'bounced')),
    created_at BIGINT NOT NULL
);

-- One row per reader and newsletter. A sign-up stays pending until its link is used; the consent
-- given (when, from which address, on which form, with which words) is kept with it.
CREATE TABLE subscriptions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    subscriber_id   BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    newsletter_id   BIGINT NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
    requested_at    BIGINT NOT NULL,
    confirmed_at    BIGINT,
    unsubscribed_at BIGINT,
    consent_ip      TEXT NOT NULL DEFAULT '',
    consent_form    TEXT NOT NULL DEFAULT '',
    consent_text    TEXT NOT NULL DEFAULT '',
    link_used       BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (subscriber_id, newsletter_id)
);
CREATE INDEX subscriptions_by_newsletter ON subscriptions (newsletter_id, status);
CREATE INDEX subscriptions_by_status ON subscriptions (status, requested_at);
