"""The store's schema, as named migrations applied in order with sqlite-utils `Migrations`.

The names are plain data so that opening an up-to-date store (every `check` run by cron)
never has to import sqlite-utils; it is imported only when a migration is due.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from stream_exempt.types import CODES

if TYPE_CHECKING:
    import sqlite3

    from sqlite_utils import Database

MIGRATION_SET = "stream-exempt"

_TYPE_LIST = ", ".join(f"'{code}'" for code in CODES)

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
        student_id TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ({_TYPE_LIST})),
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL,
        reason TEXT,
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
    from stream_exempt.dates import local_day

    db.execute("ALTER TABLE exemptions ADD COLUMN deleted_on TEXT")
    deleted = db.execute("SELECT id, deleted_at FROM exemptions WHERE deleted_at IS NOT NULL").fetchall()
    db.conn.executemany(
        "UPDATE exemptions SET deleted_on = ? WHERE id = ?",
        [(local_day(at).isoformat(), exemption_id) for exemption_id, at in deleted],
    )


# In numeric order. A store's applied migrations are compared with these as a set, so that
# migrations landing in any order never wedge a store.
MIGRATIONS: tuple[tuple[str, Callable[[Database], None]], ...] = (
    ("0001_initial", _initial),
    ("0002_deletion_day", _deletion_day),
)
NAMES: tuple[str, ...] = tuple(name for name, _ in MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the pending migrations; the caller holds the write lock (BEGIN IMMEDIATE)."""
    from sqlite_utils import Database, Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, function in MIGRATIONS:
        migrations(name=name)(function)
    migrations.apply(Database(conn, execute_plugins=False))
