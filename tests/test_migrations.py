"""A store written by an earlier schema is migrated forward, keeping what it meant (R5b)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database, Migrations

from helpers import Cli
from stream_exempt import schema
from stream_exempt.store import Store

pytestmark = pytest.mark.sqlite_only("migrations of old SQLite store files")

_ROW = (
    "INSERT INTO exemptions (id, student_id, type, start_date, end_date, created_by, created_at, "
    "in_force_from, deleted_at) VALUES (?, ?, 'placement', ?, ?, 'tester', '2026-06-01T09:00:00Z', ?, ?)"
)


# What an event of `0001_initial` recorded of an exemption: no deletion day.
_OLD_SNAPSHOT = (
    "json_object('student_id', student_id, 'type', type, 'start', start_date, 'end', end_date, "
    "'reason', reason, 'batch', batch, 'in_force_from', in_force_from, 'deleted_at', deleted_at)"
)


def _old_store(path: Path, rows: list[tuple[object, ...]]) -> None:
    """A store as the previous version wrote it: only `0001_initial`, deletions by instant only,
    each exemption with its `add` event and, when deleted, its `delete` event."""
    db = Database(path)
    first = Migrations(schema.MIGRATION_SET)
    name, function = schema.MIGRATIONS[0]
    assert name == "0001_initial"
    first(name=name)(function)
    first.apply(db)
    for row in rows:
        db.execute(_ROW, (*row[:5], None))
        db.execute(
            "INSERT INTO events (exemption_id, action, actor, at, before, after) "
            f"SELECT id, 'add', 'tester', created_at, NULL, {_OLD_SNAPSHOT} FROM exemptions WHERE id = ?",
            (row[0],),
        )
        if row[5] is not None:
            (before,) = db.execute(
                f"SELECT {_OLD_SNAPSHOT} FROM exemptions WHERE id = ?", (row[0],)
            ).fetchone()
            db.execute("UPDATE exemptions SET deleted_at = ? WHERE id = ?", (row[5], row[0]))
            db.execute(
                "INSERT INTO events (exemption_id, action, actor, at, before, after) "
                f"SELECT id, 'delete', 'tester', deleted_at, ?, {_OLD_SNAPSHOT} FROM exemptions WHERE id = ?",
                (before, row[0]),
            )
    db.conn.commit()
    db.close()


# Exemption 1 ran from 1 July 2026, in force from 20 June; each row is one deletion instant.
@pytest.mark.parametrize(
    ("zone", "deleted_at", "deleted_on"),
    [
        (None, "2026-07-14T22:30:00Z", date(2026, 7, 14)),  # 23:30 in London (BST)
        (None, "2026-07-14T23:30:00Z", date(2026, 7, 15)),  # 00:30 in London, UTC still on the 14th
        (None, "2026-12-14T23:30:00Z", date(2026, 12, 14)),  # winter: London is on UTC
        ("UTC", "2026-07-14T23:30:00Z", date(2026, 7, 14)),  # STREAM_EXEMPT_TZ honoured
    ],
)
def test_a_recorded_deletion_keeps_its_event_time_as_its_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zone: str | None, deleted_at: str, deleted_on: date
) -> None:
    if zone:
        monkeypatch.setenv("STREAM_EXEMPT_TZ", zone)
    path = tmp_path / "old.db"
    _old_store(path, [(1, "201234567", "2026-07-01", "2027-03-31", "2026-06-20", deleted_at)])
    store = Store.open(path)
    try:
        assert set(store.applied_migrations()) == set(schema.NAMES)
        assert store.get(1).deleted_on == deleted_on
    finally:
        store.close()


def test_an_old_store_answers_as_the_rules_now_say(bare_cli: Cli) -> None:
    cli = bare_cli
    _old_store(
        cli.store_path,
        [
            # Deleted at 00:30 London time on 15 Jul 2026, after it started: that day and the days
            # before keep their answer (R5b).
            (1, "201234567", "2026-07-01", "2026-09-30", "2026-06-20", "2026-07-14T23:30:00Z"),
            # Deleted before it started: no day was ever covered.
            (2, "201234568", "2026-08-01", "2026-09-30", "2026-06-20", "2026-07-14T23:30:00Z"),
            (3, "201234569", "2026-07-01", "2027-03-31", "2026-06-20", None),
        ],
    )
    for day, code in (("2026-07-14", 0), ("2026-07-15", 0), ("2026-07-16", 1)):
        assert cli("check", "201234567", "--on", day).exit_code == code, day
    for day in ("2026-07-14", "2026-08-01"):
        assert cli("check", "201234568", "--on", day).exit_code == 1
    assert cli("check", "201234569", "--on", "2026-07-15").exit_code == 0  # never deleted
    # A day that has passed is shown as it stood (SPEC 7): at the end of 14 July neither was
    # deleted yet; by the end of the 16th both were, on the 15th (the day the migration gave
    # them, which the old events do not record).
    for day, statuses in (
        ("2026-07-14", ["active", "active", "pending"]),
        ("2026-07-16", ["deleted", "active", "deleted"]),
    ):
        listed = cli.ok("list", "--status", "all", "--on", day, "--format", "csv").stdout
        assert [line.split(",")[5] for line in listed.splitlines()[1:]] == statuses, day
    feed = (
        "student_id,date\n201234567,2026-07-14\n201234567,2026-07-15\n201234567,2026-07-16\n"
        "201234568,2026-08-02\n"
    )
    answered = cli.ok("check", "--file", "-", input=feed).stdout.splitlines()[1:]
    assert answered == [
        "201234567,2026-07-14,true,1",
        "201234567,2026-07-15,true,1",
        "201234567,2026-07-16,false,",
        "201234568,2026-08-02,false,",
    ]
    history = cli.ok("history", "1", "--format", "plain").stdout
    assert "deleted on 15 Jul 2026: suppresses nothing after that day" in history


def test_migrations_applied_in_another_order_do_not_wedge_a_store(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    Store.open(path, create=True).close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT migration_set, name, applied_at FROM _sqlite_migrations").fetchall()
        conn.execute("DELETE FROM _sqlite_migrations")
        conn.executemany(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
            list(reversed(rows)),
        )
    store = Store.open(path)
    try:
        assert store.applied_migrations() == list(reversed(schema.NAMES))
        assert not store._needs_migration()
    finally:
        store.close()


def test_a_shared_migration_is_written_once_in_each_dialect_s_words(tmp_path: Path) -> None:
    """A migration both stores run (`schema.SHARED`) gives its column types by name: SQLite runs
    it with its own, and the PostgreSQL schema takes the same statements with its own."""
    from stream_exempt.store import pg_schema

    statements = (
        "ALTER TABLE exemptions ADD COLUMN scratch_text {text}",
        "ALTER TABLE exemptions ADD COLUMN scratch_day {date}",
    )
    Cli(tmp_path / "s.db").add()
    db = Database(tmp_path / "s.db")
    schema._shared(statements)(db)
    assert {column.name: column.type for column in db["exemptions"].columns}.items() >= {
        "scratch_text": "TEXT",
        "scratch_day": "TEXT",
    }.items()
    assert [statement.format(**pg_schema._TYPES) for statement in statements] == [
        'ALTER TABLE exemptions ADD COLUMN scratch_text TEXT COLLATE "C"',
        "ALTER TABLE exemptions ADD COLUMN scratch_day DATE",
    ]
    assert [name for name, _ in schema.SHARED] == [name for name, _ in pg_schema.LATER]
    assert schema.NAMES == pg_schema.NAMES
