-- Version 2 to 3: agreement counts by event and status, kept by triggers, for reports.
-- The same table and triggers as schema.sql, then filled from the items there are.
CREATE TABLE agreement_counts (
    event_id    INTEGER NOT NULL,
    status      TEXT NOT NULL,
    n           INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (event_id, status)
) WITHOUT ROWID;

CREATE TRIGGER agreement_counts_on_insert
AFTER INSERT ON items
WHEN NEW.type = 'agreement' AND NEW.removed IS NULL
BEGIN
    INSERT INTO agreement_counts (event_id, status, n)
    VALUES (coalesce(NEW.event_id, 0), NEW.status, 1), (-1, NEW.status, 1)
    ON CONFLICT (event_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER agreement_counts_on_update
AFTER UPDATE OF status, event_id, removed ON items
WHEN NEW.type = 'agreement'
BEGIN
    UPDATE agreement_counts SET n = n - 1
     WHERE OLD.removed IS NULL AND status = OLD.status AND event_id IN (coalesce(OLD.event_id, 0), -1);
    INSERT INTO agreement_counts (event_id, status, n)
    SELECT coalesce(NEW.event_id, 0), NEW.status, 1 WHERE NEW.removed IS NULL
    UNION ALL SELECT -1, NEW.status, 1 WHERE NEW.removed IS NULL
    ON CONFLICT (event_id, status) DO UPDATE SET n = n + 1;
END;

INSERT INTO agreement_counts (event_id, status, n)
SELECT coalesce(event_id, 0), status, count(*) FROM items
 WHERE type = 'agreement' AND removed IS NULL GROUP BY 1, 2;
INSERT INTO agreement_counts (event_id, status, n)
SELECT -1, status, count(*) FROM items
 WHERE type = 'agreement' AND removed IS NULL GROUP BY 2;
PRAGMA user_version = 3;
