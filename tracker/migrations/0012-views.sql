-- Version 11 to 12: the views (agreements, events, log) on PostgreSQL too
-- (migrations/postgres/0012-views.sql). An SQLite file has had them since version 9:
-- nothing changes here but the version, which both engines share.
PRAGMA user_version = 12;
