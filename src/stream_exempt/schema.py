"""The store's schema, as named migrations applied in order with sqlite-utils `Migrations`.

The names are plain data so that opening an up-to-date store (every `check` run by cron)
never has to import sqlite-utils; it is imported only when a migration is due.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from stream_exempt.types import CODES

if TYPE_CHECKING:
    import sqlite3

    from sqlite_utils import Database

MIGRATION_SET = "stream-exempt"

_TYPE_LIST = ", ".join(f"'{code}'" for code in CODES)

# What an exemption holds and a request asks for: a student, a type, dates and a reason.
_WHAT = (
    f"student_id TEXT NOT NULL, type TEXT NOT NULL CHECK (type IN ({_TYPE_LIST})), "
    "start_date TEXT NOT NULL, end_date TEXT NOT NULL, reason TEXT,"
)

_INITIAL = (
    """
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        source TEXT
    )
    """,
    f"""
    CREATE TABLE exemptions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        {_WHAT}
        batch INTEGER REFERENCES batches(id),
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        in_force_from TEXT NOT NULL,
        deleted_at TEXT,
        CHECK (start_date <= end_date)
    )
    """,
    "CREATE INDEX exemptions_by_student ON exemptions (student_id, type)",
    "CREATE INDEX exemptions_by_batch ON exemptions (batch)",
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        exemption_id INTEGER NOT NULL REFERENCES exemptions(id),
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        before TEXT,
        after TEXT
    )
    """,
    "CREATE INDEX events_by_exemption ON events (exemption_id)",
    # Nothing is ever physically deleted, and history is never rewritten.
    """
    CREATE TRIGGER exemptions_are_kept BEFORE DELETE ON exemptions
    BEGIN SELECT RAISE(ABORT, 'exemptions are never deleted; mark them deleted'); END
    """,
    """
    CREATE TRIGGER events_are_kept BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are never deleted'); END
    """,
    """
    CREATE TRIGGER events_are_final BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are never changed'); END
    """,
)


def _initial(db: Database) -> None:
    for statement in _INITIAL:
        db.execute(statement)


def _deletion_day(db: Database) -> None:
    """R5b: a deletion ends an exemption's effect from the day it was deleted on, so the store
    keeps that day. A deletion already recorded keeps its event time as its day (London's date)."""
    from stream_exempt.config import zone
    from stream_exempt.dates import local_day

    db.execute("ALTER TABLE exemptions ADD COLUMN deleted_on TEXT")
    deleted = db.execute("SELECT id, deleted_at FROM exemptions WHERE deleted_at IS NOT NULL").fetchall()
    university = zone()
    db.conn.executemany(
        "UPDATE exemptions SET deleted_on = ? WHERE id = ?",
        [(local_day(at, university).isoformat(), exemption_id) for exemption_id, at in deleted],
    )


# What a request asked for, and who recorded it and when: never changed once recorded.
_ASKED = (
    "student_id",
    "type",
    "start_date",
    "end_date",
    "reason",
    "requested_by",
    "recorded_by",
    "requested_at",
)


def _decided_once(*also: str) -> str:
    """The trigger that lets a request be approved or rejected once, and never changes what it
    asked for (nor the columns `also` names)."""
    changed = "".join(f"\n        OR NEW.{column} IS NOT OLD.{column}" for column in (*_ASKED, *also))
    return f"""
    CREATE TRIGGER requests_are_decided_once BEFORE UPDATE ON requests
    WHEN OLD.status != 'requested'{changed}
    BEGIN SELECT RAISE(ABORT, 'a request is approved or rejected once, and never changed'); END
    """


_REQUESTS = (
    f"""
    CREATE TABLE requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        {_WHAT}
        requested_by TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'rejected')),
        decided_by TEXT,
        decided_at TEXT,
        decision_reason TEXT,
        exemption_id INTEGER UNIQUE REFERENCES exemptions(id),
        CHECK (start_date <= end_date),
        CHECK ((status = 'approved') = (exemption_id IS NOT NULL)),
        CHECK ((status = 'requested') = (decided_by IS NULL))
    )
    """,
    "CREATE INDEX requests_by_status ON requests (status, id)",
    """
    CREATE TRIGGER requests_are_kept BEFORE DELETE ON requests
    BEGIN SELECT RAISE(ABORT, 'requests are never deleted; reject them'); END
    """,
    # A request is approved or rejected once, and what was asked never changes.
    _decided_once(),
)


