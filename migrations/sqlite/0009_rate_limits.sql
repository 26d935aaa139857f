-- Attempts counted by the rate limits (sign-in, password links, comments), per scope such as
-- `signin-address:203.0.113.0`. A request records its attempt first and counts after, so parallel
-- requests cannot all slip under a limit; every node shares the count. Replaces login_failures,
-- which recorded a failure only after the password check had run.
CREATE TABLE rate_events (
    id    INTEGER PRIMARY KEY NOT NULL,
    scope TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX rate_events_by_scope ON rate_events (scope, at);

DROP TABLE login_failures;
