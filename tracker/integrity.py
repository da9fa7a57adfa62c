"""`tracker check`: is the database what tracker wrote? And `--repair`: make it so again.

The log is the record of what was said; every other client (the sqlite3 shell, a
script) can write past it. A check finds, one finding each:

- damage: what SQLite's own check (PRAGMA integrity_check) finds in the file;
- schema: a table, index, trigger or view missing, altered, or not in schema.sql;
- orphan: a row that refers to an item that does not exist (foreign keys are off in
  other clients);
- drift: a field whose value is not the last one its log gives it, or an item
  with no creation in its log;
- junk: a date, time or zone not in the form tracker writes;
- derived: the search index or the agreement counts out of step with the items;
- the inbox (issue 12): a proposal about an item that does not exist or of the other
  type, from an entry that does not exist, with fields or a state tracker would not write.

On PostgreSQL the server checks its own pages and keeps the foreign keys: there is no
damage to find. The schema's tables, columns and indexes are compared with
schema.pg.sql's (missing, or not tracker's: tracker/integrity_pg.py), and its safeguards, tracker's triggers,
with the record tracker keeps of them (missing, disabled, altered, or not tracker's);
the rows are checked as on SQLite, by their PostgreSQL twins (tracker/store/integrity.py).
A repair there makes indexes and triggers again from schema.pg.sql (and records the
triggers), and drops indexes and triggers not tracker's; a table or column gone took
its rows with it, which only a backup holds: it is said, and left.

A repair, in one transaction: schema objects made again from schema.sql (and those
not tracker's dropped, but tables); a logged correction for each drifted field, which
brings the log in line with the item, old = what the log said, new = what the item
holds, so that nothing is lost and the log explains what is there; the UTC instants
worked out again from the dates they come from; the derived tables rebuilt. It never
deletes or changes a log row: what needs that (an orphan change, a junk date in the
log) is left, with what to do about it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from tracker import core, dates
from tracker.errors import TrackerError
from tracker.store import Store, schema_sql, statements
from tracker.store.sqlite import expected_triggers, same_trigger
from tracker.store.integrity import LIST_FIELDS, PG_KEYS

# Longest excerpt of a found value a message quotes.
EXCERPT = 60


@dataclass
class Finding:
    kind: str
    ref: str | None
    field: str | None
    found: object
    expected: object
    message: str
    # What a repair needs (not shown): the item's id, the object's type.
    item_id: int | None = field(default=None, repr=False)
    object_type: str | None = field(default=None, repr=False)
    # Whether a repair mends it, where the kind alone does not say (see repairable()).
    mendable: bool | None = field(default=None, repr=False)

    def data(self) -> dict:
        shown = asdict(self)
        del shown["item_id"], shown["object_type"], shown["mendable"]
        return shown


# -- schema.sql against sqlite_master ----------------------------------------------

_CREATE = re.compile(r"^CREATE (VIRTUAL TABLE|TABLE|UNIQUE INDEX|INDEX|TRIGGER|VIEW) (?:IF NOT EXISTS )?(\w+)",
                     re.MULTILINE)


def schema_objects() -> dict[str, tuple[str, str]]:
    """schema.sql's objects, in its order: name -> (type as sqlite_master says it, statement)."""
    made = {}
    for sql in statements(schema_sql()):
        named = _CREATE.search(sql)
        if named:
            kind = named.group(1).split()[-1].lower()
            made[named.group(2)] = (kind, sql)
    return made


def normalised(kind: str, sql: str) -> object:
    """A CREATE statement without its comments and spacing. A table's columns and
    constraints as a sorted list: ALTER TABLE ADD COLUMN (a migration) writes a new
    column after the table's constraints."""
    text = " ".join(re.sub(r"--[^\n]*", " ", sql).split()).rstrip(";").rstrip()
    if kind != "table" or text.upper().startswith("CREATE VIRTUAL"):
        return text
    opened, closed = text.find("("), text.rfind(")")
    if opened < 0 or closed < opened:
        return text
    return text[:opened].rstrip(), sorted(_top_level_parts(text[opened + 1:closed])), text[closed + 1:].strip()


