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
