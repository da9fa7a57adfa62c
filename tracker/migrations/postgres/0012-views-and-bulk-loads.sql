-- Version 11 to 12: the views of schema.sql (agreements, events, log) on PostgreSQL too,
-- for psql's users. Made by the schema's owner, so that its default privileges (README,
-- Roles) let tracker_reader read them.

CREATE VIEW agreements AS
SELECT 'A' || items.num AS ref,
       items.title AS title,
       items.kind AS kind,
       items.status AS status,
       (SELECT 'E' || num FROM items AS event WHERE event.id = items.event_id) AS event_ref,
       (SELECT title FROM items AS event WHERE event.id = items.event_id) AS event_title,
       (SELECT starts FROM items AS event WHERE event.id = items.event_id) AS event_starts,
       items.sector AS sector,
       items.due AS due,
       (SELECT string_agg(party, '; ' ORDER BY position) FROM item_parties
         WHERE item_id = items.id) AS parties,
       (SELECT string_agg(tag, '; ' ORDER BY position) FROM item_tags
         WHERE item_id = items.id) AS tags,
       items.updated AS updated,
       items.due_utc AS due_utc,
       items.id AS id
  FROM items
 WHERE items.type = 'agreement' AND items.removed IS NULL;

CREATE VIEW events AS
SELECT 'E' || items.num AS ref,
       items.title AS title,
       items.kind AS kind,
       items.status AS status,
       (SELECT 'E' || num FROM items AS parent WHERE parent.id = items.event_id) AS event_ref,
       (SELECT title FROM items AS parent WHERE parent.id = items.event_id) AS event_title,
       items.series AS series,
       items.series_number AS series_number,
       items.starts AS starts,
       items.ends AS ends,
       items.tz AS tz,
       items.location AS location,
       (SELECT string_agg(party, '; ' ORDER BY position) FROM item_parties
         WHERE item_id = items.id) AS parties,
       (SELECT string_agg(tag, '; ' ORDER BY position) FROM item_tags
         WHERE item_id = items.id) AS tags,
       (SELECT count(*) FROM items AS expected
         WHERE expected.event_id = items.id AND expected.type = 'agreement'
           AND expected.removed IS NULL) AS agreements,
       items.updated AS updated,
       items.starts_utc AS starts_utc,
       items.id AS id
  FROM items
 WHERE items.type = 'event' AND items.removed IS NULL;

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

-- Version 11 to 12: the row triggers that keep the derived tables (agreement_counts,
-- item_search) on insert stand aside inside a bulk load, whose transaction says
-- SET LOCAL tracker.bulk_load = 'on' (an import, `tracker copy`); the load fills those
-- tables once at its end, set-based (PostgresDialect.fill_derived). See schema.pg.sql.
-- Everything else is as it was: the rows, and every other trigger.
CREATE OR REPLACE TRIGGER agreement_counts_on_insert
AFTER INSERT ON items
FOR EACH ROW WHEN (NEW.type = 'agreement' AND NEW.removed IS NULL
                   AND current_setting('tracker.bulk_load', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION agreement_counts_on_insert();

CREATE OR REPLACE TRIGGER item_search_on_insert
AFTER INSERT ON items
FOR EACH ROW WHEN (current_setting('tracker.bulk_load', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION item_search_on_insert();

CREATE OR REPLACE TRIGGER item_search_on_change
AFTER INSERT ON changes
FOR EACH ROW WHEN ((NEW.note IS NOT NULL OR NEW.source IS NOT NULL)
                   AND current_setting('tracker.bulk_load', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION item_search_on_change();
