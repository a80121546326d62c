"""Copying a whole store into an empty one (`copy-store`, SPEC 12): SQLite to PostgreSQL, back,
or file to file.

Table by table, in an order that satisfies every foreign key, each row with its own id, inside
the target's one write transaction; then, before that transaction commits, both sides are
compared: the rows of every table, the migrations applied, and every exemption's status today
as each store's own SQL computes it. Any difference, or any failure, rolls the copy back whole.

Each side is reached through its store's connection with the few statements a copy needs
(`_Sqlite`, `_Postgres`): SQLite's `executemany` and PostgreSQL's COPY, so that a store of
100,000 exemptions and their events copies in seconds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from stream_exempt.errors import Refused, StoreUnusable
from stream_exempt.model import FIELDS, STATUSES
from stream_exempt.store import Filters, pg_schema
from stream_exempt.store.roles import OFFICER

# Each refers only to tables before it: an exemption to its batch, a request to the exemption
# it became, an event to its exemption or request.
TABLES = ("batches", "exemptions", "requests", "events")
_NOUNS = {"batches": "batch", "exemptions": "exemption", "requests": "request", "events": "event"}


def counted(count: int, table: str) -> str:
    """`1 exemption`, `2,345 events`, `1 batch`."""
    return f"{count:,} {_NOUNS[table] if count == 1 else table}"


@dataclass(frozen=True)
class Copied:
    """What a copy copied and found the same on both sides."""

    counts: dict[str, int]  # table: rows copied
    migrations: int  # schema migrations applied, the same on both sides
    statuses: dict[str, int]  # status today: exemptions with it, the same on both sides


class _Side(Protocol):
    """The statements a copy needs from one store's database."""

    def columns(self, table: str) -> list[str]: ...

    def rows(self, table: str, columns: Sequence[str]) -> Iterable[Sequence[Any]]: ...

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None: ...

    def count(self, table: str) -> int: ...

    def after_copy(self, table: str) -> None: ...

    def sees_everything(self) -> bool: ...

    def keeps_names(self) -> bool: ...


