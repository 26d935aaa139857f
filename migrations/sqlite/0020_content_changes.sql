-- The change log every node follows to drop only the cached pages a write changed: one row per
-- committed change to what readers see, numbered by content_version in commit order, with the
-- names of what changed ("a12 s3", or "*" for everything). Writers prune rows more than 10,000
-- versions old; a node that was away longer drops every cached page.
CREATE TABLE content_changes (
    version INTEGER PRIMARY KEY NOT NULL,
    tags    TEXT NOT NULL
);
