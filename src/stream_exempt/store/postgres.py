"""The PostgreSQL store (SPEC 12): the same records, rules and answers as the SQLite store, on a
database server shared by an office on many machines.

psycopg 3 directly, imported only when the store is a `postgresql://` URL. The SQL both
databases share is written once, in the rooms by noun (`exemptions`, `events`, `batches`,
`requests`, `reports`, with `?N` parameters, turned here into `$N`);
what differs stays here: arrays instead of `json_each`, `GREATEST`/`LEAST`, a transaction-level
advisory lock instead of `BEGIN IMMEDIATE`, date arithmetic, and JSON built by
`json_build_object`. Dates are DATE columns read back as ISO text, as SQLite holds them, so
that rows become records by the same code.

Every writing command is one transaction that first takes one advisory lock for the store:
writers are serialised, so the rules that compare records (R7, a request decided once) see
every committed write, and no writer ever meets "could not serialize". R7 is also held by the
database (an exclusion constraint); should it ever fire, it is the same refusal as the rule's.
The actor recorded is the database's `session_user`, whatever `--as` says (SPEC 12).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import cache
from itertools import chain
from typing import Any

import psycopg
import psycopg.sql
from psycopg import RawCursor, errors, pq
from psycopg.abc import Buffer
from psycopg.types.string import TextLoader

from stream_exempt.errors import NoStoreYet, Refused, StoreUnusable
from stream_exempt.interrupts import Ledger
from stream_exempt.model import Actor
from stream_exempt.store import pg_schema
from stream_exempt.store.common import DATED, KINDS, LISTED_COLUMNS, TEXT_COLUMNS
from stream_exempt.store.location import (
    as_libpq_url,
    first_line,
    hide_passwords,
    libpq_settings,
    without_password,
)
from stream_exempt.store.protocol import StoreProtocol

CONNECT_TIMEOUT_SECONDS = 10  # SPEC 12, unless the URL (or PGCONNECT_TIMEOUT) says otherwise
# The store's one write lock: a transaction-level advisory lock (released at COMMIT/ROLLBACK).
WRITE_LOCK = 0x5E_E7E3_9701  # "stream-exempt", as a number no other tool is likely to pick

_PARAMETER = re.compile(r"\?(\d+)")
_PLACEHOLDER = re.compile(r"\$(\d+)")
# How a new row's id is given, under the write lock: one more than the largest (a request's by
# a function that sees every request, which a tutor's row-level security would not).
_NEXT_ID = {
    "exemptions": "(SELECT COALESCE(MAX(id), 0) + 1 FROM exemptions)",
    "batches": "(SELECT COALESCE(MAX(id), 0) + 1 FROM batches)",
    "requests": "stream_exempt_next_request_id()",
}


@cache
def dialect(sql: str) -> str:
    """SQL written once for both stores (`?N` parameters) as PostgreSQL's (`$N`)."""
    return _PARAMETER.sub(r"$\1", sql)


def _copied_lines(delimiter: str) -> str:
    """`list`'s columns for `COPY ... (FORMAT csv)`: the server writes each row as the csv
    module would, as SQLite's store does in SQL (`sqlite._listed_line`), where it can; the
    first column says where it cannot. It is NULL (written as nothing, so the line starts with
    the delimiter, followed by the row's own line) unless the csv module must write the row:
    then it holds the row's fields as a JSON array, for the csv module to quote or defuse.

    The server's csv differs from the csv module's only in quoting: a row goes to the csv module
    when one of its free-text cells (`common.TEXT_COLUMNS`) holds the delimiter, a quote or a
    line break, starts as a spreadsheet formula would, or is empty (the server quotes an empty
    text, to tell it from NULL); the other cells are numbers, codes and dates. The free-text
    cells are tested at once, each after a \\x01 (a cell holding a \\x01 may send its row to the
    csv module needlessly, which writes the same line). Dates are written as their text, as the
    plain rows are read.
    """
    special = "\\t" if delimiter == "\t" else delimiter
    cells = f"E'\\x01' || concat_ws(E'\\x01', {', '.join(TEXT_COLUMNS)})"
    quoted = f"{cells} ~ E'\\x01([-=+@\\\\t\\\\r\\x01]|$)|[\"\\\\n\\\\r{special}]'"
    texts = [f"{column}::text" if column in DATED else column for column in LISTED_COLUMNS]
    array = f"json_build_array({', '.join(texts)})::text"
    return f"CASE WHEN {quoted} THEN {array} END, {', '.join(LISTED_COLUMNS)}"


