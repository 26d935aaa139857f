-- The media library: who uploaded each item, and the focal point editors click on (thousandths
-- of the width and height from the top left; the middle by default).
ALTER TABLE media ADD COLUMN focal_x BIGINT NOT NULL DEFAULT 500;
ALTER TABLE media ADD COLUMN focal_y BIGINT NOT NULL DEFAULT 500;
ALTER TABLE media ADD COLUMN uploaded_by BIGINT REFERENCES users (id);
