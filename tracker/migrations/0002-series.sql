-- Version 1 to 2: events can belong to a recurring series, with a number.
-- The same columns, checks and index as schema.sql.
ALTER TABLE items ADD COLUMN series TEXT
    CHECK (series IS NULL OR (type = 'event' AND trim(series) <> ''));
ALTER TABLE items ADD COLUMN series_number INTEGER
    CHECK (series_number IS NULL OR (series_number > 0 AND series IS NOT NULL));
CREATE INDEX items_by_series ON items (series COLLATE NOCASE, series_number) WHERE series IS NOT NULL;
PRAGMA user_version = 2;
