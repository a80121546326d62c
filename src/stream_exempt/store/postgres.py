"""The PostgreSQL store (SPEC 12): the same records, rules and answers as the SQLite store, on a
database server shared by an office on many machines.

psycopg 3 directly, imported only when the store is a `postgresql://` URL. The SQL both
databases share is written once (`common`, with `?N` parameters, turned here into `$N`);
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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date, timedelta
from itertools import chain, groupby
from operator import attrgetter, itemgetter
from typing import Any

import psycopg
import psycopg.sql
from psycopg import RawCursor, errors, pq
from psycopg.abc import Buffer
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.string import TextLoader

from stream_exempt import schema
from stream_exempt.errors import NoStoreYet, Refused, StoreUnusable
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
from stream_exempt.store import pg_schema
from stream_exempt.store.common import (
    CHANGEABLE,
    COLUMNS,
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
from stream_exempt.store.location import as_libpq_url, hide_passwords, without_password

CONNECT_TIMEOUT_SECONDS = 10  # SPEC 12, unless the URL (or PGCONNECT_TIMEOUT) says otherwise
# The store's one write lock: a transaction-level advisory lock (released at COMMIT/ROLLBACK).
WRITE_LOCK = 0x5E_E7E3_9701  # "stream-exempt", as a number no other tool is likely to pick

_PARAMETER = re.compile(r"\?(\d+)")
_PLACEHOLDER = re.compile(r"\$(\d+)")


def dialect(sql: str) -> str:
    """SQL written once for both stores (`?N` parameters) as PostgreSQL's (`$N`)."""
    return _PARAMETER.sub(r"$\1", sql)


def _snapshot_sql(**written: str) -> str:
    """What an event records of an exemption, as JSON text: see `common.snapshot_fields`."""
    return f"json_build_object({snapshot_fields(**written)})::text"


_SNAPSHOT = _snapshot_sql()
_REQUEST_SNAPSHOT = f"json_build_object({REQUEST_SNAPSHOT_FIELDS})::text"
_STATUS = dialect(STATUS_SQL)


def _copied_lines(delimiter: str) -> str:
    """`list`'s columns for `COPY ... (FORMAT csv)`: the server writes each row as the csv
    module would, as SQLite's store does in SQL (`sqlite._listed_line`), where it can; the
    first column says where it cannot. It is NULL (written as nothing, so the line starts with
    the delimiter, followed by the row's own line) unless the csv module must write the row:
    then it holds the row's fields as a JSON array, for the csv module to quote or defuse.

    The server's csv differs from the csv module's only in quoting: a row goes to the csv module
    when one of its free-text cells (student ID, reason, author, whom for) holds the delimiter,
    a quote or a line break, starts as a spreadsheet formula would, or is empty (the server
    quotes an empty text, to tell it from NULL); the other cells are numbers, codes and dates.
    The free-text cells are tested at once, each after a \\x01 (a cell holding a \\x01 may send
    its row to the csv module needlessly, which writes the same line). Dates are written as
    their text, as the plain rows are read.
    """
    special = "\\t" if delimiter == "\t" else delimiter
    cells = "E'\\x01' || concat_ws(E'\\x01', student_id, reason, created_by, created_for)"
    quoted = f"{cells} ~ E'\\x01([-=+@\\\\t\\\\r\\x01]|$)|[\"\\\\n\\\\r{special}]'"
    fields = [
        "id", "student_id", "type", "start_date", "end_date", _STATUS, "in_force_from", "batch",
        "reason", "created_by", "created_at", "deleted_on", "created_for",
    ]  # fmt: skip
    texts = [f"{field}::text" if field.endswith(("_date", "_from", "_on")) else field for field in fields]
    array = f"json_build_array({', '.join(texts)})::text"
    return f"CASE WHEN {quoted} THEN {array} END, {', '.join(fields)}"


def _password(url: str) -> str | None:
    with suppress(psycopg.Error):
        return conninfo_to_dict(url).get("password")  # type: ignore[return-value]
    return None


