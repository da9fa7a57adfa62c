-- Version 3 to 4: two indexes that keep reports flat at any size; the same as schema.sql.
-- The index of starts holds each event's end too, so that finding what is under way
-- reads the index alone, not a row of every event started in the last year.
DROP INDEX items_by_start;
CREATE INDEX items_by_start ON items (type, starts_utc, ends_utc);
-- Agreements signed and events held, by when: a report counts them from here.
CREATE INDEX changes_settling ON changes (happened_utc, new, field, item_id)
    WHERE field IN ('status', 'created') AND new IN ('signed', 'held');
PRAGMA user_version = 4;
