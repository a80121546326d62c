"""The SQLite dialect of the store: the file (created private, checked, migrated), its
connection, transactions and locks, and the SQL only SQLite writes (JSON arrays as lists,
`list`'s lines made by printf, a temporary table of what a change writes).

One file, WAL journal, a busy timeout, foreign keys on. Every writing command runs inside
`Store.writing()`, which takes the write lock first (BEGIN IMMEDIATE) so that the rules that
compare records (R7) see what every other writer has committed.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from stream_exempt import schema, sharing
from stream_exempt.errors import StoreUnusable
from stream_exempt.interrupts import Ledger
from stream_exempt.store.common import LISTED, LISTED_COLUMNS, LIVE_SQL, TEXT_COLUMNS, listed_object
from stream_exempt.store.location import shown_path
from stream_exempt.store.protocol import StoreProtocol

BUSY_TIMEOUT_SECONDS = 10.0

# At most this many rows are a page, picked by their ids (`Store.listed`); more are read with
# the table from end to end, which is quicker once thousands of rows are read anyway.
_PAGE = 1000
# A parameter's type, which only PostgreSQL is told (`?2::date`): SQLite's SQL leaves it out.
_CAST = re.compile(r"(\?\d+)::\w+")


@cache
def _plain(sql: str) -> str:
    """SQL written for both stores as SQLite's: its parameters without their types."""
    return _CAST.sub(r"\1", sql)


def _listed_line(delimiter: str) -> str:
    """A row of `LISTED` as one csv/tsv line made by SQLite, when it can be written as it is;
    otherwise its fields as a JSON array (which starts with `[`, as no line does: a line starts
    with the id), for the csv module to quote or defuse. A line can be written as it is when
    none of the free-text cells (`common.TEXT_COLUMNS`) holds the delimiter, a quote or a line
    break, or starts as a spreadsheet formula would: the other cells are numbers, codes and ISO
    dates. One text a row, made by one printf and decided by a few GLOBs, keeps `list` near
    SQLite's own export."""
    d = "char(9)" if delimiter == "\t" else f"'{delimiter}'"
    special = f"'*[\"' || {d} || char(10) || char(13) || ']*'"
    formula = "'[-=+@' || char(9) || char(13) || ']*'"
    # A NULL reason matches neither (NULL is not true): such a row stays plain.
    quoted = " OR ".join(f"{cell} GLOB {special} OR {cell} GLOB {formula}" for cell in TEXT_COLUMNS)
    line = delimiter.join(["%d", *["%s"] * (len(LISTED_COLUMNS) - 1)])
    cells = f"printf('{line}', {LISTED})"
    fields = f"json_array({LISTED})"
    return f"CASE WHEN {quoted} THEN {fields} ELSE {cells} END"


_LISTED_JSON = listed_object("json_object")


def _make_folders(folder: Path) -> None:
    """Make `folder` and every missing folder above it, each private to its owner (0700)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for level in reversed(missing):
        with suppress(FileExistsError):  # another process made it first
            level.mkdir(mode=0o700)


def _create_private(path: Path) -> bool:
    """Create an empty store file readable and writable by its owner only; False when another
    process created it first."""
    try:
        _make_folders(path.parent)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False  # another process created it first
    except OSError as error:
        raise StoreUnusable(
            f"cannot create the store at {path} ({error.strerror}); choose a writable place with "
            "--db or STREAM_EXEMPT_DB."
        ) from None
    os.close(descriptor)
    return True


def missing(path: Path) -> StoreUnusable:
    """The error for a read on a store that does not exist: loud, so a mistyped path is seen."""
    return StoreUnusable(
        f"there is no store at {shown_path(path)}; check --db or STREAM_EXEMPT_DB, or create it with "
        "stream-exempt init (only a command that records something new creates one; reading or changing what exists never does)."
    )


def damaged(path: Path, problem: str) -> StoreUnusable:
    """A store file SQLite finds damaged (`problem`, its words), and what to do (exit 4)."""
    return StoreUnusable(
        f"the store {path} is damaged ({problem}); stop using it, and restore it from a backup "
        "(`stream-exempt doctor` reports on the copy you restore)."
    )


def unusable(error: sqlite3.Error, path: Path) -> StoreUnusable:
    """Turn an SQLite error into the store-unusable error, with what to do about it."""
    text = str(error)
    # By SQLite's primary result code, not by the words of its message. An error raised by
    # this module's own checks (no code) falls through to the general sentence.
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreUnusable(
            f"the store {path} stayed locked by another process for more than "
            f"{BUSY_TIMEOUT_SECONDS:g} seconds; try again when it has finished."
        )
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return StoreUnusable(
            f"the store {path} cannot be written ({text}); check the permissions of the file "
            "and its folder, or choose another with --db."
        )
    if code == sqlite3.SQLITE_CORRUPT:
        return damaged(path, text)
    if code == sqlite3.SQLITE_NOTADB:
        return StoreUnusable(
            f"{path} is not a stream-exempt store ({text}); check the path given with --db "
            "or STREAM_EXEMPT_DB."
        )
    return StoreUnusable(f"the store {path} cannot be used ({text}).")


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to the store file at `path`, which must exist (SQLite never creates it)."""
    return sqlite3.connect(
        f"{path.absolute().as_uri()}?mode=rw",
        uri=True,
        timeout=BUSY_TIMEOUT_SECONDS,
        isolation_level=None,
        check_same_thread=False,
    )


