-- Version 4 to 5: the commands that wrote the log, for `tracker undo`, and the
-- retraction of notes; the same table, column, indexes and triggers as schema.sql.
-- Rows logged before have no command (NULL): undo does not reach them.
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

ALTER TABLE changes ADD COLUMN command_id INTEGER REFERENCES commands (id);
CREATE INDEX changes_by_command ON changes (command_id) WHERE command_id IS NOT NULL;
CREATE INDEX changes_retractions ON changes (coalesce(new, old), id) WHERE field = 'retracted';
PRAGMA user_version = 5;