def _top_level_parts(body: str) -> list[str]:
    parts, depth, quote, start = [], 0, None, 0
    for index, char in enumerate(body):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:index].strip())
            start = index + 1
    parts.append(body[start:].strip())
    return parts


def _schema_findings(store: Store) -> list[Finding]:
    expected, present = schema_objects(), store.schema_objects()
    findings = []
    for name, (kind, sql) in expected.items():
        if name not in present:
            findings.append(Finding("schema", None, name, None, _flat(sql), f"schema: {kind} {name} is missing",
                                    object_type=kind))
        elif present[name][0] != kind or (not same_trigger(present[name][1], expected_triggers()[name])
                                          if kind == "trigger"
                                          else normalised(kind, present[name][1]) != normalised(kind, sql)):
            findings.append(Finding("schema", None, name, _flat(present[name][1]), _flat(sql),
                                    f"schema: {present[name][0]} {name} differs from tracker's (schema.sql)",
                                    object_type=present[name][0]))
    for name, (kind, sql) in present.items():
        if name not in expected:
            findings.append(Finding("schema", None, name, _flat(sql), None,
                                    f"schema: {kind} {name} is not tracker's (not in schema.sql)", object_type=kind))
    return findings


def _flat(sql: str) -> str:
    return " ".join(re.sub(r"--[^\n]*", " ", sql).split()).rstrip(";")


# -- the findings -------------------------------------------------------------------

def _shown(value) -> str:
    if value is None:
        return "empty"
    text = str(value)
    if len(text) > EXCERPT:
        text = text[:EXCERPT] + "..."
    return text if re.fullmatch(r"[\w:+./-]+", text) else json.dumps(text, ensure_ascii=False)


def _ref(item_type: str, num: int) -> str:
    return f"{'E' if item_type == 'event' else 'A'}{num}"


def _drift_findings(store: Store) -> list[Finding]:
    findings = []
    for row in store.drifted():
        if _last_written_agrees(store, row):
            continue
        ref, name = _ref(row["type"], row["num"]), row["field"]
        found, expected = row["found"], row["expected"]
        if name in LIST_FIELDS:
            found, expected = _listed(found), _listed(expected)
        findings.append(Finding(
            "drift", ref, name, found, expected,
            f"{ref}: {name} is {_shown(_joined(found))}, but its log says {_shown(_joined(expected))} "
            "(changed outside tracker)", item_id=row["item_id"]))
    for item_id, item_type, num, status in store.unlogged():
        ref = _ref(item_type, num)
        findings.append(Finding("drift", ref, "created", status, None,
                                f"{ref}: its log has no creation (added outside tracker)", item_id=item_id))
    return findings


def _last_written_agrees(store: Store, row: dict) -> bool:
    """Whether the field's last change in the order they were recorded gives the value
    found. An import writes a file's log in the order things happened, so a change
    dated before an earlier one comes later by id, but not by when it was recorded."""
    changes = store.field_log(row["item_id"], row["field"])
    if not changes:
        return False
    last = max(changes, key=lambda change: (change[0] != "created", change[1], change[2]))[3]
    if row["field"] in LIST_FIELDS:
        return _listed(last) == _listed(row["found"])
    return last == row["found"]


def _listed(value):
    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _joined(value) -> object:
    return ", ".join(map(str, value)) if isinstance(value, list) else value