def _requests(db: Database) -> None:
    """Tutors' requests, and their events in the one event log.

    `events.exemption_id` was NOT NULL; a request's own events (asked, rejected) belong to no
    exemption, so the table is rebuilt with that column nullable and a `request_id` beside it
    (SQLite's documented twelve-step rebuild). Every other column, index and trigger of the old
    table is carried over as it was, whatever migrations ran before this one; the append-only
    triggers are dropped with the old table and recreated on the new one in the same transaction.
    """
    for statement in _REQUESTS:
        db.execute(statement)
    conn = db.conn
    (table_sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'"
    ).fetchone()
    extras = [
        sql
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL ORDER BY rowid"
        )
    ]
    columns = ", ".join(f'"{name}"' for (_, name, *_) in conn.execute("PRAGMA table_info(events)"))
    new_sql, renamed = re.subn(r"^\s*CREATE TABLE \"?events\"?", "CREATE TABLE events_rebuilt", table_sql)
    new_sql, relaxed = re.subn(r"exemption_id\s+INTEGER\s+NOT\s+NULL", "exemption_id INTEGER", new_sql)
    if not (renamed and relaxed):
        raise RuntimeError("the events table is not as migration 0003_requests expects")
    conn.execute(new_sql)
    conn.execute(f"INSERT INTO events_rebuilt ({columns}) SELECT {columns} FROM events ORDER BY id")
    conn.execute("DROP TABLE events")
    conn.execute("ALTER TABLE events_rebuilt RENAME TO events")
    conn.execute("ALTER TABLE events ADD COLUMN request_id INTEGER REFERENCES requests(id)")
    for sql in extras:
        conn.execute(sql)
    conn.execute("CREATE INDEX events_by_request ON events (request_id) WHERE request_id IS NOT NULL")
    # An event belongs to an exemption, a request, or both (the approval that links them).
    conn.execute(
        """
        CREATE TRIGGER events_belong BEFORE INSERT ON events
        WHEN NEW.exemption_id IS NULL AND NEW.request_id IS NULL
        BEGIN SELECT RAISE(ABORT, 'an event belongs to an exemption or a request'); END
        """
    )


def _live_index(db: Database) -> None:
    """`list`'s default view, the live exemptions (not deleted, not expired), and their count:
    an index on the end date that holds every column the live test and the usual orders read,
    so that SQLite searches and counts the live rows without reading the table."""
    db.execute("CREATE INDEX exemptions_live ON exemptions (end_date, deleted_on, start_date, student_id)")


def _actor(db: Database) -> None:
    """SPEC 7, The actor: every change records the login that made it (from the operating
    system), and `--as` beside it as who it was for, never instead of it.

    New columns only, so that nothing already recorded is rewritten: `created_by`,
    `recorded_by`, `decided_by` and the events' `actor` hold the login from now on, and
    `created_for`, `recorded_for`, `decided_for` and `actor_for` the `--as` name (NULL without
    one). The login is also kept in a column of its own (`login`, `recorded_login`,
    `decided_login`) that is NULL for what was recorded before this migration: the name kept
    then was `--as` or the login, which cannot now be told apart, so it is kept as it was and
    shown as recorded before logins were kept, never presented as a login.
    """
    for table, column in (
        ("exemptions", "created_for"),
        ("batches", "created_for"),
        ("events", "login"),
        ("events", "actor_for"),
        ("requests", "recorded_login"),
        ("requests", "recorded_for"),
        ("requests", "decided_login"),
        ("requests", "decided_for"),
    ):
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
    # What was asked, and by whom and for whom it was recorded, never changes.
    db.execute("DROP TRIGGER requests_are_decided_once")
    db.execute(_decided_once("recorded_login", "recorded_for"))


def _series(db: Database) -> None:
    """A batch made by a series (SPEC 11) keeps how it repeats, for `batches`: the interval as
    typed (`1w`), the weekdays (`mon,wed`) and the occurrences per student. NULL for an import."""
    db.execute("ALTER TABLE batches ADD COLUMN every TEXT")
    db.execute("ALTER TABLE batches ADD COLUMN weekdays TEXT")
    db.execute("ALTER TABLE batches ADD COLUMN occurrences INTEGER")


def _event_time(db: Database) -> None:
    """`list --on` and `summary --on` a day that has passed rebuild the store from each
    exemption's last event by the end of that day: the index of events by exemption holds the
    time too, so that they are found by one scan of the index, without reading the events
    themselves. It replaces the index on the exemption alone, which it serves as well."""
    db.execute("DROP INDEX IF EXISTS events_by_exemption")
    db.execute("CREATE INDEX events_by_exemption ON events (exemption_id, at)")


# Migrations after 0007 that both stores run, in numeric order: each (name, statements), the
# statements written once, with the types of new columns named `{text}`, `{date}` and
# `{integer}` and given in each dialect's words (SQLite's `SQLITE_TYPES` here, PostgreSQL's in
# `store.pg_schema`). A field added to the exemption record needs only one of these, e.g.
# ("0008_room", ("ALTER TABLE exemptions ADD COLUMN room {text}",)).
SHARED: tuple[tuple[str, tuple[str, ...]], ...] = ()
SQLITE_TYPES = {"text": "TEXT", "date": "TEXT", "integer": "INTEGER"}


def _shared(statements: tuple[str, ...]) -> Callable[[Database], None]:
    """A shared migration as SQLite runs it."""

    def apply(db: Database) -> None:
        for statement in statements:
            db.execute(statement.format(**SQLITE_TYPES))

    return apply


# In numeric order. A store's applied migrations are compared with these as a set, so that
# migrations landing in any order never wedge a store.
MIGRATIONS: tuple[tuple[str, Callable[[Database], None]], ...] = (
    ("0001_initial", _initial),
    ("0002_deletion_day", _deletion_day),
    ("0003_requests", _requests),
    ("0004_live_index", _live_index),
    ("0005_actor", _actor),
    ("0006_series", _series),
    ("0007_event_time", _event_time),
    *((name, _shared(statements)) for name, statements in SHARED),
)
NAMES: tuple[str, ...] = tuple(name for name, _ in MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the pending migrations; the caller holds the write lock (BEGIN IMMEDIATE)."""
    from sqlite_utils import Database, Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, function in MIGRATIONS:
        migrations(name=name)(function)
    migrations.apply(Database(conn, execute_plugins=False))
