-- The shape of a tracker database: the one source of truth.
--
-- A fresh database is made by running this file whole. A database made by an
-- older release is brought here by the numbered steps in tracker/migrations/
-- (0002-series.sql takes version 1 to 2, 0003-counts.sql 2 to 3, 0004-indexes.sql
-- 3 to 4, 0005-commands.sql 4 to 5, 0006-history.sql 5 to 6, 0007-feeds.sql 6 to 7,
-- 0008-entries-per-feed.sql 7 to 8, 0009-views.sql 8 to 9,
-- 0010-view-columns.sql 9 to 10, 0011-by.sql 10 to 11, 0012-views-and-bulk-loads.sql 11 to 12), and PRAGMA
-- user_version (last line) says which
-- shape a file has. A change here needs its step there too.
--
-- Dates are kept twice: as written for people (`starts`, `due`, `happened`:
-- "2025-12-04" for a whole day, "2025-12-04T10:30:00+05:30" for a time in the
-- item's zone) and as a UTC instant "YYYY-MM-DDTHH:MM:SSZ" (`*_utc`) that sorts
-- and compares as text, for filters, order and countdowns.

-- Events and agreements share one table: one reference space per type (E1,
-- A1), one change log, one search index.
CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    type        TEXT NOT NULL CHECK (type IN ('event', 'agreement')),
    num         INTEGER NOT NULL CHECK (num > 0),       -- the 3 of A3
    title       TEXT NOT NULL CHECK (trim(title) <> ''),
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    -- An event's parent event (the banquet belongs to the visit), or the
    -- event an agreement is expected at. Must be an event (trigger below).
    event_id    INTEGER REFERENCES items (id),
    -- Events only.
    starts      TEXT,
    starts_utc  TEXT,
    ends        TEXT,
    ends_utc    TEXT,       -- when it is over: 24:00 of an all-day event's last day, or
                            -- its start when it has a time and no end
    tz          TEXT,       -- IANA name
    location    TEXT,
    -- Agreements only.
    sector      TEXT CHECK (sector = lower(sector) AND trim(sector) <> ''),
    due         TEXT,
    due_utc     TEXT,
    -- Bookkeeping, UTC.
    created     TEXT NOT NULL,
    updated     TEXT NOT NULL,
    removed     TEXT,       -- set by `tracker remove`: out of lists, kept in history
    -- Events only: the recurring series it belongs to and its number there
    -- (the 23rd India-Russia Annual Summit). Added in version 2.
    series        TEXT CHECK (series IS NULL OR (type = 'event' AND trim(series) <> '')),
    series_number INTEGER CHECK (series_number IS NULL OR (series_number > 0 AND series IS NOT NULL)),

    UNIQUE (type, num),
    CHECK (event_id IS NULL OR event_id <> id),
    CHECK (
        (type = 'event' AND kind IN ('summit', 'state-visit', 'official-visit', 'meeting',
                                     'talks', 'conference', 'ceremony', 'deadline', 'other'))
     OR (type = 'agreement' AND kind IN ('treaty', 'agreement', 'mou', 'pact', 'contract',
                                         'deal', 'statement', 'programme', 'other'))
    ),
    CHECK (
        (type = 'event' AND status IN ('rumoured', 'announced', 'confirmed', 'held',
                                       'postponed', 'cancelled'))
     OR (type = 'agreement' AND status IN ('rumoured', 'expected', 'negotiating', 'initialled',
                                           'signed', 'ratified', 'in-force', 'stalled',
                                           'dropped'))
    ),
    CHECK (type = 'event' OR (starts IS NULL AND ends IS NULL AND tz IS NULL
                              AND location IS NULL)),
    CHECK (type = 'agreement' OR (sector IS NULL AND due IS NULL)),
    CHECK ((starts IS NULL) = (starts_utc IS NULL)),
    CHECK ((starts IS NULL) = (ends_utc IS NULL)),
    CHECK (ends IS NULL OR starts IS NOT NULL),
    CHECK ((due IS NULL) = (due_utc IS NULL))
);