def _orphan_findings(store: Store) -> list[Finding]:
    findings = []
    for table, rowid, parent, value in store.orphans():
        if rowid is None:
            missing, count = value
            findings.append(Finding(
                "orphan", None, table, missing, None,
                f"{table}: {count} row{'s' * (count != 1)} of item {missing}, which does not exist "
                "(written with foreign keys off)"))
        elif table == "changes":
            findings.append(Finding(
                "orphan", None, "item_id", value, None,
                f"change {rowid} is logged on item {value}, which does not exist (written with foreign keys "
                "off); the log is append-only, so it stays: export, then import into a new database, to leave "
                "it behind"))
        elif table == "items":
            ref = store.item_ref(rowid)
            findings.append(Finding(
                "orphan", ref, "event_id", value, None,
                f"{ref}: it belongs to item {value}, which does not exist (written with foreign keys off)",
                item_id=rowid))
        elif table == "proposals":
            what = (f"comes from feed entry {value}" if parent == "feed_entries" else
                    f"was accepted by command {value}")
            findings.append(Finding("orphan", None, "proposals", value, None,
                                    f"proposal #{rowid} {what}, which does not exist (written with foreign keys "
                                    f"off)" + (f": dismiss it with `tracker inbox dismiss {rowid}`" if store.proposal_open(rowid) else "")))
        else:
            findings.append(Finding("orphan", None, table, value, None,
                                    f"{table}: row {rowid} refers to {parent} {value}, which does not exist"))
    return findings


# What is wrong with a proposal (store.proposal_troubles), as its line says it.
_PROPOSAL_TROUBLES = {
    "ref": ("junk", "ref", "is about {value}, not a reference such as A2 or E1"),
    "type": ("junk", "ref", "is about {ref}, but is marked as a change to an {other}"),
    "item": ("orphan", "ref", "is open, about {ref}, which does not exist"),
    "set": ("junk", "set", "sets {value}, not a JSON object of fields"),
    "evidence": ("junk", "evidence", "gives as evidence {value}, not a JSON object"),
    "title": ("junk", "set", "proposes a new item without a title: {value}"),
    "on": ("junk", "on", "is dated {value}, not a day or time as tracker writes it"),
    "open": ("junk", "state", "is open, but has a decision recorded: {value}"),
    "decided": ("junk", "decided", "is decided, but has no time of decision as tracker writes it ({value})"),
}


def _news_findings(store: Store) -> list[Finding]:
    """The inbox's proposals that refer to nothing or hold what tracker would not write
    (written outside tracker). A feed entry whose feed is not followed is not one: `news
    --file` names its entries by the file, and a feed removed leaves its entries seen."""
    findings = []
    for proposal_id, trouble, ref, value, state in store.proposal_troubles():
        kind, column, says = _PROPOSAL_TROUBLES[trouble]
        other = "agreement" if (ref or "")[:1] == "E" else "event"
        # An item can be gone without anyone writing past tracker: the import that added it undone.
        how = "an undone import, or written outside tracker" if trouble == "item" else "written outside tracker"
        advice = f": dismiss it with `tracker inbox dismiss {proposal_id}`" if state == "open" else ""
        findings.append(Finding(kind, None, column, value if trouble != "item" else ref, None,
                                f"proposal #{proposal_id} " + says.format(value=_shown(value), ref=ref, other=other)
                                + f" ({how})" + advice))
    return findings


def _junk_findings(store: Store) -> list[Finding]:
    findings = []
    for table, rowid, column, form, value, item_id in store.malformed():
        ref = store.item_ref(item_id) if item_id is not None else None
        where = f"{ref}: " if ref else ""
        what = column if table == "items" else f"{column} of change {rowid}"
        findings.append(Finding("junk", ref, column, value, form,
                                f"{where}{what} is {_shown(value)}, not a {form} as tracker writes it"
                                + (f" (from {dates.FIRST_DAY} to {dates.LAST_DAY})" if form == "day or time" else ""),
                                item_id=item_id))
    for zone in store.zones():
        if dates.get_zone(zone) is None:
            for item_id, item_type, num in store.zone_holders(zone):
                ref = _ref(item_type, num)
                findings.append(Finding("junk", ref, "tz", zone, "time zone",
                                        f"{ref}: tz is {_shown(zone)}, not a time zone", item_id=item_id))
    return findings


def _derived_findings(store: Store) -> list[Finding]:
    findings = []
    off = store.counts_off()
    if off:
        findings.append(Finding("derived", None, "agreement_counts", off, 0,
                                f"agreement counts: {off} differ from the agreements (their triggers were missing "
                                "or altered while items changed)"))
    off = store.search_off()
    if off:
        findings.append(Finding("derived", None, "item_search", off, 0,
                                f"search index: {off} item{'s' * (off != 1)} missing or out of date"))
    return findings


