"""The SQLite store: connection, schema check, transactions, queries and the event log.

One file, WAL journal, a busy timeout, foreign keys on. Every writing command runs inside
`Store.writing()`, which takes the write lock first (BEGIN IMMEDIATE) so that the rules that
compare records (R7) see what every other writer has committed.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date, timedelta
from itertools import groupby
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from stream_exempt import schema, sharing
from stream_exempt.errors import StoreUnusable
from stream_exempt.interrupts import Ledger
from stream_exempt.model import (
    APPROVED,
    REJECTED,
    Actor,
    BatchSummary,
    Draft,
    Event,
    Exemption,
    Request,
    Terms,
)
from stream_exempt.store.common import (
    CHANGEABLE,
    COLUMNS,
    DELETED_SQL,
    EVENT_COLUMNS,
    LISTED,
    LIVE,
    LIVE_SQL,
    REQUEST_COLUMNS,
    REQUEST_SNAPSHOT_FIELDS,
    SNAPSHOT_FIELDS,
    SORTS,
    STATUS_SQL,
    STATUSES,
    Filters,
    IsoDates,
    OfficeCounts,
    conditions,
    events_of,
    exemption_row,
    no_batch,
    no_exemption,
    no_request,
    office_counts,
    one_date,
    repeats_of,
    request_of,
    snapshot_fields,
)
from stream_exempt.store.location import shown_path

BUSY_TIMEOUT_SECONDS = 10.0

# The orders `list --sort` offers; each ends with the id so that ties have one order.


def _snapshot_sql(**written: str) -> str:
    """What an event records of an exemption, as one SQL expression (a JSON object): see
    `common.snapshot_fields`."""
    return f"json_object({snapshot_fields(**written)})"


# What an event records of an exemption, before and after a change: one definition, in SQL.
_SNAPSHOT = _snapshot_sql()
# At most this many rows are a page, picked by their ids (`Store.listed`); more are read with
# the table from end to end, which is quicker once thousands of rows are read anyway.
_PAGE = 1000
# `list`'s fields (model.FIELDS) in order, as the machine formats write them; ?1 is the day.


def _listed_line(delimiter: str) -> str:
    """A row of `LISTED` as one csv/tsv line made by SQLite, when it can be written as it is;
    otherwise its fields as a JSON array (which starts with `[`, as no line does: a line starts
    with the id), for the csv module to quote or defuse. A line can be written as it is when
    none of the free-text cells (student ID, reason, author, whom for) holds the delimiter, a quote or a
    line break, or starts as a spreadsheet formula would: the other cells are numbers, codes
    and ISO dates. One text a row, made by one printf and decided by a few GLOBs, keeps `list`
    near SQLite's own export."""
    d = "char(9)" if delimiter == "\t" else f"'{delimiter}'"
    special = f"'*[\"' || {d} || char(10) || char(13) || ']*'"
    formula = "'[-=+@' || char(9) || char(13) || ']*'"
    # A NULL reason matches neither (NULL is not true): such a row stays plain.
    quoted = " OR ".join(
        f"{cell} GLOB {special} OR {cell} GLOB {formula}"
        for cell in ("student_id", "reason", "created_by", "created_for")
    )
    line = delimiter.join(["%d", *["%s"] * 12])
    cells = f"printf('{line}', {LISTED})"
    fields = f"json_array({LISTED})"
    return f"CASE WHEN {quoted} THEN {fields} ELSE {cells} END"


_LISTED_JSON = (
    "json_object('id', id, 'student_id', student_id, 'type', type, 'start', start_date, "
    f"'end', end_date, 'status', {STATUS_SQL}, 'in_force_from', in_force_from, 'batch', batch, "
    "'reason', reason, 'created_by', created_by, 'created_at', created_at, "
    "'deleted_on', deleted_on, 'created_for', created_for)"
)


def _listing_conditions(
    day: date, statuses: Iterable[str], filters: Filters, *, search: bool = True
) -> tuple[str, list[Any]]:
    """`list`'s WHERE clause: the filters, and a status as of `day` (?1) among `statuses`.

    Live statuses are found through the `exemptions_live` index unless `search` is false: then
    the table is read from end to end, which is quicker when most of its rows are wanted."""
    where, args = conditions([day.isoformat()], filters)
    chosen = set(statuses)
    if chosen and chosen <= LIVE:
        # `+end_date`: the same test, which SQLite does not look up in an index.
        where.append(LIVE_SQL if search else f"+{LIVE_SQL}")
    if chosen != LIVE:
        wanted = ", ".join(f"'{status}'" for status in STATUSES if status in chosen) or "NULL"
        where.append(f"({STATUS_SQL}) IN ({wanted})")
    return " AND ".join(where), args


