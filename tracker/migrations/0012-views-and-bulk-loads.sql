-- Version 11 to 12, on PostgreSQL (migrations/postgres/0012-views-and-bulk-loads.sql):
-- the views (agreements, events, log), which an SQLite file has had since version 9;
-- and the derived tables' row triggers standing aside inside a bulk load, which SQLite
-- does by dropping and making again its triggers (SQLiteDialect.bulk_begin). Nothing
-- changes here but the version, which both engines share.
PRAGMA user_version = 12;