def logical(store: Store) -> list[Finding]:
    """The checks of the rows themselves (not of the file, nor of the schema, nor of the
    form of dates): rows that refer to nothing, items against their log, the derived
    tables, the inbox. What `tracker copy` asks of its target before committing."""
    return _orphan_findings(store) + _drift_findings(store) + _derived_findings(store) + _news_findings(store)


def check(store: Store, quick: bool = False) -> list[Finding]:
    """Everything wrong with the database, damage first (and alone: nothing else can be
    trusted in a damaged file)."""
    from tracker.progress import Progress

    # Its steps: the file's own check, then each part below.
    with Progress("checking", total=6, every=1) as progress:
        return _check(store, quick, progress)


def _check(store: Store, quick: bool, progress) -> list[Finding]:
    try:
        damage = store.damage(quick)
    except store.dialect.Error as error:
        damage = [str(error)]
    if damage:
        # SQLite's lines may hold several, under a heading: one line each here.
        lines = [part.strip() for line in damage for part in line.splitlines()
                 if part.strip() and not part.startswith("*** in database")]
        return [Finding("damage", None, None, line, "ok", f"file: {line}") for line in lines]
    progress.advance()
    postgres = store.dialect.name == "postgres"
    if postgres:
        from tracker.integrity_pg import schema_findings as pg_schema_findings

        findings = pg_schema_findings(store)
    else:
        findings = _schema_findings(store)
    # Over tables that are missing or altered, a query may fail: it says so, and the
    # schema findings say why.
    names = {finding.field for finding in findings}
    names |= {name.split(".")[0] for name in names if name}     # PostgreSQL's column: its table
    # PostgreSQL's orphans are looked for key by key, table by table (SQLite's by a PRAGMA).
    keyed = tuple({name for key in PG_KEYS for name in (key[0], key[2])}) if postgres else ()
    parts = ((_orphan_findings, keyed), (_drift_findings, ("items", "changes", "item_parties", "item_tags")),
             (_junk_findings, ("items", "changes")), (_derived_findings, ("items", "agreement_counts", "item_search")),
             (_news_findings, ("items", "proposals")))
    for part, needs in parts:
        if not names.intersection(needs):
            try:
                with store.read_apart():
                    findings += part(store)
            except store.dialect.Error as error:
                where = "database" if postgres else "file"
                findings.append(Finding("damage", None, None, str(error), None, f"{where}: {error}"))
        progress.advance()
    return findings


# -- repair -------------------------------------------------------------------------

# The UTC instants an item's dates give, worked out again by a repair.
UTC_COLUMNS = ("starts_utc", "ends_utc", "due_utc")
# The log's name of a column that can hold junk.
JUNK_FIELD = {"starts": "start", "ends": "end", "due": "due", "tz": "tz"}


def repairable(finding: Finding) -> bool:
    """Whether `repair` mends what this finding says, as repair() below decides it."""
    if finding.mendable is not None:
        return finding.mendable
    if finding.kind == "schema":
        return not (finding.object_type == "table" and finding.found is not None)   # a table holds data
    if finding.kind == "junk":
        return finding.field in UTC_COLUMNS
    if finding.kind == "orphan":
        return finding.field in ("item_parties", "item_tags")
    return finding.kind in ("drift", "derived")


