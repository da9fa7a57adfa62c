-- The roles of a desk's tracker database (README, "Roles"; notes/pg-design.md section 5).
-- tests/test_roles_pg.py runs this very file, part by part, on a real server: what the
-- README shows is what is tested. The database here is named desk.

-- Part 1, as a superuser (or the database's owner), once, before tracker's first run.
-- The owner: makes the schema `tracker` (tracker's first run) and migrates it. Not for daily use.
CREATE ROLE tracker_owner LOGIN;
GRANT CREATE ON DATABASE desk TO tracker_owner;
-- Read-only: list, show, history, report, countdown, export.
CREATE ROLE tracker_reader NOLOGIN;
-- Editor: everything a command writes, and no UPDATE, DELETE or TRUNCATE of the log.
CREATE ROLE tracker_editor NOLOGIN IN ROLE tracker_reader;
-- People: one login each, so that each change says who made it.
CREATE ROLE anna LOGIN IN ROLE tracker_editor;
CREATE ROLE desk_viewer LOGIN IN ROLE tracker_reader;

-- Then run tracker once as tracker_owner: `tracker --db postgresql://tracker_owner@host/desk list`
-- makes the schema `tracker`, owned by tracker_owner (schema.pg.sql).

-- Part 2, as tracker_owner, once the schema is made.
GRANT USAGE ON SCHEMA tracker TO tracker_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA tracker TO tracker_reader;
-- Tables a later version of tracker adds can be read too.
ALTER DEFAULT PRIVILEGES IN SCHEMA tracker GRANT SELECT ON TABLES TO tracker_reader;
GRANT INSERT, UPDATE ON tracker.items, tracker.item_search, tracker.agreement_counts,
      tracker.feeds, tracker.feed_entries, tracker.proposals TO tracker_editor;
GRANT INSERT, DELETE ON tracker.item_parties, tracker.item_tags TO tracker_editor;
-- `tracker feeds remove`
GRANT DELETE ON tracker.feeds TO tracker_editor;
-- The log: appended to, never rewritten (its triggers refuse that even to the owner).
GRANT INSERT ON tracker.changes, tracker.commands TO tracker_editor;
-- USAGE to take the next id; UPDATE for an import, which gives ids and then sets the
-- sequence past them.
GRANT USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA tracker TO tracker_editor;