def unusable_pg(error: BaseException, location: str, *, connecting: bool = False) -> StoreUnusable | None:
    """A psycopg error as one sentence naming the store without its password (exit 4); None
    for anything that is not psycopg's. `connecting`: the error came while connecting, so it is
    never a connection lost, but a server not reached or a setting libpq refused."""
    if not isinstance(error, psycopg.Error):
        return None
    shown = without_password(location)
    subject = f"the store {shown}" if location else "the store"
    text = hide_passwords(first_line(error), location)
    state = error.sqlstate or ""
    lowered = text.lower()
    if state in ("28P01", "28000") or "password" in lowered:
        why = "the server refused the user name or password"
        then = "check the user in the URL and its password (PGPASSWORD or ~/.pgpass)"
    elif state == "3D000" or ("database" in lowered and "does not exist" in lowered):
        why = "the database does not exist"
        then = "ask the database administrator to create it (stream-exempt never creates a database)"
    elif state == "42501":
        from stream_exempt.store.roles import denied

        return denied(error, shown)
    elif (
        connecting
        or state.startswith("08")
        or state in ("57P01", "57P02", "57P03")
        or isinstance(error, psycopg.OperationalError)
    ):
        then = "check the host and port in the URL and that the server is running, then try again"
        unreachable = ("refused", "could not", "translate host", "resolve", "name or service", "no such host")
        if any(words in lowered for words in unreachable):
            why = "the server cannot be reached"
        elif connecting and any(words in lowered for words in ("bad value", "invalid", "unrecognized")):
            why = "libpq did not accept the connection settings"
            then = "check the host, port and other settings in the URL (and the PG* variables)"
        elif "timeout" in lowered:
            why = "the server did not answer in time"
        elif connecting:
            why = "libpq did not accept the connection settings"
            then = "check the host, port and other settings in the URL (and the PG* variables)"
        else:
            why = "the connection to the server was lost"
            then = "nothing was recorded by the part that failed; check the server and run the command again"
    else:
        return StoreUnusable(f"{subject} cannot be used ({text}).")
    return StoreUnusable(f"{subject} cannot be used: {why} ({text}); {then}.")


