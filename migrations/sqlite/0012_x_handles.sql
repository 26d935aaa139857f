-- An author's handle on X (formerly Twitter), without the "@", for `twitter:creator` on their
-- articles; empty when they have none.
ALTER TABLE authors ADD COLUMN x_handle TEXT NOT NULL DEFAULT '';
