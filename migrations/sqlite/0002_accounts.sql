-- Accounts for the newsroom: people, their sessions, one-time links, failed sign-ins, API tokens.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('administrator', 'editor', 'author', 'contributor')),
    password_hash TEXT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    author_id     BIGINT REFERENCES authors (id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- The cookie holds a random token; only its SHA-256 is stored, so a leaked table opens nothing.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Single-use links: first password (setup) and password reset.
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('setup', 'reset')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

-- Failed sign-ins by account and by address, for rate limiting across every node.
CREATE TABLE login_failures (
    id    INTEGER PRIMARY KEY NOT NULL,
    scope TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX login_failures_by_scope ON login_failures (scope, at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

-- Who created an article, for the "own articles" of authors and contributors.
ALTER TABLE articles ADD COLUMN created_by BIGINT REFERENCES users (id);
