-- Version 6 to 7: the feeds a user follows, the entries read from them, and the
-- changes they propose, waiting in the inbox (issue 12); the same tables and
-- indexes as schema.sql. Nothing here touches the log: an accepted proposal is
-- logged as any update is.
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
    entry_key   TEXT NOT NULL UNIQUE, -- the entry's id (guid, atom:id), else its link
    link        TEXT,                 -- http(s) only
    title       TEXT NOT NULL,
    published   TEXT,                 -- as the feed gave it, with its offset
    summary     TEXT NOT NULL,        -- plain text: HTML reduced
    seen        TEXT NOT NULL         -- when tracker stored it, UTC
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
    decided     TEXT                  -- when accepted or dismissed, UTC
);
CREATE INDEX proposals_open ON proposals (state, confidence DESC, id);
PRAGMA user_version = 7;
