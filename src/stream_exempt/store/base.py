"""What every store is, whichever database holds it: what it says of itself, the shape of its
transactions and schema check, the errors it raises, and the hooks through which the rooms
(`exemptions`, `events`, `batches`, `requests`, `reports`) write their SQL once for both
dialects (`sqlite.Store`, `postgres.PostgresStore`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from stream_exempt import schema
from stream_exempt.errors import NotFound, StoreUnusable
from stream_exempt.interrupts import Ledger
from stream_exempt.model import Actor
from stream_exempt.store.common import snapshot_fields


def no_exemption(exemption_id: int) -> NotFound:
    """What a store says of an exemption id it does not hold."""
    return NotFound(
        f"there is no exemption {exemption_id}; `stream-exempt list --status all` shows them all."
    )


def no_batch(batch: int) -> NotFound:
    """What a store says of a batch it does not hold."""
    return NotFound(f"there is no batch {batch}; `stream-exempt batches` lists every batch.")


def no_request(request_id: int) -> NotFound:
    """What a store says of a request number it does not hold."""
    return NotFound(
        f"there is no request R{request_id}; `stream-exempt requests --status all` shows them all."
    )


class StoreBase:
    """An open store: the dialect's hooks, and what needs no SQL of its own.

    Every room writes its SQL once, with `?N` parameters typed where PostgreSQL needs it
    (`?2::date`), run through `_run`; where the dialects differ in more than that, a hook or a
    dialect word below says it."""

    # Whether `open` made the store (a file, or the schema in an empty database): SPEC 2.
    created: bool = False
    # What this store's transactions record is noted here (the command's ledger: SPEC 7, 10).
    ledger: Ledger
    # Whether `listed` can itself write a row as a JSON object (SQLite does, in SQL); when not,
    # the output writes the JSON from plain rows. Both stores write csv/tsv lines themselves.
    writes_json: bool
    conn: Any  # the connection (sqlite3's or psycopg's)

    # -- the dialect's words: format strings of an SQL expression (each dialect gives its own)
    LATER: str  # the later of two values
    EARLIER: str  # the earlier of two values
    JSON_OBJECT: str  # a JSON object, as text, from `'key', value, ...`
    COUNT_TRUE: str  # how many rows a condition holds for (NULL for none)
    JOINED: str  # the distinct values of a group, joined by commas
    DAYS_BETWEEN: str  # days from the second date to the first, as an integer
    WEEKS: str  # a CTE `week(n)` of the numbers 0 to ?N - 1, given N's parameter number
    SAME: str  # whether two values are the same, NULL the same as NULL
    JOIN_IN_ORDER: str  # a join that reads its left side first, in its order
    EXEMPTIONS = "exemptions"  # the table, named so that a subquery called `exemptions` may read it
    # A condition on the day ?1 that tells PostgreSQL its type; None where none is needed.
    TYPED_DAY: str | None = None

    @property
    def shown(self) -> str:
        """Where the store is, as messages show it (a URL without its password)."""
        raise NotImplementedError

    def close(self) -> None:
        self.conn.close()

    # -- the schema -----------------------------------------------------------------------

    def applied_migrations(self) -> list[str]:
        """The names of the migrations this store has had, oldest first."""
        raise NotImplementedError

    def _needs_migration(self) -> bool:
        """Whether migrations are due; `StoreUnusable` for a newer schema or a foreign database."""
        applied = self.applied_migrations()
        # As sets: the order in which migrations were applied does not matter, only which.
        if set(applied) == set(schema.NAMES):
            return False
        newer = [name for name in applied if name not in schema.NAMES]
        if newer:
            raise StoreUnusable(
                f"the store {self._named} was written by a newer stream-exempt (schema "
                f"{len(applied)}, this program knows {len(schema.NAMES)}); upgrade stream-exempt."
            )
        if not applied and (foreign := self._foreign()) is not None:
            raise foreign
        return True

    @property
    def _named(self) -> str:
        """The store as its schema's errors name it."""
        return self.shown

    def _foreign(self) -> StoreUnusable | None:
        """The error for a database with no migrations that holds something else; None if empty."""
        raise NotImplementedError

    # -- transactions: all or nothing, the write lock held from the start

    def writing(self) -> AbstractContextManager[None]:
        """One write transaction holding the store's write lock from its start: all or nothing."""
        raise NotImplementedError

    def version(self) -> int:
        """A number that changes whenever another connection commits a change to the store.

        A command that must check a large change reads it, plans without the write lock, and
        under the lock plans again only if `changed_since` says someone else wrote meanwhile.
        """
        raise NotImplementedError

    def check_may_change(self) -> None:
        """Refuse, before any rule is applied, a user who may not change exemptions (on
        PostgreSQL a tutor, SPEC 12): never a rule's advice to someone who could not follow it.
        A store file is guarded by its own permissions. A dry run asks too: it foretells the
        real run, which would be refused."""

    def check_may_decide(self) -> None:
        """Refuse, before the request is looked up, a user who may not approve or reject
        requests (on PostgreSQL a tutor, SPEC 12)."""

    def changed_since(self, version: int) -> bool:
        """Whether another connection has committed since `version()` returned `version`."""
        return self.version() != version

    # -- the dialect's hooks ----------------------------------------------------------------

    def _run(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """Run one statement written with `?N` parameters; its cursor."""
        raise NotImplementedError

    def _insert(self, table: str, values: Mapping[str, Any]) -> int:
        """Insert one row (its columns and values) with a new id; that id."""
        raise NotImplementedError

    def _insert_students(self, students: Sequence[str], values: Mapping[str, Any]) -> None:
        """Insert one exemption for each of `students`, in order, each with new ids and `values`."""
        raise NotImplementedError

    def _member(self, column: str, n: int, kind: str, *, negated: bool = False) -> str:
        """SQL: whether `column` is (or, `negated`, is not) one of the values in parameter ?n,
        a list of `kind` (an SQL type) handed over as `_many` makes it."""
        raise NotImplementedError

    def _many(self, values: Sequence[Any]) -> Any:
        """A list of values as one parameter (see `_member`)."""
        raise NotImplementedError

    def _fill_changing(self, ids: Sequence[int], dates: Sequence[tuple[str, str, str]] | None) -> list[Any]:
        """Make ready the exemptions a change writes, in order, each with (for a change of dates)
        its new start, end and in-force date; the parameters that `_changing` reads them from."""
        raise NotImplementedError

    def _changing(self, first: int) -> str:
        """For a FROM clause: the exemptions `_fill_changing` made ready, as `c` (seq,
        exemption_id, new_start, new_end, new_in_force_from), their parameters from ?first."""
        raise NotImplementedError

    def _changed(self) -> None:
        """Let go of what `_fill_changing` made ready."""

    def _recorded(self, field: str, column: str) -> str:
        """SQL: the value of `field` (held in `column`) in the snapshot after an event `s`."""
        raise NotImplementedError

    def _records(self, field: str) -> str:
        """SQL: whether the snapshot after an event `s` records `field`."""
        raise NotImplementedError

    def _signed(self, actor: Actor) -> Actor:
        """The actor as the store records it: the login, and `--as` beside it unless it names
        that login (then it adds nothing)."""
        return actor if actor.for_ != actor.login else Actor(actor.login)

    def _rows(
        self, query: str, args: Sequence[Any], *, delimiter: str | None, limited: bool
    ) -> Iterator[Any]:
        """`listed`'s rows of `query` (see `listed`), read as the dialect reads them fastest."""
        raise NotImplementedError

    # -- shared by the rooms ------------------------------------------------------------------

    @classmethod
    def snapshot_sql(cls, **written: str) -> str:
        """What an event records of an exemption, as one SQL expression (JSON text): see
        `common.snapshot_fields`."""
        return cls.JSON_OBJECT.format(snapshot_fields(**written))

    def _row(self, table: str, columns: str, row_id: int, missing: Callable[[int], NotFound]) -> Any:
        """The `columns` of the row of `table` with this id; `missing(row_id)` when there is none."""
        row = self._run(f"SELECT {columns} FROM {table} WHERE id = ?1", (row_id,)).fetchone()
        if row is None:
            raise missing(row_id)
        return row