-- The filters `tracker list` offers.
CREATE INDEX items_by_status ON items (type, status);
CREATE INDEX items_by_kind ON items (type, kind);
-- With the end: what is under way is found in the index alone (version 4).
CREATE INDEX items_by_start ON items (type, starts_utc, ends_utc);
CREATE INDEX items_by_end ON items (type, ends_utc);
CREATE INDEX items_by_due ON items (due_utc) WHERE due_utc IS NOT NULL;
CREATE INDEX items_by_sector ON items (sector) WHERE sector IS NOT NULL;
CREATE INDEX items_by_event ON items (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX items_by_series ON items (series COLLATE NOCASE, series_number) WHERE series IS NOT NULL;

CREATE TRIGGER items_event_must_be_event_on_insert
BEFORE INSERT ON items
WHEN NEW.event_id IS NOT NULL
 AND (SELECT type FROM items WHERE id = NEW.event_id) IS NOT 'event'
BEGIN
    SELECT RAISE(ABORT, 'an item can only belong to an event');
END;

CREATE TRIGGER items_event_must_be_event_on_update
BEFORE UPDATE OF event_id ON items
WHEN NEW.event_id IS NOT NULL
 AND (SELECT type FROM items WHERE id = NEW.event_id) IS NOT 'event'
BEGIN
    SELECT RAISE(ABORT, 'an item can only belong to an event');
END;

-- Items are never deleted: `tracker remove` sets `removed`, and the log
-- refers to them for ever.
CREATE TRIGGER items_are_never_deleted
BEFORE DELETE ON items
BEGIN
    SELECT RAISE(ABORT, 'items are never deleted: use tracker remove');
END;

-- Parties (countries, organisations, people) and tags, in the order given.
CREATE TABLE item_parties (
    item_id     INTEGER NOT NULL REFERENCES items (id),
    position    INTEGER NOT NULL,
    party       TEXT NOT NULL CHECK (trim(party) <> ''),
    PRIMARY KEY (item_id, position)
) WITHOUT ROWID;
CREATE INDEX item_parties_by_party ON item_parties (party COLLATE NOCASE, item_id);

CREATE TABLE item_tags (
    item_id     INTEGER NOT NULL REFERENCES items (id),
    position    INTEGER NOT NULL,
    tag         TEXT NOT NULL CHECK (trim(tag) <> ''),
    PRIMARY KEY (item_id, position)
) WITHOUT ROWID;
CREATE INDEX item_tags_by_tag ON item_tags (tag COLLATE NOCASE, item_id);

-- The change log: one row per field changed, written in the same transaction
-- as the change. `field` is 'created' for the creation of an item, 'removed'
-- for its removal, and NULL for a note that changed no field. List values
-- (parties, tags) are JSON arrays. `recorded_by` is who made the change, shown as
-- `by` (itself a keyword): TRACKER_USER, else the OS user; an import keeps its file's.
-- NULL for rows logged before version 11, and where no name was to be had. On the
-- row, not on the command: an import or a copy keeps each change's own author.
CREATE TABLE changes (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES items (id),
    field        TEXT,
    old          TEXT,
    new          TEXT,
    happened     TEXT NOT NULL,     -- when it happened in the world (--on)
    happened_utc TEXT NOT NULL,
    recorded     TEXT NOT NULL,     -- when tracker wrote it, UTC
    source       TEXT CHECK (source IS NULL OR source LIKE 'http://_%' OR source LIKE 'https://_%'),
    note         TEXT,
    -- The command that wrote it (see `commands`); NULL for rows logged before
    -- version 5. Last, where ALTER TABLE put it.
    command_id   INTEGER REFERENCES commands (id),
    -- Who made the change (see above). Last where ALTER TABLE put it. No commas in
    -- these lines: SQLite's DROP COLUMN would take one for the column's own.
    recorded_by  TEXT
);
CREATE INDEX changes_by_item ON changes (item_id, id);
-- A command's rows, for `tracker undo` (version 5).
CREATE INDEX changes_by_command ON changes (command_id) WHERE command_id IS NOT NULL;
-- Retractions of notes: field 'retracted', the retracted change's id in `new`
-- (withdrawn again: in `old`, `new` NULL). The last one per change says whether it
-- is retracted (version 5).
CREATE INDEX changes_retractions ON changes (coalesce(new, old), id) WHERE field = 'retracted';
CREATE INDEX changes_by_happened ON changes (happened_utc);
-- An item's log in the order things happened: `tracker history REF` pages through it
-- from this index, in order, however long the log (version 6).
CREATE INDEX changes_by_item_happened ON changes (item_id, happened_utc);
-- Agreements signed and events held, by when: a report counts them from here,
-- however many other changes the period holds (version 4).
CREATE INDEX changes_settling ON changes (happened_utc, new, field, item_id)
    WHERE field IN ('status', 'created') AND new IN ('signed', 'held');

CREATE TRIGGER changes_are_never_updated
BEFORE UPDATE ON changes
BEGIN
    SELECT RAISE(ABORT, 'the change log is append-only: its rows are never updated');
END;

CREATE TRIGGER changes_are_never_deleted
BEFORE DELETE ON changes
BEGIN
    SELECT RAISE(ABORT, 'the change log is append-only: its rows are never deleted');
END;

-- Each command that wrote to the log (add, update, import ...), so that `tracker
-- undo` can reverse one whole: its rows name it in changes.command_id. An undo is
-- a command too, and names the command it reversed in `undoes`. Added in version 5.
CREATE TABLE commands (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,      -- add, update, import ...
    recorded    TEXT NOT NULL,      -- when it ran, UTC
    undoes      INTEGER REFERENCES commands (id)
);
CREATE INDEX commands_by_undone ON commands (undoes) WHERE undoes IS NOT NULL;

CREATE TRIGGER commands_are_never_updated
BEFORE UPDATE ON commands
BEGIN
    SELECT RAISE(ABORT, 'commands are never updated: the log is append-only');
END;

CREATE TRIGGER commands_are_never_deleted
BEFORE DELETE ON commands
BEGIN
    SELECT RAISE(ABORT, 'commands are never deleted: the log is append-only');
END;

-- How many live agreements have each status, per event (event_id 0: at no event)
-- and overall (event_id -1), kept by triggers so that a report reads a few rows
-- instead of counting every agreement. Added in version 3.
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

-- Full-text search over titles, notes and sources; rowid is items.id. Kept
-- up to date here, so that every write path (add, update, import) feeds it.
CREATE VIRTUAL TABLE item_search USING fts5 (
    title, notes, sources,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER item_search_on_insert
AFTER INSERT ON items
BEGIN
    INSERT INTO item_search (rowid, title, notes, sources) VALUES (NEW.id, NEW.title, '', '');
END;

CREATE TRIGGER item_search_on_title
AFTER UPDATE OF title ON items
BEGIN
    UPDATE item_search SET title = NEW.title WHERE rowid = NEW.id;
END;

CREATE TRIGGER item_search_on_change
AFTER INSERT ON changes
WHEN NEW.note IS NOT NULL OR NEW.source IS NOT NULL
BEGIN
    UPDATE item_search
       SET notes = notes || char(10) || coalesce(NEW.note, ''),
           sources = sources || char(10) || coalesce(NEW.source, '')
     WHERE rowid = NEW.item_id;
END;

-- News in (version 7): the feeds a user follows, the entries read from them, and the
-- changes they propose, waiting in the inbox. Nothing here touches the log: an
-- accepted proposal is logged as any update is.
CREATE TABLE feeds (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE CHECK (trim(name) <> ''),
    url           TEXT NOT NULL UNIQUE CHECK (url LIKE 'http://_%' OR url LIKE 'https://_%'),
    added         TEXT NOT NULL,      -- UTC
    checked       TEXT,               -- the last fetch, UTC
    status        TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'failing', 'gone')),
    etag          TEXT,               -- for a conditional GET
    last_modified TEXT,
    retry_after   TEXT,               -- not to be fetched before (UTC), as a 429 or 503 asked
    error         TEXT                -- why the last fetch failed
);

