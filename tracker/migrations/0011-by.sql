-- Version 10 to 11: who made each change, `by` to people (recorded_by: `by` is a
-- keyword). Rows logged before have none (NULL, shown empty). The `log` view shows it.
ALTER TABLE changes ADD COLUMN recorded_by TEXT;
DROP VIEW IF EXISTS log;
CREATE VIEW log AS
SELECT (SELECT CASE type WHEN 'event' THEN 'E' ELSE 'A' END || num FROM items
         WHERE items.id = changes.item_id) AS ref,
       (SELECT title FROM items WHERE items.id = changes.item_id) AS title,
       changes.field AS field,
       changes.old AS old,
       changes.new AS new,
       changes.happened AS "on",
       changes.source AS source,
       changes.note AS note,
       changes.recorded AS recorded,
       changes.recorded_by AS "by",
       changes.happened_utc AS on_utc,
       changes.id AS id
  FROM changes;

PRAGMA user_version = 11;
