-- Version 7 to 8: an entry is known by its feed and its id, not by its id alone (two
-- feeds' guid "1" are two stories; the link still tells the same story across feeds).
-- SQLite cannot drop a UNIQUE constraint, so the table is copied, ids kept. With
-- foreign keys on (they cannot be turned off inside the migration's transaction) a
-- rename carries proposals' reference along, so proposals are copied too: both old
-- tables are renamed away, both new ones made as schema.sql has them, then the old dropped.
-- Proposals gain the command that accepted them, so that undoing it opens them again.
ALTER TABLE proposals RENAME TO proposals_7;
ALTER TABLE feed_entries RENAME TO feed_entries_7;
CREATE TABLE feed_entries (
    id          INTEGER PRIMARY KEY,
    feed        TEXT NOT NULL,
    entry_key   TEXT NOT NULL,
    link        TEXT,
    title       TEXT NOT NULL,
    published   TEXT,
    summary     TEXT NOT NULL,
    seen        TEXT NOT NULL,
    UNIQUE (feed, entry_key)
);
INSERT INTO feed_entries (id, feed, entry_key, link, title, published, summary, seen)
    SELECT id, feed, entry_key, link, title, published, summary, seen FROM feed_entries_7;
CREATE TABLE proposals (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES feed_entries (id),
    ref         TEXT,
    item_type   TEXT NOT NULL CHECK (item_type IN ('event', 'agreement')),
    "set"       TEXT NOT NULL,
    "on"        TEXT,
    source      TEXT CHECK (source IS NULL OR source LIKE 'http://_%' OR source LIKE 'https://_%'),
    headline    TEXT NOT NULL,
    feed        TEXT NOT NULL,
    confidence  REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    evidence    TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'dismissed')),
    decided     TEXT,
    command_id  INTEGER REFERENCES commands (id)
);
INSERT INTO proposals (id, entry_id, ref, item_type, "set", "on", source, headline, feed, confidence, evidence,
                       state, decided)
    SELECT id, entry_id, ref, item_type, "set", "on", source, headline, feed, confidence, evidence, state, decided
    FROM proposals_7;
DROP TABLE proposals_7;
DROP TABLE feed_entries_7;
CREATE INDEX feed_entries_by_link ON feed_entries (link) WHERE link IS NOT NULL;
CREATE INDEX feed_entries_by_feed ON feed_entries (feed, id);
CREATE INDEX proposals_by_command ON proposals (command_id) WHERE command_id IS NOT NULL;
CREATE INDEX proposals_open ON proposals (state, confidence DESC, id);
PRAGMA user_version = 8;
