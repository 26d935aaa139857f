-- Which articles lead with a library item, found by the item: whether a picture is public
-- (the image service, the WordPress API's media) is asked per item, and without this index
-- every such question read the whole archive.
CREATE INDEX articles_by_lead_media ON articles (lead_media_id);