def unusable_pg(error: BaseException, location: str, *, connecting: bool = False) -> StoreUnusable | None:
    """A psycopg error as one sentence naming the store without its password (exit 4); None
    for anything that is not psycopg's. `connecting`: the error came while connecting, so it is
    never a connection lost, but a server not reached or a setting libpq refused."""
    if not isinstance(error, psycopg.Error):
        return None
    shown = without_password(location)
    subject = f"the store {shown}" if location else "the store"
    text = hide_passwords((str(error).strip().splitlines() or [type(error).__name__])[0])
    secret = _password(location)
    if secret and len(secret) >= 4:  # belt and braces: a password libpq quoted some other way
        text = text.replace(secret, "…")
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
    url = as_libpq_url(url)
    try:
        given = conninfo_to_dict(url)
    except psycopg.ProgrammingError as error:
        raise StoreUnusable(
            f"{without_password(url)} is not a PostgreSQL URL libpq can read ({hide_passwords(_first_line(error))}); "
            "write it as postgresql://user@host:port/dbname."
        ) from None
    if "connect_timeout" not in given and not os.environ.get("PGCONNECT_TIMEOUT"):
        options["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    try:
        conn = psycopg.connect(url, autocommit=True, cursor_factory=RawCursor, **options)
    except psycopg.Error as error:
        mapped = unusable_pg(error, url, connecting=True)
        assert mapped is not None
        raise mapped from None
    conn.adapters.register_loader("date", TextLoader)
    return conn


def _count(value: Any) -> Any:
    """A count as SQLite gives it: an int (PostgreSQL's SUM of ints is a bigint, or NULL)."""
    return None if value is None else int(value)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [""])[0]


