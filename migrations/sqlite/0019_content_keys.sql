-- Content API keys (Ghost's `?key=`): public-safe, read-only keys that front ends and apps put
-- in their code, so they are kept as they are and shown in the admin, as Ghost shows them.
CREATE TABLE content_keys (
    id         INTEGER PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    key        TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
