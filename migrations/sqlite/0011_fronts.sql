-- Front pages laid out by editors. `front` names the page: `home`, or `section-<id>` for a
-- section's front. Every published layout is kept as a revision; the one readers see is the
-- newest whose `starts_at` has come, so a layout scheduled for later takes over by itself.
-- `layout` is the JSON document of `fronts::layout::Layout`.
CREATE TABLE front_layouts (
    id         INTEGER PRIMARY KEY NOT NULL,
    front      TEXT NOT NULL,
    layout     TEXT NOT NULL,
    starts_at  BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX front_layouts_in_force ON front_layouts (front, starts_at);

-- The layout an editor is arranging and has not published yet: one per front, shared by the
-- desk, dropped when it is published or discarded. `version` counts its changes, so a change
-- made on a desk that has not seen the one before it is refused.
CREATE TABLE front_drafts (
    front      TEXT PRIMARY KEY NOT NULL,
    layout     TEXT NOT NULL,
    version    BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    updated_at BIGINT NOT NULL
);