class PostgresStore:
    """An open PostgreSQL store. Use `PostgresStore.open(url)`; close it with `close()`."""

    writes_lines = False  # `listed` gives no JSON: the output writes it from plain rows
    writes_delimited = True  # `listed` writes csv/tsv lines in SQL, as SQLite's store does

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
            return self.conn.execute(sql, args)
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
            conn.close()
            mapped = unusable_pg(error, url)
            assert mapped is not None
            raise mapped from None
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self.conn.close()

    def applied_migrations(self) -> list[str]:
        """The names of the migrations this store has had, oldest first."""
        (present,) = self._run(
            "SELECT to_regclass($1) IS NOT NULL", (pg_schema.MIGRATIONS_TABLE,)
        ).fetchone() or (False,)
        if not present:
            return []
        rows = self._run(f"SELECT name FROM {pg_schema.MIGRATIONS_TABLE} ORDER BY applied_at, name")
        return [name for (name,) in rows]

    def _needs_migration(self) -> bool:
        """Whether the schema is due; `StoreUnusable` for a newer schema or a foreign database."""
        applied = self.applied_migrations()
        if set(applied) == set(schema.NAMES):
            return False
        newer = [name for name in applied if name not in schema.NAMES]
        if newer:
            raise StoreUnusable(
                f"the store {self.shown} was written by a newer stream-exempt (schema "
                f"{len(applied)}, this program knows {len(schema.NAMES)}); upgrade stream-exempt."
            )
        if not applied:
            (foreign,) = self._run("SELECT to_regclass('exemptions') IS NOT NULL").fetchone() or (False,)
            if foreign:
                raise StoreUnusable(
                    f"the PostgreSQL database {self.shown} has an exemptions table but is not a "
                    "stream-exempt store; give --db the URL of a store or of an empty database."
                )
        return True

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

    def changed_since(self, version: int) -> bool:
        return self.version() != version

    def _actor(self, actor: Actor) -> Actor:
        """The actor as recorded: the session user, and `--as` beside it (SPEC 12)."""
        return Actor(self.login, None if actor.for_ == self.login else actor.for_)

    # -- reading ------------------------------------------------------------------------

    def get(self, exemption_id: int) -> Exemption:
        row = self._run(f"SELECT {COLUMNS} FROM exemptions WHERE id = $1", (exemption_id,)).fetchone()
        if row is None:
            raise no_exemption(exemption_id)
        return exemption_row(row)

    def get_many(self, exemption_ids: Iterable[int]) -> list[Exemption]:
        wanted = list(dict.fromkeys(exemption_ids))
        rows = self._run(f"SELECT {COLUMNS} FROM exemptions WHERE id = ANY($1::bigint[])", (wanted,))
        found = {row[0]: exemption_row(row) for row in rows}
        return [found[i] if i in found else self.get(i) for i in wanted]

    def of_student(self, student_id: str) -> list[Exemption]:
        rows = self._run(f"SELECT {COLUMNS} FROM exemptions WHERE student_id = $1 ORDER BY id", (student_id,))
        return [exemption_row(row) for row in rows]

    def _of_students(
        self, student_ids: Iterable[str], condition: str, args: Sequence[Any]
    ) -> list[Exemption]:
        """The exemptions of these students meeting `condition` (its parameters from $2), oldest first."""
        rows = self._run(
            f"SELECT {COLUMNS} FROM exemptions WHERE student_id = ANY($1::text[]) AND {condition} ORDER BY id",
            # An ID holding a NUL (from a hostile file) is no stored one: PostgreSQL text cannot hold it.
            (sorted({student for student in student_ids if "\x00" not in student}), *args),
        )
        return [exemption_row(row) for row in rows]

    def live_of(self, student_ids: Iterable[str], today: date) -> dict[tuple[str, str], list[Exemption]]:
        found: dict[tuple[str, str], list[Exemption]] = {}
        for exemption in self._of_students(
            student_ids, "deleted_on IS NULL AND end_date >= $2::date", (today.isoformat(),)
        ):
            found.setdefault((exemption.student_id, exemption.type), []).append(exemption)
        return found

    def live_and_deleted_of(
        self, student_ids: Iterable[str], today: date
    ) -> tuple[dict[tuple[str, str], list[Exemption]], dict[tuple[str, str], list[Exemption]]]:
        live: dict[tuple[str, str], list[Exemption]] = {}
        deleted: dict[tuple[str, str], list[Exemption]] = {}
        condition = "(deleted_on IS NOT NULL OR end_date >= $2::date)"
        for exemption in self._of_students(student_ids, condition, (today.isoformat(),)):
            found = deleted if exemption.deleted else live
            found.setdefault((exemption.student_id, exemption.type), []).append(exemption)
        return live, deleted

    def live_besides(self, changing: Sequence[Exemption], today: date) -> list[Exemption]:
        return self._of_students(
            {exemption.student_id for exemption in changing},
            "deleted_on IS NULL AND end_date >= $2::date AND id <> ALL($3::bigint[])",
            (today.isoformat(), [exemption.id for exemption in changing]),
        )

    def answering_by_student(self) -> dict[str, list[Exemption]]:
        found: dict[str, list[Exemption]] = {}
        rows = self._run(
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
        filters = Filters(student_id, type_code, batch, starting, ending, in_force, deleted)
        where, args = conditions([], filters, later="GREATEST")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._run(dialect(f"SELECT {COLUMNS} FROM exemptions {clause} ORDER BY {SORTS[sort]}"), args)
        return [exemption_row(row) for row in rows]

    def _listing_conditions(
        self, day: date, statuses: Iterable[str], filters: Filters
    ) -> tuple[str, list[Any]]:
        """`list`'s WHERE clause: the filters, and a status as of `day` ($1) among `statuses`."""
        where, args = conditions([day.isoformat()], filters, later="GREATEST")
        chosen = set(statuses)
        if chosen and chosen <= LIVE:
            where.append(LIVE_SQL)
        if chosen != LIVE:
            wanted = ", ".join(f"'{status}'" for status in STATUSES if status in chosen) or "NULL"
            where.append(f"({STATUS_SQL}) IN ({wanted})")
        # $1 is typed once, for every use (it may be compared only with a text cast otherwise).
        where.append("?1::date IS NOT NULL")
        return dialect(" AND ".join(where)), args

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
        """`list`'s rows (`model.FIELDS` in order, ISO dates, the status as of `day`), streamed
        from the server; with `delimiter` (`,` or a tab), each row as one csv/tsv line made by
        the server, or its fields as a JSON array (starting with `[`) when the csv module must
        quote or defuse them (`_copied_lines`). `as_json` is SQLite's alone: here such rows are
        plain (`writes_lines` is false) and the output writes their JSON."""
        where, args = self._listing_conditions(day, statuses, filters)
        source = "exemptions" if stood_at is None else self._as_it_stood(stood_at, args)
        shown = dialect(LISTED) if delimiter is None else _copied_lines(delimiter)
        query = f"SELECT {shown} FROM {source} WHERE {where} ORDER BY {SORTS[sort]}"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        if delimiter is not None:
            lines = self._copied(query, args, delimiter)
            try:  # the query runs now, before anything is written: a failure leaves no header
                first = next(lines, None)
            except psycopg.OperationalError as error:
                raise self._lost(error) from None
            if limit is not None:  # read whole: its count may be asked before the last row is read
                return iter([] if first is None else [first, *lines])
            return iter(()) if first is None else chain((first,), lines)
        if limit is None:  # streamed from the server, a chunk of rows at a time
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

    def count_listed(
        self, day: date, statuses: Iterable[str], filters: Filters, *, stood_at: str | None = None
    ) -> int:
        where, args = self._listing_conditions(day, statuses, filters)
        source = "exemptions" if stood_at is None else self._as_it_stood(stood_at, args)
        row = self._run(f"SELECT count(*) FROM {source} WHERE {where}", args).fetchone()
        return int(row[0]) if row else 0

    def _as_it_stood(self, at: str, args: list[Any]) -> str:
        """The exemptions table as it stood at the instant `at`, rebuilt from the event log, as
        SQLite's store rebuilds it (see `sqlite.Store._as_it_stood`); `at` joins `args`."""
        args.append(at)
        columns = [
            "id",
            "student_id",
            "type",
            "start_date",
            "end_date",
            "reason",
            "batch",
            "created_by",
            "created_at",
            "in_force_from",
            "deleted_at",
            "deleted_on",
            "created_for",
        ]
        fields = {column: field for field, column in SNAPSHOT_FIELDS if field in CHANGEABLE}
        dated = {"start_date", "end_date", "in_force_from", "deleted_on"}

        def read(column: str) -> str:
            field = fields.get(column)
            if field is None:
                return f"e.{column}"
            recorded = f"(s.after::json ->> '{field}')" + ("::date" if column in dated else "")
            if field == "deleted_on":
                # Events copied from a store older than SQLite's migration 0002 do not record
                # the deletion day: theirs is the row's, where the event shows the same deletion.
                return (
                    f"CASE WHEN jsonb_exists(s.after::jsonb, 'deleted_on') THEN {recorded} "
                    "WHEN (s.after::json ->> 'deleted_at') IS NOT DISTINCT FROM e.deleted_at "
                    "THEN e.deleted_on END"
                )
            return recorded

        shown = ", ".join(f"{read(column)} AS {column}" for column in columns)
        return (
            f"(SELECT {shown} FROM (SELECT exemption_id, MAX(id) AS last FROM events "
            f"WHERE exemption_id IS NOT NULL AND at < ${len(args)}::text GROUP BY exemption_id) AS l "
            "JOIN events AS s ON s.id = l.last JOIN exemptions AS e ON e.id = l.exemption_id) AS exemptions"
        )

    def require_batch(self, batch: int) -> None:
        if not self._run("SELECT 1 FROM batches WHERE id = $1", (batch,)).fetchone():
            raise no_batch(batch)

    def batch_repeats(self, batch: int) -> str | None:
        row = self._run("SELECT every, weekdays, occurrences FROM batches WHERE id = $1", (batch,)).fetchone()
        return repeats_of(*row) if row else None

    def batch_members(self, batch: int) -> list[Exemption]:
        self.require_batch(batch)
        rows = self._run(f"SELECT {COLUMNS} FROM exemptions WHERE batch = $1", (batch,))
        return sorted(map(exemption_row, rows), key=attrgetter("start", "student_id", "id"))

    def status_counts(self, day: date) -> dict[str, int]:
        rows = self._run(
            f"SELECT {_STATUS} AS status, count(*) FROM exemptions WHERE $1::date IS NOT NULL GROUP BY 1",
            (day.isoformat(),),
        )
        counted = {status: int(count) for status, count in rows}
        return {status: counted.get(status, 0) for status in STATUSES}

    def server_facts(self) -> dict[str, Any]:
        """What `doctor` reports of the server instead of SQLite's file checks."""
        row = self._run(
            "SELECT current_setting('server_version'), session_user::text, current_database()::text, "
            "EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'exemptions_r7' AND contype = 'x')"
        ).fetchone()
        assert row is not None
        return {"server_version": row[0], "session_user": row[1], "database": row[2], "r7_constraint": row[3]}

    # -- views --------------------------------------------------------------------------

    def batch_summaries(self, today: date) -> list[BatchSummary]:
        rows = self._run(
            """
            SELECT b.id, b.created_at, b.created_by, b.source, COUNT(e.id),
                   COALESCE(SUM((e.deleted_on IS NULL AND e.end_date >= $1::date)::int), 0),
                   string_agg(DISTINCT e.type, ','),
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
                created=int(row[4]),
                live=int(row[5]),
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
        live = "status IN ('active', 'pending')"
        columns = {
            "in_force": f"{live} AND GREATEST(start_date, in_force_from)",
            "starting": f"{live} AND start_date",
            "ending": f"{live} AND end_date",
            "ending_today": f"{live} AND end_date",
            "deleted": "deleted_on",
        }
        keys = [key for key in columns if key in windows]
        sums = "".join(
            f", SUM(({columns[key]} BETWEEN ${2 + 2 * n}::date AND ${3 + 2 * n}::date)::int)"
            for n, key in enumerate(keys)
        )
        args: list[Any] = [day.isoformat(), *(d.isoformat() for key in keys for d in windows[key])]
        source = "exemptions" if stood_at is None else self._as_it_stood(stood_at, args)
        rows = self._run(
            f"WITH counted AS MATERIALIZED (SELECT type, start_date, end_date, in_force_from, deleted_on, "
            f"{_STATUS} AS status FROM {source} WHERE $1::date IS NOT NULL) "
            f"SELECT type, status, COUNT(*){sums} FROM counted GROUP BY type, status",
            args,
        )
        return [
            (row[0], row[1], int(row[2]), dict(zip(keys, (_count(v) for v in row[3:]), strict=True)))
            for row in rows
        ]

    def students_in_force_by_week(self, first: date, weeks: int) -> OfficeCounts:
        """As `sqlite.Store.students_in_force_by_week`, in PostgreSQL's date arithmetic."""
        last = first + timedelta(days=7 * weeks - 1)
        rows = self._run(
            """
            WITH week(n) AS (SELECT generate_series(0, $3::int - 1)),
            in_force(student_id, type, first, last) AS MATERIALIZED (
                SELECT student_id, type, GREATEST(start_date, in_force_from),
                       CASE WHEN deleted_on IS NULL THEN end_date ELSE LEAST(end_date, deleted_on) END
                FROM exemptions
                WHERE (deleted_on IS NULL OR deleted_on >= start_date)
                  AND end_date >= $1::date AND start_date <= $2::date
            ),
            ranges(student_id, type, lo, hi) AS MATERIALIZED (
                SELECT student_id, type,
                       GREATEST(0, first - $1::date) / 7,
                       LEAST($3::int - 1, (last - $1::date) / 7)
                FROM in_force
                WHERE first <= last AND last >= $1::date AND first <= $2::date
            ),
            several(student_id) AS MATERIALIZED (
                SELECT student_id FROM ranges GROUP BY student_id HAVING COUNT(*) > 1
            ),
            single AS (SELECT * FROM ranges WHERE student_id NOT IN (SELECT student_id FROM several)),
            pairs(n, type, student_id) AS MATERIALIZED (
                SELECT DISTINCT week.n, ranges.type, ranges.student_id
                FROM ranges JOIN week ON week.n BETWEEN ranges.lo AND ranges.hi
                WHERE ranges.student_id IN (SELECT student_id FROM several)
            )
            SELECT 'from', lo, type, COUNT(*) FROM single GROUP BY lo, type
            UNION ALL SELECT 'after', hi + 1, type, COUNT(*) FROM single GROUP BY hi, type
            UNION ALL SELECT 'type', n, type, COUNT(*) FROM pairs GROUP BY n, type
            UNION ALL SELECT 'all', n, NULL, COUNT(DISTINCT student_id) FROM pairs GROUP BY n
            UNION ALL SELECT 'window', NULL, type, COUNT(DISTINCT student_id) FROM ranges GROUP BY type
            """,
            (first.isoformat(), last.isoformat(), weeks),
        )
        return office_counts(((k, n, t, int(c)) for k, n, t, c in rows), weeks)

    def events(self, exemption_id: int) -> list[Event]:
        self.get(exemption_id)
        return self._events(
            "exemption_id = $1 OR request_id = (SELECT id FROM requests WHERE exemption_id = $1)",
            (exemption_id,),
        )

    def request_events(self, request_id: int) -> list[Event]:
        self.request(request_id)
        return self._events("request_id = $1", (request_id,))

    def _events(self, condition: str, args: Sequence[int]) -> list[Event]:
        return events_of(self._run(f"SELECT {EVENT_COLUMNS} FROM events WHERE {condition} ORDER BY id", args))

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
        self._run(
            "INSERT INTO events (exemption_id, request_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT id, $1::bigint, $2::text, $3::text, $3::text, $4::text, $5::text, $6::text, {_SNAPSHOT} "
            "FROM exemptions WHERE id = $7",
            (request_id, action, actor.login, actor.for_, at, before, exemption_id),
        )

    def insert(
        self, draft: Draft, *, actor: Actor, at: str, in_force_from: date, request_id: int | None = None
    ) -> Exemption:
        actor = self._actor(actor)
        row = self._run(
            "INSERT INTO exemptions (id, student_id, type, start_date, end_date, reason, "
            "created_by, created_for, created_at, in_force_from) "
            "VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM exemptions), $1, $2, $3, $4, $5, $6, $7, $8, $9) "
            "RETURNING id",
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
        ).fetchone()
        assert row is not None
        exemption_id = int(row[0])
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
        actor = self._actor(actor)
        every, weekdays, occurrences = repeats or (None, None, None)
        row = self._run(
            "INSERT INTO batches (id, created_at, created_by, created_for, source, every, weekdays, occurrences) "
            "VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM batches), $1, $2, $3, $4, $5, $6, $7) RETURNING id",
            (at, actor.login, actor.for_, source, every, weekdays, occurrences),
        ).fetchone()
        assert row is not None
        batch = int(row[0])
        # One statement for each run of rows with the same terms, its students as one array.
        for terms, run in groupby(members, key=itemgetter(1)):
            self._run(
                "INSERT INTO exemptions (id, student_id, type, start_date, end_date, reason, batch, "
                "created_by, created_for, created_at, in_force_from) "
                "SELECT (SELECT COALESCE(MAX(id), 0) FROM exemptions) + n, s, $2::text, $3::date, $4::date, "
                "$5::text, $6::bigint, $7::text, $8::text, $9::text, $10::date "
                "FROM unnest($1::text[]) WITH ORDINALITY AS u(s, n) ORDER BY n",
                (
                    [student for student, _ in run],
                    terms.type,
                    terms.start.isoformat(),
                    terms.end.isoformat(),
                    terms.reason,
                    batch,
                    actor.login,
                    actor.for_,
                    at,
                    in_force_from.isoformat(),
                ),
            )
        self._run(
            "INSERT INTO events (exemption_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT id, 'bulk', $1::text, $1::text, $2::text, $3::text, NULL, {_SNAPSHOT} "
            "FROM exemptions WHERE batch = $4 ORDER BY id",
            (actor.login, actor.for_, at, batch),
        )
        return batch

    def _log_changing(self, action: str, actor: Actor, at: str, after: str, args: Sequence[Any]) -> None:
        """An event for each exemption in the array $5 (with its new values in $6 on), in its
        order, written before the change: the snapshot before from the row; after, `after`."""
        self._run(
            "INSERT INTO events (exemption_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT e.id, $1::text, $2::text, $2::text, $3::text, $4::text, {_SNAPSHOT}, {after} "
            f"FROM {_CHANGING} JOIN exemptions AS e ON e.id = c.exemption_id ORDER BY c.seq",
            (action, actor.login, actor.for_, at, *args),
        )

    def update(
        self, changes: Sequence[tuple[Exemption, Exemption]], *, action: str, actor: Actor, at: str
    ) -> None:
        actor = self._actor(actor)
        args = (
            [after.id for _, after in changes],
            [after.start.isoformat() for _, after in changes],
            [after.end.isoformat() for _, after in changes],
            [after.in_force_from.isoformat() for _, after in changes],
        )
        self._log_changing(
            action,
            actor,
            at,
            _snapshot_sql(start="c.new_start", end="c.new_end", in_force_from="c.new_in_force_from"),
            args,
        )
        self._run(
            "UPDATE exemptions AS e SET start_date = c.new_start, end_date = c.new_end, "
            "in_force_from = c.new_in_force_from "
            "FROM unnest($1::bigint[], $2::text[]::date[], $3::text[]::date[], $4::text[]::date[]) "
            "AS c(exemption_id, new_start, new_end, new_in_force_from) WHERE e.id = c.exemption_id",
            args,
        )

    def set_reason(self, before: Exemption, after: Exemption, *, actor: Actor, at: str) -> None:
        actor = self._actor(actor)
        row = self._run(f"SELECT {_SNAPSHOT} FROM exemptions WHERE id = $1", (before.id,)).fetchone()
        assert row is not None
        self._run("UPDATE exemptions SET reason = $1 WHERE id = $2", (after.reason, after.id))
        self._log(before.id, "edit", actor, at, str(row[0]))

    def mark_deleted(self, exemptions: Sequence[Exemption], *, actor: Actor, at: str, on: date) -> None:
        actor = self._actor(actor)
        ids = [exemption.id for exemption in exemptions]
        day = on.isoformat()
        self._log_changing(
            "delete",
            actor,
            at,
            _snapshot_sql(deleted_at="$4::text", deleted_on="$9::date"),
            (ids, None, None, None, day),
        )
        self._run(
            "UPDATE exemptions SET deleted_at = $1, deleted_on = $2 WHERE id = ANY($3::bigint[])",
            (at, day, ids),
        )

    # -- tutors' requests ---------------------------------------------------------------

    def request(self, request_id: int) -> Request:
        row = self._run(f"SELECT {REQUEST_COLUMNS} FROM requests WHERE id = $1", (request_id,)).fetchone()
        if row is None:
            raise no_request(request_id)
        return request_of(row)

    def requests(self, statuses: Iterable[str]) -> list[Request]:
        rows = self._run(
            f"SELECT {REQUEST_COLUMNS} FROM requests WHERE status = ANY($1::text[]) ORDER BY id",
            (sorted(set(statuses)),),
        )
        return [request_of(row) for row in rows]

    def insert_request(self, draft: Draft, *, requested_by: str, actor: Actor, at: str) -> Request:
        actor = self._actor(actor)
        row = self._run(
            "INSERT INTO requests (id, student_id, type, start_date, end_date, reason, requested_by, "
            "recorded_by, recorded_login, recorded_for, requested_at) "
            "VALUES (stream_exempt_next_request_id(), $1, $2, $3, $4, $5, $6, $7, $7, $8, $9) "
            "RETURNING id",
            (
                draft.student_id,
                draft.type,
                draft.start.isoformat(),
                draft.end.isoformat(),
                draft.reason,
                requested_by,
                actor.login,
                actor.for_,
                at,
            ),
        ).fetchone()
        assert row is not None
        request_id = int(row[0])
        self._log_request(request_id, "request", actor, at, None)
        return self.request(request_id)

    def _log_request(self, request_id: int, action: str, actor: Actor, at: str, before: str | None) -> None:
        self._run(
            "INSERT INTO events (request_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT id, $1::text, $2::text, $2::text, $3::text, $4::text, $5::text, {_REQUEST_SNAPSHOT} "
            "FROM requests WHERE id = $6",
            (action, actor.login, actor.for_, at, before, request_id),
        )

    def _decide(self, request_id: int, status: str, actor: Actor, at: str, **fields: Any) -> None:
        assignments = "".join(f", {column} = ${6 + n}" for n, column in enumerate(fields))
        cursor = self._run(
            "UPDATE requests SET status = $1, decided_by = $2, decided_login = $2, decided_for = $3, "
            f"decided_at = $4{assignments} WHERE id = $5 AND status = 'requested'",
            (status, actor.login, actor.for_, at, request_id, *fields.values()),
        )
        if cursor.rowcount != 1:
            raise RuntimeError(f"request R{request_id} was not waiting")

    def approve_request(
        self, request: Request, draft: Draft, *, actor: Actor, at: str, in_force_from: date
    ) -> Exemption:
        actor = self._actor(actor)
        created = self.insert(draft, actor=actor, at=at, in_force_from=in_force_from, request_id=request.id)
        self._decide(request.id, APPROVED, actor, at, exemption_id=created.id)
        return created

    def reject_request(self, request: Request, reason: str, *, actor: Actor, at: str) -> None:
        actor = self._actor(actor)
        row = self._run(f"SELECT {_REQUEST_SNAPSHOT} FROM requests WHERE id = $1", (request.id,)).fetchone()
        assert row is not None
        self._decide(request.id, REJECTED, actor, at, decision_reason=reason)
        self._log_request(request.id, "reject", actor, at, str(row[0]))


# The exemptions a change writes, in order, with their new dates: the arrays $5 to $8.
_CHANGING = (
    "unnest($5::bigint[], $6::text[]::date[], $7::text[]::date[], $8::text[]::date[]) "
    "WITH ORDINALITY AS c(exemption_id, new_start, new_end, new_in_force_from, seq)"
)