def repair(store: Store, quick: bool = False) -> list[str]:
    """Mend what can be mended, in one transaction; returns what was done, a line each.
    What is wrong is found under the write lock, so that no other command changes it
    between the finding and the mending."""
    done = []
    with store.writing(repairing=True):
        findings = check(store, quick)
        damage = [finding for finding in findings if finding.kind == "damage"]
        if damage:
            raise TrackerError(f"{store.where} is damaged ({damage[0].found}): a repair cannot mend the file; "
                               "restore your last backup, or export what can still be read")
        schema = [finding for finding in findings if finding.kind == "schema"]
        gone: set[str] = set()
        if store.dialect.name == "postgres":
            from tracker.integrity_pg import restore_schema as pg_restore_schema, tables_gone

            restored = pg_restore_schema(store, schema)
            # Tables gone, which a repair leaves to a backup: nothing is read or made over them.
            gone = tables_gone(schema)
        else:
            restored = _restore_schema(store, schema)
        done += restored
        if any(line.startswith("made table") for line in restored):
            # What could not be checked over a missing table can be now.
            findings = check(store, quick=True)
        # A field found junk is not logged as it is: it stays found, for a person to correct.
        junk = {(finding.item_id, JUNK_FIELD.get(finding.field)) for finding in findings if finding.kind == "junk"}
        done += _log_corrections(store, [finding for finding in findings if finding.kind == "drift"
                                         and (finding.item_id, finding.field) not in junk])
        done += _recompute_instants(store, [finding for finding in findings
                                            if finding.kind == "junk" and finding.field in UTC_COLUMNS])
        dropped = 0 if gone & {"items", "item_parties", "item_tags"} else store.drop_orphan_names()
        if dropped:
            done.append(f"dropped {dropped} parties and tags of items that do not exist")
        if not gone & {"items", "changes", "item_search", "agreement_counts"}:
            if store.search_off():
                store.rebuild_search()
                done.append("rebuilt the search index and the agreement counts")
            elif store.counts_off():
                store.recount_agreements()
                done.append("counted the agreements again")
    store.safeguards_changed = None
    return done


def _restore_schema(store: Store, findings: list[Finding]) -> list[str]:
    expected = schema_objects()
    done, remake = [], set()
    for finding in findings:
        name, kind = finding.field, finding.object_type
        if kind == "table" and finding.found is not None:
            continue        # a table holds data: not dropped nor rebuilt here (see what check says)
        if finding.found is not None:
            store.drop_object(kind, name)
            done.append(f"dropped {kind} {name}" + (", not tracker's" if name not in expected else ", altered"))
        if name in expected:
            remake.add(name)
    for name, (kind, sql) in expected.items():      # in schema.sql's order: tables before their indexes
        if name in remake:
            store.run_schema(sql)
            done.append(f"made {kind} {name} again from schema.sql")
    return done


def _log_corrections(store: Store, findings: list[Finding]) -> list[str]:
    done = []
    for finding in findings:
        zone = core.item_zone(store, finding.item_id)
        if finding.field == "created":
            logged = [("created", None, finding.found)]
            note = f"added outside tracker: its creation was not logged; found {_shown(finding.found)}"
        else:
            logged = [(finding.field, finding.expected, finding.found)]
            note = (f"changed outside tracker: found {_shown(_joined(finding.found))}, "
                    f"log said {_shown(_joined(finding.expected))}")
        # Dated now, in the item's zone, as `tracker update` logs a change.
        store.log(core._entry_rows(store, finding.item_id, zone, core.Entry(note=note), logged))
        done.append(f"{finding.ref}: logged {finding.field} as {_shown(_joined(finding.found))} (found outside tracker)")
    return done


def _recompute_instants(store: Store, findings: list[Finding]) -> list[str]:
    """A junk UTC instant worked out again from the date it comes from, by the rules of
    `tracker update` (its own dates given again: the columns are planned, not logged)."""
    done = []
    for item_id in dict.fromkeys(finding.item_id for finding in findings):
        row = store.columns(item_id)
        given = core.Fields(start=row["starts"], end=row["ends"]) if row["type"] == "event" else \
            core.Fields(due=row["due"])
        try:
            plan = core.plan_fields(store, row["type"], given, item_id)
        except TrackerError:
            continue        # the date it comes from is junk too: left, and found again
        columns = {column: plan.columns[column] for column in UTC_COLUMNS if column in plan.columns}
        if not columns:
            continue
        store.update_item(item_id, columns)
        done.append(f"{_ref(row['type'], row['num'])}: worked out {', '.join(columns)} again from its dates")
    return done