class _Sqlite:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def columns(self, table: str) -> list[str]:
        return [row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")]

    def rows(self, table: str, columns: Sequence[str]) -> Iterable[Sequence[Any]]:
        return self.conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" for _ in columns)
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def after_copy(self, table: str) -> None:
        """Nothing: an AUTOINCREMENT table's next id follows the largest id ever written."""

    def sees_everything(self) -> bool:
        return True  # a file: whoever may read it reads all of it

    def keeps_names(self) -> bool:
        return True


class _Postgres:
    """PostgreSQL's side: rows out and in with COPY (text), each value as its text."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn  # a psycopg connection

    def columns(self, table: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position",
            (table,),
        )
        return [str(name) for (name,) in rows]

    def rows(self, table: str, columns: Sequence[str]) -> Iterator[Sequence[Any]]:
        with (
            self.conn.cursor() as cursor,
            cursor.copy(f"COPY (SELECT {', '.join(columns)} FROM {table} ORDER BY id) TO STDOUT") as out,
        ):
            yield from out.rows()

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        with (
            self.conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as into,
        ):
            for row in rows:
                into.write_row(row)

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def after_copy(self, table: str) -> None:
        """The table's id sequence past the ids copied: the next one is the next id, as on SQLite."""
        self.conn.execute(
            f"SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce(max(id), 0) + 1, false) FROM {table}",
            (table,),
        )

    def sees_everything(self) -> bool:
        """Whether no row-level security hides rows from this user: the tables' owner (not subject
        to it) or an officer (whose policies show every row). A tutor sees only its own requests."""
        row = self.conn.execute(
            "SELECT NOT (row_security_active('requests') OR row_security_active('events')) "
            "OR EXISTS (SELECT FROM pg_roles WHERE rolname = $1 AND pg_has_role(current_user, oid, 'MEMBER'))",
            (OFFICER,),
        ).fetchone()
        return bool(row[0])

    def keeps_names(self) -> bool:
        """Whether the rows written keep who made them: the schema's triggers sign every row with
        the session user unless it owns the tables and says it is copying (in this transaction)."""
        self.conn.execute(pg_schema.COPYING)
        row = self.conn.execute(
            "SELECT pg_has_role(session_user, relowner, 'MEMBER') FROM pg_class WHERE oid = 'events'::regclass"
        ).fetchone()
        return bool(row[0])


def side(store: Any) -> _Side:
    """The copying side of an open store (SQLite or PostgreSQL)."""
    conn = store.conn
    return _Sqlite(conn) if isinstance(conn, sqlite3.Connection) else _Postgres(conn)


def _columns(source: _Side, target: _Side, table: str, shown: tuple[str, str]) -> list[str]:
    """The columns of `table` to copy: the same on both sides, else the stores cannot be copied."""
    theirs, ours = source.columns(table), target.columns(table)
    if set(theirs) != set(ours):
        differing = sorted(set(theirs) ^ set(ours))
        raise StoreUnusable(
            f"the {table} of {shown[0]} and {shown[1]} do not have the same columns "
            f"({', '.join(differing)}); copy-store copies between stores of the same version."
        )
    return theirs


def refuse_unless_empty(target: _Side, shown: str) -> None:
    """A target that holds anything at all is refused: a copy never merges two stores."""
    held = {table: target.count(table) for table in TABLES}
    if any(held.values()):
        what = ", ".join(counted(n, table) for table, n in held.items() if n)
        raise Refused(
            f"the store {shown} is not empty (it holds {what}); copy-store copies only into an empty "
            "store: give a new file, or an empty database."
        )


def refuse_partial_source(source_store: Any) -> None:
    """`StoreUnusable` when the source would be copied only in part: row-level security hides
    other people's requests (and their events) from a tutor."""
    if not side(source_store).sees_everything():
        raise StoreUnusable(
            "copy-store needs the store's owner or an officer: row-level security hides other people's "
            "requests from a tutor."
        )


# Where the id and the status stand in a row `listed` gives (the record's order, `model.RECORD`).
_ID, _STATUS = FIELDS.index("id"), FIELDS.index("status")


def statuses(store: Any, today: date) -> Iterator[tuple[int, str]]:
    """Every exemption's id and status today, as the store's own SQL computes it, by id."""
    for row in store.listed(today, STATUSES, Filters(), sort="id"):
        yield int(row[_ID]), str(row[_STATUS])


def copy(
    source_store: Any,
    target_store: Any,
    today: date,
    shown: tuple[str, str],
    before_commit: Callable[[Copied], None] | None = None,
) -> Copied:
    """Copy everything `source_store` holds into `target_store` (empty), in the target's one
    write transaction, and compare both before it commits; `shown` names them in messages.
    `before_commit` is told what was copied just before the COMMIT (inside the transaction)."""
    source, target = side(source_store), side(target_store)
    migrations = source_store.applied_migrations()
    if set(migrations) != set(target_store.applied_migrations()):
        raise StoreUnusable(
            f"{shown[0]} and {shown[1]} are at different schema versions; run any command on each "
            "with the same stream-exempt to bring them up to date."
        )
    refuse_partial_source(source_store)
    counts: dict[str, int] = {}
    with target_store.writing():
        refuse_unless_empty(target, shown[1])
        if not target.keeps_names():
            raise StoreUnusable(
                f"copy-store into {shown[1]} needs the owner of its tables: the database signs every row "
                "anyone else writes with their own name, and the copy would lose who did what."
            )
        for table in TABLES:
            columns = _columns(source, target, table, shown)
            target.write(table, columns, source.rows(table, columns))
            target.after_copy(table)
            counts[table] = source.count(table)
        for table, count in counts.items():
            written = target.count(table)
            if written != count:
                raise StoreUnusable(
                    f"the copy holds {counted(written, table)}, not {count:,}; nothing was copied."
                )
        found: dict[str, int] = {}
        theirs, ours = statuses(source_store, today), statuses(target_store, today)
        for (their_id, their_status), (our_id, our_status) in zip(theirs, ours, strict=True):
            if (their_id, their_status) != (our_id, our_status):
                raise StoreUnusable(
                    f"exemption {their_id} is {their_status} in {shown[0]} but exemption {our_id} is "
                    f"{our_status} in the copy; nothing was copied."
                )
            found[our_status] = found.get(our_status, 0) + 1
        ordered = {status: found[status] for status in STATUSES if status in found}
        copied = Copied(counts, len(migrations), ordered)
        if before_commit is not None:
            before_commit(copied)
    return copied