CREATE TABLE feed_entries (
    id          INTEGER PRIMARY KEY,
    feed        TEXT NOT NULL,        -- the feed's name, or the file's for `news --file`
    entry_key   TEXT NOT NULL,        -- the entry's id (guid, atom:id), else its link
    link        TEXT,                 -- http(s) only
    title       TEXT NOT NULL,
    published   TEXT,                 -- as the feed gave it, with its offset
    summary     TEXT NOT NULL,        -- plain text: HTML reduced
    seen        TEXT NOT NULL,        -- when tracker stored it, UTC
    UNIQUE (feed, entry_key)          -- an id is the feed's own: two feeds' "1" are two stories
);
CREATE INDEX feed_entries_by_link ON feed_entries (link) WHERE link IS NOT NULL;
CREATE INDEX feed_entries_by_feed ON feed_entries (feed, id);

CREATE TABLE proposals (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES feed_entries (id),
    ref         TEXT,                 -- A2, E3; NULL: a new item
    item_type   TEXT NOT NULL CHECK (item_type IN ('event', 'agreement')),
    "set"       TEXT NOT NULL,        -- JSON object: the fields to set
    "on"        TEXT,                 -- when it happened: the entry's date
    source      TEXT CHECK (source IS NULL OR source LIKE 'http://_%' OR source LIKE 'https://_%'),
    headline    TEXT NOT NULL,
    feed        TEXT NOT NULL,
    confidence  REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    evidence    TEXT NOT NULL,        -- JSON object: what matched the item, what signals the change
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'dismissed')),
    decided     TEXT,                 -- when accepted or dismissed, UTC
    -- The command that accepted it: `tracker undo` of that command opens it again (version 8).
    command_id  INTEGER REFERENCES commands (id)
);
CREATE INDEX proposals_by_command ON proposals (command_id) WHERE command_id IS NOT NULL;
CREATE INDEX proposals_open ON proposals (state, confidence DESC, id);

