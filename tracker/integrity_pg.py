"""`tracker check` on PostgreSQL: the schema compared with schema.pg.sql, and `--repair`'s
part of it (tracker/integrity.py is the check itself, and what both engines share: the
rows' checks and their repair). Imported only when the database is PostgreSQL's.

Tables, columns, indexes and views missing or not tracker's; tracker's triggers missing,
disabled, altered or not tracker's (against the record tracker keeps of them, see
PostgresDialect.safeguard_troubles). A repair makes indexes, views and triggers again from
schema.pg.sql and drops those not tracker's; a table or column gone took its rows with it,
which only a backup holds: it is said, and left.
"""

from __future__ import annotations

import re

from tracker.integrity import Finding, _top_level_parts
from tracker.store import Store

_PG_FUNCTION = re.compile(r"^CREATE FUNCTION (\w+)\(\) RETURNS trigger\b.*?^\$\$;", re.MULTILINE | re.DOTALL)
_PG_TRIGGER = re.compile(r"^CREATE TRIGGER (\w+)\s.*?\bON (\w+)\s.*?EXECUTE FUNCTION (\w+)\(.*?\);$",
                         re.MULTILINE | re.DOTALL)


_PG_TABLE = re.compile(r"^CREATE TABLE (\w+) \((.*?)^\);", re.MULTILINE | re.DOTALL)
_PG_INDEX = re.compile(r"^CREATE (?:UNIQUE )?INDEX (\w+) ON (\w+)\b.*?;$", re.MULTILINE | re.DOTALL)
_PG_VIEW = re.compile(r"^CREATE VIEW (\w+) AS\b.*?;$", re.MULTILINE | re.DOTALL)
# How a table's part that is not a column begins.
_PG_CONSTRAINTS = ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE")
# What a missing table or column of PostgreSQL's leaves to do: its rows (or the log's)
# are gone, and only a backup holds them.
_PG_RESTORE = (": a repair cannot make it again with its rows; restore the database from its last backup "
               "(pg_restore, or `tracker copy --from` a `tracker backup` file into an empty database)")


def _pg_schema_text() -> str:
    from importlib import resources

    return resources.files("tracker").joinpath("schema.pg.sql").read_text(encoding="utf-8")


def pg_shape() -> tuple[dict[str, list[str]], dict[str, tuple[str, str]]]:
    """schema.pg.sql's tables, in its order: name -> its columns; and its indexes and
    views: name -> (its table, or "view"; the statement that makes it)."""
    text = _pg_schema_text()
    tables = {}
    for match in _PG_TABLE.finditer(text):
        parts = _top_level_parts(re.sub(r"--[^\n]*", " ", match.group(2)))
        tables[match.group(1)] = [part.split()[0].strip('"') for part in parts
                                  if part.strip() and part.split()[0].upper() not in _PG_CONSTRAINTS]
    made = {match.group(1): (match.group(2), match.group(0)) for match in _PG_INDEX.finditer(text)}
    made.update((match.group(1), ("view", match.group(0))) for match in _PG_VIEW.finditer(text))
    return tables, made


def pg_triggers() -> dict[str, tuple[str, str, str]]:
    """schema.pg.sql's triggers, in its order: name -> (table, the statement that makes
    its function, or makes it again, the statement that makes the trigger)."""
    text = _pg_schema_text()
    functions = {match.group(1): match.group(0).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
                 for match in _PG_FUNCTION.finditer(text)}
    return {match.group(1): (match.group(2), functions[match.group(3)], match.group(0))
            for match in _PG_TRIGGER.finditer(text)}


