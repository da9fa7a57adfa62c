-- Version 11 to 12: on PostgreSQL, the row triggers that keep the derived tables stand
-- aside inside a bulk load (migrations/postgres/0012-bulk-loads.sql). SQLite's bulk
-- load drops and makes again its triggers (SQLiteDialect.bulk_begin): nothing changes
-- here but the version, so that both engines number their shapes alike.
PRAGMA user_version = 12;
