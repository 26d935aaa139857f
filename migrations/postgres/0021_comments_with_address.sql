-- The comments still holding the writer's address, by age: the daily job that blanks addresses
-- past the retention period finds them here, where it read every comment on every run (a
-- second at 100,000 comments, at each start too).
CREATE INDEX comments_with_address ON comments (created_at) WHERE ip <> '' OR user_agent <> '';