def schema_findings(store: Store) -> list[Finding]:
    """PostgreSQL: each table, column and index of schema.pg.sql missing, each one not
    tracker's (an index not made by a key or UNIQUE), and each trigger missing, disabled,
    altered or not tracker's (the record tracker keeps of them, see
    PostgresDialect.safeguard_troubles). A table missing, or missing a column, is for a
    backup to mend, and so are its indexes and triggers."""
    tables, indexes = pg_shape()
    present, present_indexes = store.pg_shape()
    findings, broken = [], set()
    for table, columns in tables.items():
        if table not in present:
            broken.add(table)
            findings.append(Finding("schema", None, table, None, None, f"schema: table {table} is missing{_PG_RESTORE}",
                                    object_type="table", mendable=False))
            continue
        for column in columns:
            if column not in present[table]:
                broken.add(table)
                findings.append(Finding("schema", None, f"{table}.{column}", None, None,
                                        f"schema: column {table}.{column} is missing{_PG_RESTORE}",
                                        object_type="column", mendable=False))
        for column in sorted(present[table] - set(columns)):
            findings.append(Finding("schema", None, f"{table}.{column}", column, None,
                                    f"schema: column {table}.{column} is not tracker's (not in schema.pg.sql)",
                                    object_type="column", mendable=False))
    for table in sorted(set(present) - set(tables)):
        findings.append(Finding("schema", None, table, table, None,
                                f"schema: table {table} is not tracker's (not in schema.pg.sql)",
                                object_type="table", mendable=False))
    for name, (table, _) in indexes.items():
        kind = "view" if table == "view" else "index"
        if name not in present_indexes and (table in present or kind == "view"):
            # A view reads the tables it names: made again once they are all there.
            findings.append(Finding("schema", None, name, None, None, f"schema: {kind} {name} is missing",
                                    object_type=kind, mendable=not broken if kind == "view" else table not in broken))
    for name in sorted(set(present_indexes) - set(indexes)):
        kind = present_indexes[name]
        findings.append(Finding("schema", None, name, name, None,
                                f"schema: {kind} {name} is not tracker's (not in schema.pg.sql)", object_type=kind))
    triggers = pg_triggers()
    findings += [Finding("schema", None, name or "tracker_schema", None, None, f"schema: {what}",
                         object_type="trigger" if name else "record",
                         mendable=None if name not in triggers else triggers[name][0] not in broken)
                 for name, what in store.safeguard_troubles()]
    return findings


def restore_schema(store: Store, findings: list[Finding]) -> list[str]:
    """PostgreSQL: the triggers found wrong (all of tracker's, when their record is
    missing) made again from schema.pg.sql, those not tracker's dropped, and the
    triggers recorded as tracker's again."""
    if not findings:
        return []
    expected, done = pg_triggers(), []
    # Tables missing, or missing a column: nothing is made on them (a backup mends them).
    broken = tables_gone(findings)
    indexes = pg_shape()[1]
    for finding in findings:
        kind = finding.object_type
        if kind in ("index", "view") and finding.found is not None:
            store.drop_object(kind, finding.field)
            done.append(f"dropped {kind} {finding.field}, not tracker's")
        elif kind in ("index", "view") and finding.mendable:
            store.run_schema(indexes[finding.field][1])
            done.append(f"made {kind} {finding.field} again from schema.pg.sql")
    remake = set(expected) if any(finding.object_type == "record" for finding in findings) else set()
    for finding in findings:
        name = finding.field
        if name in expected:
            remake.add(name)
        elif finding.object_type == "trigger":
            table = store.trigger_table(name)
            if table:
                store.drop_trigger(name, table)
                done.append(f"dropped trigger {name}, not tracker's")
    for name, (table, function, trigger) in expected.items():
        if name in remake and table not in broken:
            store.drop_trigger(name, table)
            store.run_schema(function)
            store.run_schema(trigger)
            done.append(f"made trigger {name} again from schema.pg.sql")
    if not broken and any(finding.object_type in ("trigger", "record") for finding in findings):
        # Not while a table is missing: the record would take its triggers' absence for tracker's.
        store.record_safeguards()
    return done


def tables_gone(findings: list[Finding]) -> set[str]:
    """The tables found missing, or missing a column: a backup's to mend, with their rows."""
    return {finding.field.split(".")[0] for finding in findings
            if finding.object_type in ("table", "column") and finding.found is None and finding.mendable is False}