# What an event records of a request.
_REQUEST_SNAPSHOT = f"json_object({REQUEST_SNAPSHOT_FIELDS})"


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
        return StoreUnusable(
            f"the store {path} is damaged ({text}); stop using it, and restore it from a backup "
            "(`stream-exempt doctor` reports on the copy you restore)."
        )
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


class Store:
    """An open store. Use `Store.open(path)`; close it with `close()`."""

    writes_lines = True  # `listed` writes JSON objects and csv/tsv lines in SQL
    writes_delimited = True  # `listed` writes csv/tsv lines in SQL

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

    def close(self) -> None:
        self.conn.close()

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

    def _needs_migration(self) -> bool:
        """Whether migrations are due; `StoreUnusable` for a newer schema or a foreign database."""
        applied = self.applied_migrations()
        # As sets: the order in which migrations were applied does not matter, only which.
        if set(applied) == set(schema.NAMES):
            return False
        newer = [name for name in applied if name not in schema.NAMES]
        if newer:
            raise StoreUnusable(
                f"the store {self.path} was written by a newer stream-exempt (schema "
                f"{len(applied)}, this program knows {len(schema.NAMES)}); upgrade stream-exempt."
            )
        if (
            not applied
            and self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations'"
            ).fetchone()
        ):
            raise StoreUnusable(
                f"{self.path} is an SQLite database but not a stream-exempt store; "
                "give --db the path of a store or of a new file."
            )
        return True

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
        """A number that changes whenever another connection commits a change to the store.

        A command that must check a large change reads it, plans without the write lock, and
        under the lock plans again only if `changed_since` says someone else wrote meanwhile.
        """
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def changed_since(self, version: int) -> bool:
        """Whether another connection has committed since `version()` returned `version`."""
        return self.version() != version

    # -- reading ------------------------------------------------------------------------

    def get(self, exemption_id: int) -> Exemption:
        """One exemption by id, or `NotFound`."""
        row = self.conn.execute(f"SELECT {COLUMNS} FROM exemptions WHERE id = ?", (exemption_id,)).fetchone()
        if row is None:
            raise no_exemption(exemption_id)
        return exemption_row(row)

    def get_many(self, exemption_ids: Iterable[int]) -> list[Exemption]:
        """Several exemptions by id, in the order given (once each); `NotFound` names the first
        missing. One query however many ids: they travel as one JSON array."""
        wanted = list(dict.fromkeys(exemption_ids))
        rows = self.conn.execute(
            f"SELECT {COLUMNS} FROM exemptions WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted),),
        )
        found = {row[0]: exemption_row(row) for row in rows}
        return [found[i] if i in found else self.get(i) for i in wanted]

    def of_student(self, student_id: str) -> list[Exemption]:
        """Every exemption of one student, oldest id first."""
        rows = self.conn.execute(
            f"SELECT {COLUMNS} FROM exemptions WHERE student_id = ? ORDER BY id", (student_id,)
        )
        return [exemption_row(row) for row in rows]

    def live_of(self, student_ids: Iterable[str], today: date) -> dict[tuple[str, str], list[Exemption]]:
        """The live exemptions (not deleted, not expired) of these students, keyed by (student, type)."""
        found: dict[tuple[str, str], list[Exemption]] = {}
        live = "deleted_on IS NULL AND end_date >= ?"
        for exemption in self.of_students(student_ids, live, (today.isoformat(),)):
            found.setdefault((exemption.student_id, exemption.type), []).append(exemption)
        return found

    def live_and_deleted_of(
        self, student_ids: Iterable[str], today: date
    ) -> tuple[dict[tuple[str, str], list[Exemption]], dict[tuple[str, str], list[Exemption]]]:
        """The live exemptions of these students (as `live_of`) and their deleted ones, each
        keyed by (student, type), in one query: what a re-run import is compared with."""
        live: dict[tuple[str, str], list[Exemption]] = {}
        deleted: dict[tuple[str, str], list[Exemption]] = {}
        condition = "(deleted_on IS NOT NULL OR end_date >= ?)"
        for exemption in self.of_students(student_ids, condition, (today.isoformat(),)):
            found = deleted if exemption.deleted else live
            found.setdefault((exemption.student_id, exemption.type), []).append(exemption)
        return live, deleted

    def live_besides(self, changing: Sequence[Exemption], today: date) -> list[Exemption]:
        """The live exemptions (not deleted, not expired) of the students of `changing`, other
        than those: what R7 compares a set of changes with. SQLite leaves out the changing
        ones itself, so a batch's members are read once, not twice."""
        return self.of_students(
            {exemption.student_id for exemption in changing},
            "deleted_on IS NULL AND end_date >= ? AND id NOT IN (SELECT value FROM json_each(?))",
            (today.isoformat(), json.dumps([exemption.id for exemption in changing])),
        )

    def answering_by_student(self) -> dict[str, list[Exemption]]:
        """Every exemption that may suppress some day, keyed by student, oldest id first: all but
        those deleted before they started (R5b: one deleted later still covers the days up to
        and including its deletion day)."""
        found: dict[str, list[Exemption]] = {}
        rows = self.conn.execute(
            f"SELECT {COLUMNS} FROM exemptions WHERE deleted_on IS NULL OR deleted_on >= start_date ORDER BY id"
        )
        for row in rows:
            found.setdefault(row[1], []).append(exemption_row(row))
        return found

    def select(
        self,
        *,
        student_id: str | None = None,
        type_code: str | None = None,
        batch: int | None = None,
        starting: tuple[date, date] | None = None,
        ending: tuple[date, date] | None = None,
        in_force: tuple[date, date] | None = None,
        deleted: tuple[date, date] | None = None,
        sort: str = "start",
    ) -> list[Exemption]:
        """Exemptions matching every filter given, in the order `sort` names (one of `SORTS`).

        The windows are inclusive ranges of days in which the start, the end, the first day in
        force (the later of start and in_force_from, R6) or the deletion day falls."""
        filters = Filters(student_id, type_code, batch, starting, ending, in_force, deleted)
        where, args = conditions([], filters)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.conn.execute(f"SELECT {COLUMNS} FROM exemptions {clause} ORDER BY {SORTS[sort]}", args)
        return [exemption_row(row) for row in rows]

    def listed(
        self,
        day: date,
        statuses: Iterable[str],
        filters: Filters,
        *,
        sort: str = "start",
        limit: int | None = None,
        as_json: bool = False,
        delimiter: str | None = None,
        stood_at: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """`list`'s rows, streamed from SQLite as they are read: in memory one at a time.

        Each row holds `model.FIELDS` in order, as the machine formats write them (ISO dates,
        type codes, the status as of `day` computed by SQLite as `rules.status` does); with
        `as_json`, one text instead: the row as a JSON object, made by SQLite; with `delimiter`
        (`,` or a tab), the row as one csv/tsv line made by SQLite, or its fields as a JSON
        array (starting with `[`) when the csv module must quote or defuse them. Only the rows
        with one of `statuses` (filtered in SQL) that meet `filters`, in the order `sort` names;
        `limit` keeps the first rows only. With `stood_at` (an instant, as events record it),
        the store as it stood then (`_as_it_stood`), instead of as it is.
        """
        shown = _LISTED_JSON if as_json else LISTED
        if delimiter is not None:
            shown = _listed_line(delimiter)
        order = SORTS[sort]
        if stood_at is not None:
            where, args = _listing_conditions(day, statuses, filters, search=False)
            query = f"SELECT {shown} FROM {self._as_it_stood(stood_at, args)} WHERE {where} ORDER BY {order}"
            if limit is not None:
                query += f" LIMIT {int(limit)}"
        elif limit is not None and limit <= _PAGE:
            # A page (the first on a terminal, a small --limit): its ids are picked and sorted
            # from the index alone where it holds every column asked about, then only those rows
            # are read.
            where, args = _listing_conditions(day, statuses, filters)
            query = (
                f"SELECT {shown} FROM exemptions WHERE id IN (SELECT id FROM exemptions WHERE {where} "
                f"ORDER BY {order} LIMIT {int(limit)}) ORDER BY {order}"
            )
        else:
            where, args = _listing_conditions(day, statuses, filters, search=False)
            query = f"SELECT {shown} FROM exemptions WHERE {where} ORDER BY {order}"
            if limit is not None:
                query += f" LIMIT {int(limit)}"
        return self.conn.execute(query, args)  # a cursor: read row by row as it is iterated

    def count_listed(
        self, day: date, statuses: Iterable[str], filters: Filters, *, stood_at: str | None = None
    ) -> int:
        """How many rows `listed` gives for the same day, statuses, filters and instant, with no limit."""
        where, args = _listing_conditions(day, statuses, filters)
        source = "exemptions" if stood_at is None else self._as_it_stood(stood_at, args)
        (count,) = self.conn.execute(f"SELECT count(*) FROM {source} WHERE {where}", args).fetchone()
        return int(count)

    def _as_it_stood(self, at: str, args: list[Any]) -> str:
        """The exemptions table as it stood at the instant `at` (an ISO UTC timestamp, as events
        record it), rebuilt from the event log, for a query's FROM: a subquery named
        `exemptions`, with the table's own columns, so that every query of the table (`list`'s
        rows, statuses and filters, the summary's counts) reads it as it reads the table.

        Only the exemptions recorded before `at`, each with the fields a change can alter
        (`CHANGEABLE`) as its last event before `at` left them (the snapshot after it); the
        other columns from the row. `at` is appended to `args` as the subquery's parameter.
        In SQL, one pass: the last event of each exemption is found by a grouped scan of the
        `events_by_exemption` index (exemption, time; migration 0007), not one query each.
        """
        args.append(at)
        columns = [row[1] for row in self.conn.execute("PRAGMA table_info(exemptions)")]
        fields = {column: field for field, column in SNAPSHOT_FIELDS if field in CHANGEABLE}

        def read(column: str) -> str:
            field = fields.get(column)
            if field is None:
                return f"e.{column}"
            recorded = f"json_extract(s.after, '$.{field}')"
            if field == "deleted_on":
                # Events written before migration 0002 do not record the deletion day: theirs is
                # the row's (which that migration set), where the event shows the same deletion.
                return (
                    f"CASE WHEN json_type(s.after, '$.deleted_on') IS NOT NULL THEN {recorded} "
                    "WHEN json_extract(s.after, '$.deleted_at') IS e.deleted_at THEN e.deleted_on END"
                )
            return recorded

        shown = ", ".join(f"{read(column)} AS {column}" for column in columns)
        return (
            f"(SELECT {shown} FROM (SELECT exemption_id, MAX(id) AS last FROM events "
            f"WHERE exemption_id IS NOT NULL AND at < ?{len(args)} GROUP BY exemption_id) AS l "
            "JOIN events AS s ON s.id = l.last JOIN main.exemptions AS e ON e.id = l.exemption_id) AS exemptions"
        )

    def require_batch(self, batch: int) -> None:
        """`NotFound` unless bulk batch `batch` exists."""
        if not self.conn.execute("SELECT 1 FROM batches WHERE id = ?", (batch,)).fetchone():
            raise no_batch(batch)

    def batch_repeats(self, batch: int) -> str | None:
        """How a series' batch repeats (`every 1w x 10`); None for an import or no such batch."""
        row = self.conn.execute(
            "SELECT every, weekdays, occurrences FROM batches WHERE id = ?", (batch,)
        ).fetchone()
        return repeats_of(*row) if row else None

    def batch_members(self, batch: int) -> list[Exemption]:
        """Every exemption of bulk batch `batch`, in order of start, student and id (as `select`
        gives them), or `NotFound` when there is no such batch."""
        self.require_batch(batch)
        rows = self.conn.execute(f"SELECT {COLUMNS} FROM exemptions WHERE batch = ?", (batch,))
        # Sorted here, in the order SQLite gives ISO dates and text: SQLite sorts whole rows,
        # which costs reading a batch of 20,000 about a tenth more.
        return sorted(map(exemption_row, rows), key=attrgetter("start", "student_id", "id"))

    def of_students(
        self, student_ids: Iterable[str], condition: str = "1", args: Sequence[str] = ()
    ) -> list[Exemption]:
        """The exemptions of the given students that meet `condition`, oldest id first.

        The ids travel as one JSON array, so a cohort of any size is one query; sorted,
        because SQLite indexes the list first, and that is twice as fast in order.
        """
        rows = self.conn.execute(
            f"SELECT {COLUMNS} FROM exemptions WHERE {condition} "
            "AND student_id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (*args, json.dumps(sorted(set(student_ids)))),
        )
        return [exemption_row(row) for row in rows]

    def status_counts(self, day: date, conn: sqlite3.Connection | None = None) -> dict[str, int]:
        """How many exemptions have each status as of `day`, counted by SQLite in one pass (on
        `conn`, a connection to this store, if given).

        Counts of a few tests rather than a CASE grouped by its value (twice as slow): deleted
        (R5b) and live (not deleted, not expired) are each one test, pending is live and not
        yet in force; active is the rest of live, expired the rest of all (`rules.status`)."""
        row = (
            (conn or self.conn)
            .execute(
                f"SELECT count(*), count(*) FILTER (WHERE {DELETED_SQL}), count(*) FILTER (WHERE {LIVE_SQL}), "
                f"count(*) FILTER (WHERE {LIVE_SQL} AND (?1 < start_date OR ?1 < in_force_from)) FROM exemptions",
                (day.isoformat(),),
            )
            .fetchone()
        )
        every, deleted, live, pending = (int(value) for value in row)
        counts = {"active": live - pending, "pending": pending, "expired": every - deleted - live}
        counts["deleted"] = deleted
        return {status: counts[status] for status in STATUSES}

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
                    counted.append(self.status_counts(day, conn))
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

    # -- views: grouped counts, one query each -------------------------------------------

    def batch_summaries(self, today: date) -> list[BatchSummary]:
        """Every bulk batch with how many it created, how many of those are live today, and
        its types and dates, oldest first."""
        rows = self.conn.execute(
            """
            SELECT b.id, b.created_at, b.created_by, b.source, COUNT(e.id),
                   COALESCE(SUM(e.deleted_on IS NULL AND e.end_date >= ?), 0),
                   GROUP_CONCAT(DISTINCT e.type),
                   MIN(e.start_date), MAX(e.start_date), MIN(e.end_date), MAX(e.end_date), b.created_for,
                   b.every, b.weekdays, b.occurrences
            FROM batches AS b LEFT JOIN exemptions AS e ON e.batch = b.id
            GROUP BY b.id ORDER BY b.id
            """,
            (today.isoformat(),),
        )
        return [
            BatchSummary(
                id=row[0],
                created_at=row[1],
                created_by=row[2],
                source=row[3],
                created=row[4],
                live=row[5],
                types=tuple(sorted(row[6].split(","))) if row[6] else (),
                start=one_date(row[7], row[8]),
                end=one_date(row[9], row[10]),
                created_for=row[11],
                repeats=repeats_of(row[12], row[13], row[14]),
            )
            for row in rows
        ]

    def summary_counts(
        self, day: date, windows: Mapping[str, tuple[date, date]], *, stood_at: str | None = None
    ) -> list[tuple[str, str, int, dict[str, int]]]:
        """For each type and status as of `day` (`STATUS_SQL`): how many exemptions, and how many
        of those fall in each window of `summary` (`list`'s filters, in SQL): `in_force`,
        `starting` and `ending` count live ones whose first day in force, start or end falls in
        it; `deleted` those whose deletion day does. One grouped query, one pass. With `stood_at`,
        the store as it stood at that instant (`_as_it_stood`)."""
        live = "status IN ('active', 'pending')"
        columns = {
            "in_force": f"{live} AND MAX(start_date, in_force_from)",
            "starting": f"{live} AND start_date",
            "ending": f"{live} AND end_date",
            "ending_today": f"{live} AND end_date",
            "deleted": "deleted_on",
        }
        keys = [key for key in columns if key in windows]
        # ?1 is the day (in STATUS_SQL); each window's first and last day follow, numbered.
        sums = "".join(
            f", SUM({columns[key]} BETWEEN ?{2 + 2 * n} AND ?{3 + 2 * n})" for n, key in enumerate(keys)
        )
        args: list[Any] = [day.isoformat(), *(d.isoformat() for key in keys for d in windows[key])]
        source, made = "exemptions", ""
        if stood_at is not None:
            # Each rebuilt row made once: read through the CTE, each of its fields would be read
            # from the event's JSON again wherever the sums name it (five times the table's cost).
            source, made = self._as_it_stood(stood_at, args), "MATERIALIZED"
        rows = self.conn.execute(
            f"WITH counted AS {made} (SELECT type, start_date, end_date, in_force_from, deleted_on, "
            f"{STATUS_SQL} AS status FROM {source}) "
            f"SELECT type, status, COUNT(*){sums} FROM counted GROUP BY type, status",
            args,
        )
        return [(row[0], row[1], row[2], dict(zip(keys, row[3:], strict=True))) for row in rows]

    def students_in_force_by_week(self, first: date, weeks: int) -> OfficeCounts:
        """For each of `weeks` weeks from `first`: how many students have an exemption of each
        type in force on at least one of its days, and how many students in all; and for the
        whole of those weeks, how many students of each type.

        The days an exemption is in force are `rules.in_force_days`, written here in SQL so
        that the whole office is counted in one grouped query (tests hold the two together).
        Each exemption becomes the range of weeks it is in force in. A student with one such
        range (nearly everyone) is counted by where the range starts and stops, which needs
        no week-by-week rows; only students with several ranges are matched week by week,
        so that a student counts once per type and once in all.
        """
        last = first + timedelta(days=7 * weeks - 1)
        rows = self.conn.execute(
            """
            WITH RECURSIVE week(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM week WHERE n + 1 < :weeks),
            in_force(student_id, type, first, last) AS MATERIALIZED (
                SELECT student_id, type, MAX(start_date, in_force_from),
                       CASE WHEN deleted_on IS NULL THEN end_date ELSE MIN(end_date, deleted_on) END
                FROM exemptions
                WHERE (deleted_on IS NULL OR deleted_on >= start_date)
                  AND end_date >= :first AND start_date <= :last
            ),
            ranges(student_id, type, lo, hi) AS MATERIALIZED (
                SELECT student_id, type,
                       MAX(0, CAST(julianday(first) - julianday(:first) AS INTEGER)) / 7,
                       MIN(:weeks - 1, CAST(julianday(last) - julianday(:first) AS INTEGER) / 7)
                FROM in_force
                WHERE first <= last AND last >= :first AND first <= :last
            ),
            several(student_id) AS MATERIALIZED (
                SELECT student_id FROM ranges GROUP BY student_id HAVING COUNT(*) > 1
            ),
            single AS (SELECT * FROM ranges WHERE student_id NOT IN several),
            pairs(n, type, student_id) AS MATERIALIZED (
                SELECT DISTINCT week.n, ranges.type, ranges.student_id
                FROM ranges JOIN week ON week.n BETWEEN ranges.lo AND ranges.hi
                WHERE ranges.student_id IN several
            )
            SELECT 'from', lo, type, COUNT(*) FROM single GROUP BY lo, type
            UNION ALL SELECT 'after', hi + 1, type, COUNT(*) FROM single GROUP BY hi, type
            UNION ALL SELECT 'type', n, type, COUNT(*) FROM pairs GROUP BY n, type
            UNION ALL SELECT 'all', n, NULL, COUNT(DISTINCT student_id) FROM pairs GROUP BY n
            UNION ALL SELECT 'window', NULL, type, COUNT(DISTINCT student_id) FROM ranges GROUP BY type
            """,
            {"first": first.isoformat(), "last": last.isoformat(), "weeks": weeks},
        )
        return office_counts(rows, weeks)

    def events(self, exemption_id: int) -> list[Event]:
        """Every event of one exemption, oldest first; for one approved from a tutor's request,
        the request's own events too (who asked, and when)."""
        self.get(exemption_id)
        return self._events(
            "exemption_id = ? OR request_id = (SELECT id FROM requests WHERE exemption_id = ?)",
            (exemption_id, exemption_id),
        )

    def request_events(self, request_id: int) -> list[Event]:
        """Every event of one request, oldest first."""
        self.request(request_id)
        return self._events("request_id = ?", (request_id,))

    def _events(self, condition: str, args: Sequence[int]) -> list[Event]:
        rows = self.conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE {condition} ORDER BY id",
            args,
        )
        return events_of(rows)

    # -- writing (inside `writing()`) ----------------------------------------------------

    def _log(
        self,
        exemption_id: int,
        action: str,
        actor: Actor,
        at: str,
        before: str | None,
        request_id: int | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO events (exemption_id, request_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT id, ?, ?, ?, ?, ?, ?, ?, {_SNAPSHOT} FROM exemptions WHERE id = ?",
            (request_id, action, actor.login, actor.login, actor.for_, at, before, exemption_id),
        )

    def _snapshot(self, exemption_id: int) -> str:
        (snapshot,) = self.conn.execute(
            f"SELECT {_SNAPSHOT} FROM exemptions WHERE id = ?", (exemption_id,)
        ).fetchone()
        return str(snapshot)

    def insert(
        self, draft: Draft, *, actor: Actor, at: str, in_force_from: date, request_id: int | None = None
    ) -> Exemption:
        """Record one new exemption and its `add` event (`approve`, linked to the request, when
        it comes from a tutor's request)."""
        cursor = self.conn.execute(
            "INSERT INTO exemptions (student_id, type, start_date, end_date, reason, "
            "created_by, created_for, created_at, in_force_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                draft.student_id,
                draft.type,
                draft.start.isoformat(),
                draft.end.isoformat(),
                draft.reason,
                actor.login,
                actor.for_,
                at,
                in_force_from.isoformat(),
            ),
        )
        exemption_id = int(cursor.lastrowid or 0)
        self._log(exemption_id, "add" if request_id is None else "approve", actor, at, None, request_id)
        return self.get(exemption_id)

    def insert_batch(
        self,
        members: Sequence[tuple[str, Terms]],
        *,
        actor: Actor,
        at: str,
        in_force_from: date,
        source: str | None,
        repeats: tuple[str, str | None, int | None] | None = None,
    ) -> int:
        """Record a bulk batch of new exemptions, in order, and their `bulk` events; returns the
        batch id. A series' batch keeps how it `repeats`: interval, weekdays, occurrences."""
        every, weekdays, occurrences = repeats or (None, None, None)
        cursor = self.conn.execute(
            "INSERT INTO batches (created_at, created_by, created_for, source, every, weekdays, occurrences) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (at, actor.login, actor.for_, source, every, weekdays, occurrences),
        )
        batch = int(cursor.lastrowid or 0)
        # One statement for each run of rows with the same terms (a whole cohort, as a rule),
        # its students handed over as one JSON array: SQLite unpacks them itself, several
        # times faster than binding 100,000 rows one by one.
        for terms, run in groupby(members, key=itemgetter(1)):
            self.conn.execute(
                "INSERT INTO exemptions (student_id, type, start_date, end_date, reason, batch, "
                "created_by, created_for, created_at, in_force_from) "
                "SELECT value, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM json_each(?) ORDER BY key",
                (
                    terms.type,
                    terms.start.isoformat(),
                    terms.end.isoformat(),
                    terms.reason,
                    batch,
                    actor.login,
                    actor.for_,
                    at,
                    in_force_from.isoformat(),
                    json.dumps([student for student, _ in run]),
                ),
            )
        self.conn.execute(
            "INSERT INTO events (exemption_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT id, 'bulk', ?1, ?1, ?2, ?3, NULL, {_SNAPSHOT} FROM exemptions WHERE batch = ?4 ORDER BY id",
            (actor.login, actor.for_, at, batch),
        )
        return batch

    def _changing(self) -> None:
        """Make the temporary table `changing` ready (empty) for the exemptions a change writes,
        in order: for each, its id and (for a change of dates) its new start, end and in-force date.

        The events and the change are then written by one statement each, however many change:
        in `seq` order, which the table is kept in, so that no statement has to sort the events.
        """
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS changing (seq INTEGER PRIMARY KEY, exemption_id INTEGER NOT NULL, "
            "new_start TEXT, new_end TEXT, new_in_force_from TEXT)"
        )
        self.conn.execute("DELETE FROM temp.changing")

    def _log_changing(self, action: str, actor: Actor, at: str, after: str, args: Sequence[Any] = ()) -> None:
        """An event for each exemption in `changing`, in its order, written before the change
        itself: the snapshot before read from the row as it is; the one after, `after`, the same
        row with the values the change then writes (SQL, in which ?3 is `at` and ?4 on are `args`).
        The login (?2) is both the event's actor and its login.

        Both snapshots in one pass, each row read once: a batch of 20,000 used to put its
        snapshots before in a temporary table and read every row again after the change.
        """
        for_ = f"?{4 + len(args)}"
        # CROSS JOIN: `changing` is read in `seq` order and each exemption found by its id.
        self.conn.execute(
            "INSERT INTO events (exemption_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT id, ?1, ?2, ?2, {for_}, ?3, {_SNAPSHOT}, {after} "
            "FROM temp.changing CROSS JOIN exemptions ON id = exemption_id ORDER BY seq",
            (action, actor.login, at, *args, actor.for_),
        )

    def update(
        self, changes: Sequence[tuple[Exemption, Exemption]], *, action: str, actor: Actor, at: str
    ) -> None:
        """Record new dates (and in-force date) for each (before, after) pair, with its event."""
        self._changing()
        iso = IsoDates()
        self.conn.executemany(
            "INSERT INTO temp.changing (exemption_id, new_start, new_end, new_in_force_from) VALUES (?, ?, ?, ?)",
            [(after.id, iso[after.start], iso[after.end], iso[after.in_force_from]) for _, after in changes],
        )
        self._log_changing(
            action,
            actor,
            at,
            _snapshot_sql(start="new_start", end="new_end", in_force_from="new_in_force_from"),
        )
        self.conn.execute(
            "UPDATE exemptions SET start_date = new_start, end_date = new_end, in_force_from = new_in_force_from "
            "FROM temp.changing WHERE id = exemption_id"
        )
        self.conn.execute("DELETE FROM temp.changing")

    def set_reason(self, before: Exemption, after: Exemption, *, actor: Actor, at: str) -> None:
        """Record a corrected reason, with an `edit` event holding the old and the new."""
        snapshot = self._snapshot(before.id)
        self.conn.execute("UPDATE exemptions SET reason = ? WHERE id = ?", (after.reason, after.id))
        self._log(before.id, "edit", actor, at, snapshot)

    def mark_deleted(self, exemptions: Sequence[Exemption], *, actor: Actor, at: str, on: date) -> None:
        """Mark exemptions deleted at `at` on day `on` (the record and its history stay), with a
        `delete` event each."""
        day = on.isoformat()
        self._changing()
        self.conn.execute(
            "INSERT INTO temp.changing (exemption_id) SELECT value FROM json_each(?) ORDER BY key",
            (json.dumps([exemption.id for exemption in exemptions]),),
        )
        self._log_changing("delete", actor, at, _snapshot_sql(deleted_at="?3", deleted_on="?4"), (day,))
        self.conn.execute(
            "UPDATE exemptions SET deleted_at = ?, deleted_on = ? FROM temp.changing WHERE id = exemption_id",
            (at, day),
        )
        self.conn.execute("DELETE FROM temp.changing")

    # -- tutors' requests ---------------------------------------------------------------

    def request(self, request_id: int) -> Request:
        """One request by number, or `NotFound`."""
        row = self.conn.execute(
            f"SELECT {REQUEST_COLUMNS} FROM requests WHERE id = ?", (request_id,)
        ).fetchone()
        if row is None:
            raise no_request(request_id)
        return request_of(row)

    def requests(self, statuses: Iterable[str]) -> list[Request]:
        """The requests with one of these statuses, oldest first."""
        rows = self.conn.execute(
            f"SELECT {REQUEST_COLUMNS} FROM requests "
            "WHERE status IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps(sorted(set(statuses))),),
        )
        return [request_of(row) for row in rows]

    def insert_request(self, draft: Draft, *, requested_by: str, actor: Actor, at: str) -> Request:
        """Record a tutor's request and its `request` event."""
        cursor = self.conn.execute(
            "INSERT INTO requests (student_id, type, start_date, end_date, reason, requested_by, "
            "recorded_by, recorded_login, recorded_for, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                draft.student_id,
                draft.type,
                draft.start.isoformat(),
                draft.end.isoformat(),
                draft.reason,
                requested_by,
                actor.login,
                actor.login,
                actor.for_,
                at,
            ),
        )
        request_id = int(cursor.lastrowid or 0)
        self._log_request(request_id, "request", actor, at, None)
        return self.request(request_id)

    def _log_request(self, request_id: int, action: str, actor: Actor, at: str, before: str | None) -> None:
        self.conn.execute(
            "INSERT INTO events (request_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT id, ?, ?, ?, ?, ?, ?, {_REQUEST_SNAPSHOT} FROM requests WHERE id = ?",
            (action, actor.login, actor.login, actor.for_, at, before, request_id),
        )

    def _decide(self, request_id: int, status: str, actor: Actor, at: str, **fields: Any) -> None:
        """Close a waiting request; the caller holds the write lock and has seen it waiting."""
        assignments = "".join(f", {column} = ?" for column in fields)
        cursor = self.conn.execute(
            "UPDATE requests SET status = ?, decided_by = ?, decided_login = ?, decided_for = ?, "
            f"decided_at = ?{assignments} WHERE id = ? AND status = 'requested'",
            (status, actor.login, actor.login, actor.for_, at, *fields.values(), request_id),
        )
        if cursor.rowcount != 1:
            raise RuntimeError(f"request R{request_id} was not waiting")

    def approve_request(
        self, request: Request, draft: Draft, *, actor: Actor, at: str, in_force_from: date
    ) -> Exemption:
        """Create the exemption a request asked for (perhaps with a new start), linked to it,
        and close the request as approved. One `approve` event records both."""
        created = self.insert(draft, actor=actor, at=at, in_force_from=in_force_from, request_id=request.id)
        self._decide(request.id, APPROVED, actor, at, exemption_id=created.id)
        return created

    def reject_request(self, request: Request, reason: str, *, actor: Actor, at: str) -> None:
        """Close a request as rejected, with the reason, and its `reject` event."""
        before = self.conn.execute(
            f"SELECT {_REQUEST_SNAPSHOT} FROM requests WHERE id = ?", (request.id,)
        ).fetchone()[0]
        self._decide(request.id, REJECTED, actor, at, decision_reason=reason)
        self._log_request(request.id, "reject", actor, at, before)