class Store(StoreProtocol):
    """An open SQLite store. Use `Store.open(path)`; close it with `close()`."""

    writes_json = True  # `listed` writes JSON objects (and csv/tsv lines) in SQL
    LATER = "MAX({}, {})"
    EARLIER = "MIN({}, {})"
    JSON_OBJECT = "json_object({})"
    COUNT_TRUE = "SUM({})"
    JOINED = "GROUP_CONCAT(DISTINCT {})"
    DAYS_BETWEEN = "CAST(julianday({}) - julianday({}) AS INTEGER)"
    WEEKS = "week(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM week WHERE n + 1 < ?{})"
    SAME = "IS"
    JOIN_IN_ORDER = "CROSS JOIN"
    EXEMPTIONS = "main.exemptions"
    conn: sqlite3.Connection

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self.created = False  # whether `open` made the store file (a command says so: SPEC 2)
        self.ledger = Ledger()  # what its transactions record, in words (`open_store` gives the command's)

    @property
    def shown(self) -> str:
        """The store's path as messages show it."""
        return shown_path(self.path)

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> Store:
        """Open the store at `path` and migrate it as needed.

        Only a command that writes passes `create=True`: then a missing store is created
        (owner-only, with private folders). Otherwise a missing store is `StoreUnusable`, and
        SQLite is told never to create the file (`mode=rw`).
        """
        path = path.expanduser()
        try:
            sharing.check_access(path)  # a shared store's outsider: say so, not "missing" or a traceback
            is_folder, exists = path.is_dir(), path.exists()
        except OSError as error:  # a name too long, a folder that is a file...
            raise StoreUnusable(
                f"the store path {path} cannot be used ({error.strerror}); check --db or STREAM_EXEMPT_DB."
            ) from None
        if is_folder:
            raise StoreUnusable(f"{path} is a folder, not a store file; give --db the path of a file.")
        created = False
        if not exists:
            sharing.refuse_missing_shared(path)  # only `init --group` makes a shared store
            if not create:
                raise missing(path)
            created = _create_private(path)
        try:
            conn = _connect(path)
        except sqlite3.Error as error:
            raise unusable(error, path) from None
        store = cls(path, conn)
        store.created = created
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            migrate = store._needs_migration()  # refuses what is not a store before touching it
            if migrate and not create and not store.applied_migrations():
                # A 0-byte file (`touch`, a failed copy, a truncated restore) or a database with
                # no tables: a command that only reads never makes it a store (SPEC 2).
                raise StoreUnusable(
                    f"{shown_path(path)} is empty, not a stream-exempt store; check --db or "
                    "STREAM_EXEMPT_DB, or run `stream-exempt init` if you meant to create the store there."
                )
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            if migrate:
                with store.writing():
                    schema.migrate(conn)
        except sqlite3.Error as error:
            conn.close()
            raise unusable(error, path) from None
        except StoreUnusable:
            conn.close()
            raise
        return store

    def applied_migrations(self) -> list[str]:
        """The names of the migrations this store has had, oldest first."""
        has_table = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
        ).fetchone()
        if not has_table:
            return []
        rows = self.conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
            (schema.MIGRATION_SET,),
        )
        return [name for (name,) in rows]

    @property
    def _named(self) -> str:
        return str(self.path)

    def _foreign(self) -> StoreUnusable | None:
        if self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations'"
        ).fetchone():
            return StoreUnusable(
                f"{self.path} is an SQLite database but not a stream-exempt store; "
                "give --db the path of a store or of a new file."
            )
        return None

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction holding the write lock from its start: all or nothing.

        What a command notes inside it (`Session.committed`, in `self.ledger`) counts as recorded exactly when it
        commits, whatever signal comes (SPEC 10, `interrupts`)."""
        # Up to 64 MiB of page cache (taken only as needed): a large import stays in memory
        # until it commits instead of spilling to the WAL page by page. Only for writing: a
        # reader keeps SQLite's small default, so reading a large store never fills 64 MiB.
        self.conn.execute("PRAGMA cache_size = -65536")
        with self.ledger.transaction():  # what the commands note inside is kept when it commits
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                with self.ledger.committing():  # no signal between the COMMIT and those notes
                    self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    def version(self) -> int:
        """`StoreBase.version`: SQLite's `data_version`, which changes when another connection commits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    # -- the file's own checks (`doctor`) -------------------------------------------------

    def integrity_and_counts(self, day: date, *, full: bool = False) -> tuple[list[str], dict[str, int]]:
        """`integrity(full=full)` and `status_counts(day)` at once: the counts on a second
        connection in a thread while this one checks the file (sqlite3 lets go of the GIL
        while SQLite works), so `doctor` takes as long as the longer of the two, not both.
        An error of the check is raised before one of the counts, as when run one after the other."""
        import threading

        counted: list[dict[str, int]] = []
        failed: list[BaseException] = []

        def count() -> None:
            try:
                conn = _connect(self.path)
                try:
                    counted.append(Store(self.path, conn).status_counts(day))
                finally:
                    conn.close()
            except BaseException as error:  # raised in the caller's thread, below
                failed.append(error)

        worker = threading.Thread(target=count, name="status-counts")
        worker.start()
        try:
            integrity = self.integrity(full=full)
        finally:
            worker.join()
        if failed:
            raise failed[0]
        return integrity, counted[0]

    def integrity(self, *, full: bool = False) -> list[str]:
        """SQLite's check of the file: `["ok"]`, or the first problems it found (at most 10).

        By default `quick_check`: every page and record, in time linear in the file's size. It
        leaves out the CHECK constraints (enforced on every write; re-evaluating the type
        list for every row tripled its time) and whether each index matches its table;
        `full` runs the complete `integrity_check`, which verifies those too.
        """
        if full:
            return [str(row[0]) for row in self.conn.execute("PRAGMA integrity_check(10)")]
        self.conn.execute("PRAGMA ignore_check_constraints = ON")
        try:
            return [str(row[0]) for row in self.conn.execute("PRAGMA quick_check(10)")]
        finally:
            self.conn.execute("PRAGMA ignore_check_constraints = OFF")

    def journal_mode(self) -> str:
        """The journal mode of the store: `wal` as it should be."""
        return str(self.conn.execute("PRAGMA journal_mode").fetchone()[0])

    # -- the dialect's hooks (`base.StoreBase`) ---------------------------------------------

    def _run(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(_plain(sql), args)

    def _insert(self, table: str, values: Mapping[str, Any]) -> int:
        marks = ", ".join(f"?{n}" for n in range(1, len(values) + 1))
        cursor = self.conn.execute(
            f"INSERT INTO {table} ({', '.join(values)}) VALUES ({marks})", tuple(values.values())
        )
        return int(cursor.lastrowid or 0)

    def _insert_students(self, students: Sequence[str], values: Mapping[str, Any]) -> None:
        # The students as one JSON array, which SQLite unpacks itself.
        import json  # here, as below: `check` writes no JSON and starts without json

        marks = ", ".join(f"?{n}" for n in range(1, len(values) + 1))
        self.conn.execute(
            f"INSERT INTO exemptions (student_id, {', '.join(values)}) "
            f"SELECT value, {marks} FROM json_each(?{len(values) + 1}) ORDER BY key",
            (*values.values(), json.dumps(students)),
        )

    def _member(self, column: str, n: int, kind: str, *, negated: bool = False) -> str:
        return f"{column} {'NOT IN' if negated else 'IN'} (SELECT value FROM json_each(?{n}))"

    def _many(self, values: Sequence[Any]) -> str:
        import json

        return json.dumps(values)

    def _fill_changing(self, ids: Sequence[int], dates: Sequence[tuple[str, str, str]] | None) -> list[Any]:
        """The temporary table `changing`, emptied and filled: the events and the change are
        then written by one statement each, however many change, in `seq` order, which the
        table is kept in, so that no statement has to sort the events."""
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS changing (seq INTEGER PRIMARY KEY, exemption_id INTEGER NOT NULL, "
            "new_start TEXT, new_end TEXT, new_in_force_from TEXT)"
        )
        self.conn.execute("DELETE FROM temp.changing")
        if dates is None:
            import json

            self.conn.execute(
                "INSERT INTO temp.changing (exemption_id) SELECT value FROM json_each(?) ORDER BY key",
                (json.dumps(list(ids)),),
            )
        else:
            self.conn.executemany(
                "INSERT INTO temp.changing (exemption_id, new_start, new_end, new_in_force_from) VALUES (?, ?, ?, ?)",
                [(exemption_id, *new) for exemption_id, new in zip(ids, dates, strict=True)],
            )
        return []

    def _changing(self, first: int) -> str:
        return "temp.changing AS c"

    def _changed(self) -> None:
        self.conn.execute("DELETE FROM temp.changing")

    def _recorded(self, field: str, column: str) -> str:
        return f"json_extract(s.after, '$.{field}')"

    def _records(self, field: str) -> str:
        return f"json_type(s.after, '$.{field}') IS NOT NULL"

    def _table_columns(self) -> list[str]:
        return [row[1] for row in self.conn.execute("PRAGMA table_info(exemptions)")]

    def _live_test(self, search: bool) -> str:
        # `+end_date`: the same test, which SQLite does not look up in an index.
        return LIVE_SQL if search else f"+{LIVE_SQL}"

    def _shown(self, *, as_json: bool, delimiter: str | None) -> str:
        if delimiter is not None:
            return _listed_line(delimiter)
        return _LISTED_JSON if as_json else LISTED

    def _page(self) -> int:
        return _PAGE

    def _rows(
        self, query: str, args: Sequence[Any], *, delimiter: str | None, limited: bool
    ) -> Iterator[Any]:
        return self._run(query, args)  # a cursor: read row by row as it is iterated
