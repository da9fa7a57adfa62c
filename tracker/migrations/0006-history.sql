-- Version 5 to 6: an item's log in the order things happened, for `tracker history REF`
-- (read in order with a LIMIT, never sorted); the same index as schema.sql.
CREATE INDEX changes_by_item_happened ON changes (item_id, happened_utc);
PRAGMA user_version = 6;
