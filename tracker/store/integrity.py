"""What `tracker check` reads and what `--repair` writes: the file's own checks, the
schema's objects as they are, rows that refer to nothing, the log's last word on each
field against the item, values that are not what tracker writes, and the derived tables.

Each read is one pass in SQL over the table it checks (a GROUP BY, a scan with date
functions), not a query per item: at 100,000 agreements (190,000 log rows) the log's
last word on every field takes 0.6 s, the dates 0.5 s, the derived tables 0.3 s, the
foreign keys 0.2 s, beside SQLite's own integrity_check (2.1 s; quick_check 0.9 s).

Much here is SQLite's side, marked so where it is (PRAGMA integrity_check and
foreign_key_check, sqlite_master, FTS5's item_search_content, GLOB, json_valid and
json_type, julianday and date() for the date forms, rowid). PostgreSQL's twins sit
beside them, chosen by `self.dialect.name`: the server checks its own pages and keeps
its foreign keys, so there is no damage to read; its safeguards are its triggers
(PostgresDialect.safeguard_troubles); orphans are looked for key by key (a superuser
can still write past the keys, with session_replication_role = replica); date forms are
regular expressions and tracker_days() (schema.pg.sql); JSON is tested in Python, since
PostgreSQL 15 has no json_valid and a function of tracker's own could not be made in the
read-only snapshot `tracker copy` checks its source in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from tracker.store.connection import Connection
from tracker.store.dialect import quoted as _quoted

# The log's names for fields (see core.plan_fields) and the item's value each one is
# compared with, as the log writes it: a reference for the event an item belongs to,
# the number as text, lists as JSON arrays, "removed" once removed. `created` gives the
# status an item was added with: the last status change, if there is one, says more.
_FOUND = {
    "status": "items.status", "title": "items.title", "kind": "items.kind",
    "start": "items.starts", "end": "items.ends", "tz": "items.tz", "location": "items.location",
    "sector": "items.sector", "due": "items.due", "series": "items.series",
    "number": "CAST(items.series_number AS TEXT)",
    "removed": "CASE WHEN items.removed IS NULL THEN NULL ELSE 'removed' END",
    "parent": "(SELECT CASE link.type WHEN 'event' THEN 'E' ELSE 'A' END || link.num "
              "FROM items AS link WHERE link.id = items.event_id)",
    "parties": "(SELECT json_group_array(party) FROM "
               "(SELECT party FROM item_parties WHERE item_id = items.id ORDER BY position))",
    "tags": "(SELECT json_group_array(tag) FROM "
            "(SELECT tag FROM item_tags WHERE item_id = items.id ORDER BY position))",
}
_FOUND["event"] = _FOUND["parent"]
# PostgreSQL's side: lists as jsonb's text (compared with the log's, read as jsonb too).
_PG_FOUND = {**_FOUND, **{
    name: f"(SELECT coalesce(jsonb_agg({column} ORDER BY position), '[]')::text FROM {table} "
          "WHERE item_id = items.id)"
    for name, column, table in (("parties", "party", "item_parties"), ("tags", "tag", "item_tags"))}}
LOGGED_FIELDS = tuple(_FOUND)
LIST_FIELDS = ("parties", "tags")

# SQLite's side (julianday, date()).
# The forms tracker writes dates in. A day or a time with its offset (starts, due,
# happened); a UTC instant that sorts as text (*_utc); a bookkeeping stamp (created,
# recorded). julianday() reads the whole of each (and refuses a 13th month, a 25th hour,
# a word, but not the year 0, which Python's dates have not); whether the 29th to 31st
# exist in their month, date() says by rolling them over to the next month. A GLOB of
# the digits cost five times as much at 100k items.


def _exists(c: str) -> str:
    return (f"substr({c}, 5, 1) = '-' AND julianday({c}) IS NOT NULL AND substr({c}, 1, 4) <> '0000' "
            f"AND (substr({c}, 9, 2) < '29' OR date(substr({c}, 1, 10), '+0 days') = substr({c}, 1, 10))")


FORMS = {
    # Within the days tracker accepts (dates.FIRST_DAY to LAST_DAY), as every reader checks.
    "day or time": lambda c: f"(length({c}) IN (10, 25) AND {_exists(c)} "
                             f"AND substr({c}, 1, 10) BETWEEN '1900-01-01' AND '2199-12-31')",
    "UTC time": lambda c: f"(length({c}) = 20 AND substr({c}, 20) = 'Z' AND {_exists(c)})",
    "timestamp": lambda c: f"(length({c}) >= 20 AND {_exists(c)})",
}
# PostgreSQL's side: the same forms, as regular expressions and tracker_days() (which is
# NULL for a day that does not exist, a 25th hour, the year 0). tracker writes a time with
# its seconds and offset (25 characters) and a UTC instant with a Z (20).
PG_FORMS = {
    "day or time": lambda c: (rf"({c} ~ '^\d{{4}}-\d\d-\d\d(T\d\d:\d\d:\d\d[+-]\d\d:\d\d)?$' "
                              rf"AND tracker_days({c}) IS NOT NULL AND substr({c}, 1, 10) BETWEEN '1900-01-01' "
                              rf"AND '2199-12-31')"),
    "UTC time": lambda c: rf"({c} ~ '^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ$' AND tracker_days({c}) IS NOT NULL)",
    "timestamp": lambda c: rf"(length({c}) >= 20 AND {c} ~ '^\d{{4}}-\d\d-\d\dT' AND tracker_days({c}) IS NOT NULL)",
}
# PostgreSQL's side: the foreign keys a superuser can write past (session_replication_role
# = replica), as SQLite's foreign_key_check finds them: (table, its column, the parent).
# item_search's key is left to search_off(), as FTS5 has none.
PG_KEYS = (("items", "event_id", "items"), ("item_parties", "item_id", "items"), ("item_tags", "item_id", "items"),
           ("changes", "item_id", "items"), ("changes", "command_id", "commands"),
           ("commands", "undoes", "commands"), ("proposals", "entry_id", "feed_entries"),
           ("proposals", "command_id", "commands"))
# Each dated column, the form it must have.
DATED = {
    "items": {"starts": "day or time", "ends": "day or time", "due": "day or time",
              "starts_utc": "UTC time", "ends_utc": "UTC time", "due_utc": "UTC time",
              "created": "timestamp", "updated": "timestamp", "removed": "timestamp"},
    "changes": {"happened": "day or time", "happened_utc": "UTC time", "recorded": "timestamp"},
}


class Integrity(Connection):
    # SQLite's side: PRAGMA integrity_check / quick_check.
    def damage(self, quick: bool = False) -> list[str]:
        """What SQLite's own check finds wrong with the file (pages, indexes, NOT NULL
        and CHECK constraints); quick_check leaves out the indexes' contents. Nothing on
        PostgreSQL, whose server checks its own pages and keeps its constraints."""
        if self.dialect.name == "postgres":
            return []
        found = [row[0] for row in self.conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check")]
        return [] if found == ["ok"] else found

    # SQLite's side: sqlite_master and FTS5's shadow tables.
    def schema_objects(self) -> dict[str, tuple[str, str]]:
        """Each named object of the file: name -> (type, SQL), leaving out SQLite's own
        and the tables FTS5 keeps behind a virtual table."""
        rows = self.conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").fetchall()
        virtual = [name for _, name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
        shadow = {f"{name}_{part}" for name in virtual for part in ("data", "idx", "content", "docsize", "config")}
        return {name: (kind, sql or "") for kind, name, sql in rows if name not in shadow}

    # PostgreSQL's side: the triggers, against the record tracker made of them.
    def safeguard_troubles(self) -> list[tuple[str, str]]:
        """PostgreSQL: each of tracker's triggers missing, disabled or altered, and each
        trigger not tracker's: (name, what)."""
        return self.dialect.safeguard_troubles(self.conn)

    # PostgreSQL's side: the catalog.
    def pg_shape(self) -> tuple[dict[str, set[str]], dict[str, str]]:
        """PostgreSQL: tracker's schema as it is: each table's columns; the indexes not
        made by a constraint (a primary key, UNIQUE) and the views: name -> "index" or "view"."""
        tables: dict[str, set[str]] = {}
        for table, column in self.conn.execute(
                "SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                "WHERE n.nspname = 'tracker' AND c.relkind IN ('r', 'p')").fetchall():
            tables.setdefault(table, set()).update([column] if column else [])
        made = dict(self.conn.execute(
            "SELECT i.relname, 'index' FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_namespace n ON n.oid = i.relnamespace WHERE n.nspname = 'tracker' AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x')) "
            "UNION ALL SELECT c.relname, 'view' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'tracker' AND c.relkind = 'v'").fetchall())
        return tables, made

    def trigger_table(self, name: str) -> str | None:
        """PostgreSQL: the table a trigger of tracker's schema is on, if it is there."""
        row = self.conn.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'tracker' AND NOT t.tgisinternal "
            "AND t.tgname = ?", (name,)).fetchone()
        return row[0] if row else None

    def drop_trigger(self, name: str, table: str) -> None:
        """PostgreSQL: a trigger dropped (names read from pg_trigger, quoted as identifiers)."""
        self.conn.execute(f"DROP TRIGGER IF EXISTS {_quoted(name)} ON {_quoted(table)}")

    def record_safeguards(self) -> None:
        """PostgreSQL: the triggers as they are now recorded as tracker's (as make_schema does)."""
        self.dialect.record_safeguards(self.conn)

    # SQLite's side: PRAGMA foreign_key_check / foreign_key_list, rowid.
    def orphans(self) -> Iterator[tuple[str, int | None, str, object]]:
        """Rows that refer to a row that is not there, from PRAGMA foreign_key_check
        (foreign keys are off in other clients, such as the sqlite3 shell): (table, rowid,
        parent table, the value they refer by); for a table without rowids (parties,
        tags), one per value: (table, None, parent table, (value, how many rows))."""
        if self.dialect.name == "postgres":
            yield from self._pg_orphans()
            return
        columns: dict[tuple[str, int], str] = {}
        keyless: set[tuple[str, str, str]] = set()
        for table, rowid, parent, key in self.conn.execute("PRAGMA foreign_key_check").fetchall():
            if (table, key) not in columns:
                # Names read from the file's own schema, quoted as identifiers.
                columns[table, key] = self.conn.execute(
                    f"PRAGMA foreign_key_list({_quoted(table)})").fetchall()[key][3]
            column = columns[table, key]
            if rowid is None:
                keyless.add((table, column, parent))
                continue
            value = self.conn.execute(
                f"SELECT {_quoted(column)} FROM {_quoted(table)} WHERE rowid = ?", (rowid,)).fetchone()
            yield table, rowid, parent, value[0] if value else None
        for table, column, parent in sorted(keyless):
            for value, count in self.conn.execute(
                    f"SELECT {_quoted(column)}, count(*) FROM {_quoted(table)} WHERE {_quoted(column)} NOT IN "
                    f"(SELECT rowid FROM {_quoted(parent)}) GROUP BY 1 ORDER BY 1"):
                yield table, None, parent, (value, count)

    # PostgreSQL's side: each key of PG_KEYS looked for in its parent.
    def _pg_orphans(self) -> Iterator[tuple[str, int | None, str, object]]:
        for table, column, parent in PG_KEYS:
            missing = (f"{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {parent} AS parent "
                       f"WHERE parent.id = {table}.{column})")
            if table in ("item_parties", "item_tags"):
                for value, count in self.conn.execute(
                        f"SELECT {column}, count(*) FROM {table} WHERE {missing} GROUP BY 1 ORDER BY 1").fetchall():
                    yield table, None, parent, (value, count)
            else:
                for rowid, value in self.conn.execute(
                        f"SELECT id, {column} FROM {table} WHERE {missing} ORDER BY id").fetchall():
                    yield table, rowid, parent, value

    def read_apart(self):
        """One part of the check, whose failure (a table dropped) leaves the rest to run,
        inside a repair's transaction too (Dialect.may_fail)."""
        return self.dialect.may_fail(self.conn)

    def item_ref(self, item_id: int) -> str | None:
        row = self.conn.execute("SELECT type, num FROM items WHERE id = ?", (item_id,)).fetchone()
        return None if row is None else f"{'E' if row[0] == 'event' else 'A'}{row[1]}"

    def drifted(self) -> list[dict]:
        """Fields whose value differs from the last value the item's log gives them (in
        the order changes were written), one row each: item, field, found, expected."""
        postgres = self.dialect.name == "postgres"
        found = "CASE last.field " + " ".join(
            f"WHEN '{name}' THEN {value}" for name, value in (_PG_FOUND if postgres else _FOUND).items()) + " END"
        # List values are compared as JSON, however they were spaced (SQLite's json functions).
        expected = ("CASE WHEN last.field IN ('parties', 'tags') AND json_valid(last.new) "
                    "THEN json(last.new) ELSE last.new END")
        if postgres:
            # PostgreSQL's side: lists compared as text here, as JSON below (no json_valid in SQL).
            expected = "last.new"
        fields = ", ".join(f"'{name}'" for name in ("created", *LOGGED_FIELDS))
        # One row per item and field: the last change by id; a status change outranks
        # the status given at creation, whatever their ids (an import writes the log
        # in the order things happened, and a change may be dated before the creation).
        named, rank = ("CASE field WHEN 'created' THEN 'status' ELSE field END",
                       "CASE WHEN field = 'created' THEN id ELSE id + 4611686018427387904 END")
        last = ((f"SELECT DISTINCT ON (item_id, {named}) item_id, {named} AS field, new FROM changes "
                 f"WHERE field IN ({fields}) ORDER BY item_id, {named}, {rank} DESC")
                if postgres else   # PostgreSQL's side: DISTINCT ON for SQLite's bare column beside max()
                (f"SELECT item_id, {named} AS field, new, max({rank}) AS rank "
                 f"FROM changes WHERE field IN ({fields}) GROUP BY item_id, 2"))
        found_rows = self.query(
            f"WITH last AS ({last}) "
            f"SELECT items.id AS item_id, items.type, items.num, last.field, {found} AS found, "
            f"last.new AS expected FROM last JOIN items ON items.id = last.item_id "
            f"WHERE {self.dialect.differs(f'({found})', f'({expected})')} ORDER BY items.id, last.field")
        if postgres:
            found_rows = [row for row in found_rows if row["field"] not in ("parties", "tags")
                          or _json(row["found"]) is None or _json(row["found"]) != _json(row["expected"])]
        return found_rows

    def field_log(self, item_id: int, field: str) -> list[tuple[str, str, int, str | None]]:
        """An item's changes to one field (with its creation, for the status): (field,
        recorded, id, new)."""
        names = ("created", "status") if field == "status" else (field,)
        return self.conn.execute(
            f"SELECT field, recorded, id, new FROM changes WHERE item_id = ? AND field IN "
            f"({', '.join('?' for _ in names)})", (item_id, *names)).fetchall()

    def unlogged(self) -> list[tuple[int, str, int, str]]:
        """Items with no creation in their log (added outside tracker): id, type, num, status."""
        return self.conn.execute(
            "SELECT id, type, num, status FROM items WHERE NOT EXISTS "
            "(SELECT 1 FROM changes WHERE changes.item_id = items.id AND field = 'created') ORDER BY id").fetchall()

    # SQLite's side: FORMS (julianday, date()), rowid.
    def malformed(self) -> Iterator[tuple[str, int, str, str, object, int | None]]:
        """Dated values not in the form tracker writes them: (table, rowid, column, form,
        value, item id). One pass over each table; which column is wrong is worked out
        for the rows found only."""
        # PostgreSQL's side: PG_FORMS, and the primary key for the rowid.
        forms, key = (PG_FORMS, "id") if self.dialect.name == "postgres" else (FORMS, "rowid")
        for table, columns in DATED.items():
            owner = "id" if table == "items" else "item_id"
            wrong = [f"({column} IS NOT NULL AND NOT {forms[form](column)})" for column, form in columns.items()]
            for rowid, item_id, *found in self.conn.execute(
                    f"SELECT {key}, {owner}, {', '.join(f'{column}, {test}' for column, test in zip(columns, wrong))} "
                    f"FROM {table} WHERE {' OR '.join(wrong)} ORDER BY {key}"):
                for (column, form), value, bad in zip(columns.items(), found[0::2], found[1::2]):
                    if bad:
                        yield table, rowid, column, form, value, item_id

    def proposal_troubles(self) -> list[tuple[int, str, str | None, object, str]]:
        """What is wrong with the inbox's proposals, in one pass: (id, what, ref, the value
        at fault, its state). A proposal names its item by reference (A2), not by a foreign key: one
        about an item that does not exist, or of the other type, is found here."""
        if self.dialect.name == "postgres":
            return self._pg_proposal_troubles()
        # SQLite's side: GLOB, json_valid, json_type, FORMS.
        forms, number = FORMS, "INTEGER"
        not_ref = ("NOT (ref GLOB '[AE][0-9]*' AND substr(ref, 2) NOT GLOB '*[^0-9]*' "
                   "AND length(ref) BETWEEN 2 AND 19)")
        not_object = "NOT (json_valid({0}) AND json_type({0}) = 'object')".format
        untitled = "json_type(\"set\", '$.title') IS NOT 'text'"
        day, stamp = forms["day or time"]('"on"'), forms["timestamp"]("decided")
        return self.conn.execute(f"""
            SELECT id, trouble, ref, CASE trouble WHEN 'ref' THEN ref WHEN 'set' THEN "set" WHEN 'evidence' THEN evidence
                                                  WHEN 'title' THEN "set" WHEN 'on' THEN "on"
                                                  WHEN 'open' THEN coalesce(decided, 'by command ' || command_id)
                                                  ELSE decided END, state
            FROM (SELECT *, CASE
                WHEN ref IS NOT NULL AND {not_ref} THEN 'ref'
                WHEN ref IS NOT NULL AND substr(ref, 1, 1) <> CASE item_type WHEN 'event' THEN 'E' ELSE 'A' END
                  THEN 'type'
                WHEN ref IS NOT NULL AND state = 'open' AND NOT EXISTS (SELECT 1 FROM items WHERE items.type = proposals.item_type
                                                     AND items.num = CAST(substr(ref, 2) AS {number})) THEN 'item'
                WHEN {not_object('"set"')} THEN 'set'
                WHEN {not_object('evidence')} THEN 'evidence'
                WHEN ref IS NULL AND {untitled} THEN 'title'
                WHEN "on" IS NOT NULL AND NOT {day} THEN 'on'
                WHEN state = 'open' AND (decided IS NOT NULL OR command_id IS NOT NULL) THEN 'open'
                WHEN state <> 'open' AND (decided IS NULL OR NOT {stamp}) THEN 'decided'
              END AS trouble FROM proposals) AS checked
            WHERE trouble IS NOT NULL ORDER BY id""").fetchall()

    # PostgreSQL's side: ~ for GLOB, PG_FORMS; the JSON tests (SQLite's json_valid and
    # json_type) in Python, in the same order as SQLite's CASE.
    def _pg_proposal_troubles(self) -> list[tuple[int, str, str | None, object, str]]:
        day, stamp = PG_FORMS["day or time"]('"on"'), PG_FORMS["timestamp"]("decided")
        found = []
        # Every proposal goes by (their JSON is tested here): streamed.
        with self.conn.stream(f"""
                SELECT id, ref, state, "set", evidence, "on", coalesce(decided, 'by command ' || command_id), decided,
                       CASE WHEN ref IS NOT NULL AND ref !~ '^[AE][0-9]{{1,18}}$' THEN 'ref'
                            WHEN ref IS NOT NULL AND substr(ref, 1, 1) <> CASE item_type WHEN 'event' THEN 'E' ELSE 'A' END
                              THEN 'type'
                            WHEN ref IS NOT NULL AND state = 'open' AND NOT EXISTS (SELECT 1 FROM items WHERE
                                 items.type = proposals.item_type AND items.num = CAST(substr(ref, 2) AS bigint))
                              THEN 'item' END,
                       CASE WHEN "on" IS NOT NULL AND NOT {day} THEN 'on'
                            WHEN state = 'open' AND (decided IS NOT NULL OR command_id IS NOT NULL) THEN 'open'
                            WHEN state <> 'open' AND (decided IS NULL OR NOT {stamp}) THEN 'decided' END
                FROM proposals ORDER BY id""") as cursor:
            for row in cursor:
                proposal_id, ref, state, fields, evidence, on, decision, decided, before, after = row
                fields, evidence = _json(fields), _json(evidence)
                trouble = before or ("set" if not isinstance(fields, dict) else
                                     "evidence" if not isinstance(evidence, dict) else
                                     "title" if ref is None and not isinstance(fields.get("title"), str) else after)
                if trouble:
                    value = {"ref": ref, "set": row[3], "evidence": row[4], "title": row[3], "on": on,
                             "open": decision}.get(trouble, decided)
                    found.append((proposal_id, trouble, ref, value, state))
        return found

    def proposal_open(self, proposal_id: int) -> bool:
        return self.conn.execute("SELECT 1 FROM proposals WHERE id = ? AND state = 'open'", (proposal_id,)).fetchone() is not None

    def zones(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT DISTINCT tz FROM items WHERE tz IS NOT NULL")]

    def zone_holders(self, zone: str) -> list[tuple[int, str, int]]:
        return self.conn.execute("SELECT id, type, num FROM items WHERE tz = ? ORDER BY id", (zone,)).fetchall()

    def counts_off(self) -> int:
        """How many (event, status) counts of agreements differ from a count of the
        agreements themselves (the counts are kept by triggers)."""
        return self.conn.execute(
            "WITH counted AS (SELECT coalesce(event_id, 0) AS event_id, status, count(*) AS n FROM items "
            "WHERE type = 'agreement' AND removed IS NULL GROUP BY 1, 2 "
            "UNION ALL SELECT -1, status, count(*) FROM items WHERE type = 'agreement' AND removed IS NULL "
            "GROUP BY 2), kept AS (SELECT event_id, status, n FROM agreement_counts WHERE n > 0) "
            "SELECT (SELECT count(*) FROM (SELECT * FROM counted EXCEPT SELECT * FROM kept) AS missing) "
            "+ (SELECT count(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM counted) AS extra)").fetchone()[0]

    def search_off(self) -> int:
        """How many items the search index has not, or has under another title."""
        if self.dialect.name == "postgres":
            # PostgreSQL's side: item_search is a plain table, keyed by the item.
            return self.conn.execute(
                "SELECT (SELECT count(*) FROM items LEFT JOIN item_search AS indexed ON indexed.item_id = items.id "
                "WHERE indexed.title IS DISTINCT FROM items.title) "
                "+ (SELECT count(*) FROM item_search WHERE item_id NOT IN (SELECT id FROM items))").fetchone()[0]
        # SQLite's side (FTS5's shadow table).
        # Read from the index's own table of contents (FTS5's item_search_content, whose
        # c0 is the title): a lookup there is a plain b-tree's, ten times cheaper than
        # one through the virtual table.
        return self.conn.execute(
            "SELECT count(*) FROM items LEFT JOIN item_search_content AS indexed ON indexed.id = items.id "
            "WHERE indexed.c0 IS NOT items.title").fetchone()[0] + self.conn.execute(
            "SELECT count(*) FROM item_search_content WHERE id NOT IN (SELECT id FROM items)").fetchone()[0]

    # -- repair: inside writing(repairing=True) ----------------------------------

    def run_schema(self, statement: str) -> None:
        self.conn.execute(statement)

    def drop_object(self, kind: str, name: str) -> None:
        # The name is read from sqlite_master (or PostgreSQL's catalog), quoted as an identifier.
        self.conn.execute(f"DROP {kind.upper()} IF EXISTS {_quoted(name)}")

    def recount_agreements(self) -> None:
        """The agreement counts made again from the agreements, as migration 0003 fills them."""
        self.conn.execute("DELETE FROM agreement_counts")
        for owner in ("coalesce(event_id, 0)", "-1"):
            self.conn.execute(
                f"INSERT INTO agreement_counts (event_id, status, n) SELECT {owner}, status, count(*) FROM items "
                "WHERE type = 'agreement' AND removed IS NULL GROUP BY 1, 2")

    def rebuild_search(self) -> None:
        """The search index made again from the items and their log (the counts with it:
        the bulk loader's filling, Dialect.fill_derived, does both)."""
        self.conn.execute("DELETE FROM item_search")
        self.conn.execute("DELETE FROM agreement_counts")
        after_last = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM changes").fetchone()[0]
        self.dialect.fill_derived(self.conn, 1, after_last)

    def drop_orphan_names(self) -> int:
        """Parties and tags of items that do not exist: not the log, and read by nothing."""
        dropped = 0
        for table in ("item_parties", "item_tags"):
            dropped += self.conn.execute(f"DELETE FROM {table} WHERE item_id NOT IN (SELECT id FROM items)").rowcount
        return dropped


def _json(text):
    """A JSON text read (PostgreSQL's side of json_valid); None where it is not JSON."""
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