def _connect(url: str) -> psycopg.Connection[Any]:
    """A connection in autocommit mode (transactions are explicit), dates read as ISO text."""
    options: dict[str, Any] = {}
    given = libpq_settings(url)
    url = as_libpq_url(url)
    if "connect_timeout" not in given and not os.environ.get("PGCONNECT_TIMEOUT"):
        options["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    # Text travels as UTF-8 whatever the database's encoding. A database made in the C locale
    # is SQL_ASCII, whose default client encoding would hand every text back as bytes.
    options["client_encoding"] = "UTF8"
    try:
        conn = psycopg.connect(url, autocommit=True, cursor_factory=RawCursor, **options)
    except psycopg.Error as error:
        mapped = unusable_pg(error, url, connecting=True)
        assert mapped is not None
        raise mapped from None
    conn.adapters.register_loader("date", TextLoader)
    return conn


class PostgresStore(StoreProtocol):
    """An open PostgreSQL store. Use `PostgresStore.open(url)`; close it with `close()`."""

    writes_json = False  # `listed` gives no JSON: the output writes it from plain rows
    LATER = "GREATEST({}, {})"
    EARLIER = "LEAST({}, {})"
    JSON_OBJECT = "json_build_object({})::text"
    COUNT_TRUE = "SUM(({})::int)"
    JOINED = "string_agg(DISTINCT {}, ',')"
    DAYS_BETWEEN = "({} - {})"
    WEEKS = "week(n) AS (SELECT generate_series(0, ?{}::int - 1))"
    SAME = "IS NOT DISTINCT FROM"
    JOIN_IN_ORDER = "JOIN"
    # ?1 typed once, for every use (it may be compared only with a text cast otherwise).
    TYPED_DAY = "?1::date IS NOT NULL"
    conn: psycopg.Connection[Any]

    def __init__(self, url: str, conn: psycopg.Connection[Any]) -> None:
        self.url = url
        self.conn = conn
        self.created = False
        self.ledger = Ledger()  # what its transactions record, in words (`open_store` gives the command's)
        self.login = ""  # the database's session user: the actor of every change (SPEC 12)

    @property
    def shown(self) -> str:
        return without_password(self.url)

    def _run(self, sql: str, args: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        try:
            return self.conn.execute(dialect(sql), args)
        except psycopg.OperationalError as error:  # the server gone: the store's own error
            raise self._lost(error) from None

    def _lost(self, error: psycopg.Error) -> StoreUnusable:
        mapped = unusable_pg(error, self.url)
        assert mapped is not None
        return mapped

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, create: bool = False) -> PostgresStore:
        """Connect, and check (or, with `create`, make) the schema. The database itself is
        never created (SPEC 12): a missing one is `StoreUnusable`."""
        conn = _connect(url)
        store = cls(url, conn)
        try:
            (store.login, _) = conn.execute(
                "SELECT session_user::text, set_config('datestyle', 'ISO, YMD', false)"
            ).fetchone() or ("", "")
            if store._needs_migration():
                if not create and not store.applied_migrations():
                    raise NoStoreYet(
                        f"the PostgreSQL database {store.shown} is not a stream-exempt store; run init "
                        "(`stream-exempt init`) to create the store there, or check --db or "
                        "STREAM_EXEMPT_DB (only a command that records something new creates one; "
                        "reading or changing what exists never does)."
                    )
                with store.writing():
                    store.created = store._migrate()
        except psycopg.Error as error:
            mapped = unusable_pg(error, url)
            if error.sqlstate == "42501":
                from stream_exempt.store.roles import ungranted

                mapped = ungranted(conn, error, store.shown) or mapped
            conn.close()
            assert mapped is not None
            raise mapped from None
        except BaseException:
            conn.close()
            raise
        return store

    def applied_migrations(self) -> list[str]:
        """The names of the migrations this store has had, oldest first."""
        (present,) = self._run(
            "SELECT to_regclass($1) IS NOT NULL", (pg_schema.MIGRATIONS_TABLE,)
        ).fetchone() or (False,)
        if not present:
            return []
        rows = self._run(f"SELECT name FROM {pg_schema.MIGRATIONS_TABLE} ORDER BY applied_at, name")
        return [name for (name,) in rows]

    def _foreign(self) -> StoreUnusable | None:
        (foreign,) = self._run("SELECT to_regclass('exemptions') IS NOT NULL").fetchone() or (False,)
        if not foreign:
            return None
        return StoreUnusable(
            f"the PostgreSQL database {self.shown} has an exemptions table but is not a "
            "stream-exempt store; give --db the URL of a store or of an empty database."
        )

    def _migrate(self) -> bool:
        """Create the schema or bring it up to date, under the write lock; whether it was created."""
        applied = self.applied_migrations()  # again, under the lock: another may have done it
        if not applied:
            for statement in pg_schema.CURRENT:
                self._run(statement)
            applied = list(pg_schema.CURRENT_NAMES)
            self._run(
                f"INSERT INTO {pg_schema.MIGRATIONS_TABLE} (name) SELECT unnest($1::text[])",
                (applied,),
            )
            created = True
        else:
            created = False
        for name, statements in pg_schema.LATER:
            if name not in applied:
                for statement in statements:
                    self._run(statement)
                self._run(f"INSERT INTO {pg_schema.MIGRATIONS_TABLE} (name) VALUES ($1)", (name,))
        return created

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One transaction holding the store's write lock from its start: all or nothing.

        The lock (a transaction-level advisory lock) serialises every writer, as SQLite's
        BEGIN IMMEDIATE does; READ COMMITTED then shows each statement every committed write."""
        with self.ledger.transaction():
            self.conn.execute("BEGIN")
            try:
                self._run("SELECT pg_advisory_xact_lock($1)", (WRITE_LOCK,))
                yield
                # Bumped only when this transaction wrote (it has a transaction id then): a
                # command that records nothing changes nothing, not even the version.
                self.conn.execute(
                    "UPDATE stream_exempt_version SET n = n + 1 WHERE pg_current_xact_id_if_assigned() IS NOT NULL"
                )
                with self.ledger.committing():
                    self.conn.execute("COMMIT")
            except errors.ExclusionViolation:
                self._rollback()
                # R7, held by the database: reached only if another tool wrote around the lock.
                raise Refused(
                    "an exemption of the same type for this student already covers some of these "
                    "days (R7); see it with `stream-exempt list --student ID`, then extend or move it."
                ) from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self.conn.info.transaction_status != pq.TransactionStatus.IDLE:
            with suppress(psycopg.Error):
                self.conn.execute("ROLLBACK")

    def version(self) -> int:
        """A number that changes whenever a writing transaction commits (`writing()` bumps it)."""
        row = self.conn.execute("SELECT n FROM stream_exempt_version").fetchone()
        return int(row[0]) if row else 0

    def server_facts(self) -> dict[str, Any]:
        """What `doctor` reports of the server instead of SQLite's file checks."""
        row = self._run(
            "SELECT current_setting('server_version'), session_user::text, current_database()::text, "
            "EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'exemptions_r7' AND contype = 'x')"
        ).fetchone()
        assert row is not None
        return {"server_version": row[0], "session_user": row[1], "database": row[2], "r7_constraint": row[3]}

    # -- the dialect's hooks (`base.StoreBase`) ---------------------------------------------

    def check_may_change(self) -> None:
        """A tutor (no right to add or change exemptions) is refused here, before a rule could
        advise it to `extend` or `move` what it may not touch."""
        row = self.conn.execute(
            "SELECT has_table_privilege('exemptions', 'INSERT') AND has_table_privilege('exemptions', 'UPDATE')"
        ).fetchone()
        if not (row and row[0]):
            from stream_exempt.store.roles import TUTORS_MAY_NOT_CHANGE

            raise StoreUnusable(TUTORS_MAY_NOT_CHANGE)

    def check_may_decide(self) -> None:
        """A tutor (no right to decide a request, nor to record the exemption an approval
        makes) is refused here, before its request, or another's, is looked up."""
        row = self.conn.execute(
            "SELECT has_table_privilege('requests', 'UPDATE') AND has_table_privilege('exemptions', 'INSERT')"
        ).fetchone()
        if not (row and row[0]):
            from stream_exempt.store.roles import TUTORS_MAY_NOT_DECIDE

            raise StoreUnusable(TUTORS_MAY_NOT_DECIDE)

    def _signed(self, actor: Actor) -> Actor:
        """The actor as recorded: the session user, and `--as` beside it unless it names the
        session user (SPEC 12). `--as` naming the operating system's login is kept: on
        PostgreSQL that is not the login recorded."""
        return Actor(self.login, None if actor.for_ == self.login else actor.for_)

    def _insert(self, table: str, values: Mapping[str, Any]) -> int:
        marks = ", ".join(f"${n}" for n in range(1, len(values) + 1))
        row = self._run(
            f"INSERT INTO {table} (id, {', '.join(values)}) VALUES ({_NEXT_ID[table]}, {marks}) RETURNING id",
            tuple(values.values()),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def _insert_students(self, students: Sequence[str], values: Mapping[str, Any]) -> None:
        # The students as one array, each numbered after the largest id.
        marks = ", ".join(f"${n}::{KINDS[column]}" for n, column in enumerate(values, start=2))
        self._run(
            f"INSERT INTO exemptions (id, student_id, {', '.join(values)}) "
            f"SELECT (SELECT COALESCE(MAX(id), 0) FROM exemptions) + n, s, {marks} "
            "FROM unnest($1::text[]) WITH ORDINALITY AS u(s, n) ORDER BY n",
            (list(students), *values.values()),
        )

    def _member(self, column: str, n: int, kind: str, *, negated: bool = False) -> str:
        return f"{column} {'<> ALL' if negated else '= ANY'}(?{n}::{kind}[])"

    def _many(self, values: Sequence[Any]) -> list[Any]:
        # A text holding a NUL (from a hostile file) is none stored: PostgreSQL text cannot hold it.
        return [value for value in values if not (isinstance(value, str) and "\x00" in value)]

    def _fill_changing(self, ids: Sequence[int], dates: Sequence[tuple[str, str, str]] | None) -> list[Any]:
        """The arrays of the exemptions a change writes and (for a change of dates) their new dates."""
        if dates is None:
            return [list(ids), None, None, None]
        starts, ends, in_force = (
            (list(column) for column in zip(*dates, strict=True)) if dates else ([], [], [])
        )
        return [list(ids), starts, ends, in_force]

    def _changing(self, first: int) -> str:
        arrays = ", ".join(
            f"?{first + n}::{kind}"
            for n, kind in enumerate(("bigint[]", "text[]::date[]", "text[]::date[]", "text[]::date[]"))
        )
        return (
            f"unnest({arrays}) WITH ORDINALITY AS c(exemption_id, new_start, new_end, new_in_force_from, seq)"
        )

    def _recorded(self, field: str, column: str) -> str:
        return f"(s.after::json ->> '{field}')" + ("::date" if column in DATED else "")

    def _records(self, field: str) -> str:
        return f"jsonb_exists(s.after::jsonb, '{field}')"

    def _counted_made(self, stood_at: str | None) -> str:
        return "MATERIALIZED"

    def _shown(self, *, as_json: bool, delimiter: str | None) -> str:
        # `as_json` is SQLite's alone: here such rows are plain (`writes_json` is false) and
        # the output writes their JSON.
        return (
            super()._shown(as_json=as_json, delimiter=delimiter)
            if delimiter is None
            else _copied_lines(delimiter)
        )

    def _rows(
        self, query: str, args: Sequence[Any], *, delimiter: str | None, limited: bool
    ) -> Iterator[Any]:
        """The rows streamed from the server; with `delimiter`, each row as one csv/tsv line
        made by the server, or its fields as a JSON array (`_copied_lines`)."""
        query = dialect(query)
        if delimiter is not None:
            lines = self._copied(query, args, delimiter)
            try:  # the query runs now, before anything is written: a failure leaves no header
                first = next(lines, None)
            except psycopg.OperationalError as error:
                raise self._lost(error) from None
            if limited:  # read whole: its count may be asked before the last row is read
                return iter([] if first is None else [first, *lines])
            return iter(()) if first is None else chain((first,), lines)
        if not limited:  # streamed from the server, a chunk of rows at a time
            rows = self.conn.cursor().stream(query, args, size=2000)
            try:  # the query runs now, before anything is written: a failure leaves no header
                first = next(rows, None)
            except psycopg.OperationalError as error:
                raise self._lost(error) from None
            return iter(()) if first is None else chain((first,), rows)
        # A limited list is read whole: its count may be asked before the last row is read.
        return iter(self._run(query, args).fetchall())

    def _copied(self, query: str, args: Sequence[Any], delimiter: str) -> Iterator[tuple[str]]:
        """The rows of `query` (whose columns are `_copied_lines`') as `listed` gives them with a
        delimiter: each its line, or its fields as a JSON array. Read with COPY: the server
        writes the csv, one message a row, and the rows are read without being parsed."""
        import csv

        literals = [psycopg.sql.Literal(arg).as_string(self.conn) for arg in args]
        # COPY takes no parameters: they are written into the query as literals.
        inlined = _PLACEHOLDER.sub(lambda found: literals[int(found[1]) - 1], query)
        separator = "E'\\t'" if delimiter == "\t" else f"'{delimiter}'"
        copy = f"COPY ({inlined}) TO STDOUT (FORMAT csv, DELIMITER {separator})"
        encoding = self.conn.info.encoding
        plain = ord(delimiter)
        pgconn = self.conn.pgconn
        with self.conn.cursor().copy(copy) as rows:
            while True:
                # Each row already received is taken from libpq straight away; psycopg waits
                # for more when there is none (and ends the copy), a row at a time.
                size, received = pgconn.get_copy_data(1)
                row: Buffer = received
                if size == 0:
                    row = rows.read()
                    if not row:
                        return
                elif size < 0:  # the end of the copy: its result, an error if it failed
                    if (
                        result := pgconn.get_result()
                    ) is not None and result.status != pq.ExecStatus.COMMAND_OK:
                        raise errors.error_from_result(result, encoding=encoding)
                    while pgconn.get_result() is not None:
                        pass
                    return
                if row[0] == plain:  # the row's own line, after an empty first column
                    yield (str(row[1:-1], encoding),)
                else:  # the fields as a JSON array, in the first column (quoted by the server)
                    yield (next(csv.reader([str(row, encoding)], delimiter=delimiter))[0],)