-- Views named for people (version 9), for reading the database in Datasette or
-- sqlite-utils: refs as tracker shows them (A3, E2), parties and tags joined with
-- "; ", dates as written (ISO 8601), removed items left out of agreements and events
-- (the log keeps them). The *_utc columns last sort and compare as text. Nothing
-- writes through them, so they cost the write paths nothing. "+items.type" keeps the
-- planner off the (type, ...) indexes: items are read in id order, so a page of a view
-- (LIMIT 50) reads about 50 rows, not every agreement sorted. No ORDER BY, and the
-- event's columns as subqueries rather than a join: count(*), which Datasette asks for
-- on every page, then reads items alone.
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
       (SELECT group_concat(party, '; ') FROM (SELECT party FROM item_parties
         WHERE item_id = items.id ORDER BY position)) AS parties,
       (SELECT group_concat(tag, '; ') FROM (SELECT tag FROM item_tags
         WHERE item_id = items.id ORDER BY position)) AS tags,
       items.updated AS updated,
       items.due_utc AS due_utc,
       items.id AS id
  FROM items
 WHERE +items.type = 'agreement' AND items.removed IS NULL;

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
       (SELECT group_concat(party, '; ') FROM (SELECT party FROM item_parties
         WHERE item_id = items.id ORDER BY position)) AS parties,
       (SELECT group_concat(tag, '; ') FROM (SELECT tag FROM item_tags
         WHERE item_id = items.id ORDER BY position)) AS tags,
       (SELECT count(*) FROM items AS expected
         WHERE expected.event_id = items.id AND expected.type = 'agreement'
           AND expected.removed IS NULL) AS agreements,
       items.updated AS updated,
       items.starts_utc AS starts_utc,
       items.id AS id
  FROM items
 WHERE +items.type = 'event' AND items.removed IS NULL;

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

PRAGMA user_version = 12;
