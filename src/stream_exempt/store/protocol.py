"""What the commands call on a store, whichever database holds it (`sqlite.Store`,
`postgres.PostgresStore`): the one interface a second backend implements."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Any, Protocol

from stream_exempt.interrupts import Ledger
from stream_exempt.model import Actor, BatchSummary, Draft, Event, Exemption, Request, Terms
from stream_exempt.store.common import Filters, OfficeCounts


class StoreProtocol(Protocol):
    """An open store: reads, one-transaction writes (`writing()`), the event log, requests."""

    # Whether `open` made the store (a file, or the schema in an empty database): SPEC 2.
    created: bool
    # What this store's transactions record is noted here (the command's ledger: SPEC 7, 10).
    ledger: Ledger
    # Whether `listed` can itself write a row as a JSON object or a csv/tsv line (SQLite does,
    # in SQL); when not, it always gives plain rows and the output writes them.
    writes_lines: bool
    # Whether `listed` can itself write a row as a csv/tsv line (both stores do, in SQL).
    writes_delimited: bool

    @property
    def shown(self) -> str:
        """Where the store is, as messages show it (a URL without its password)."""
        ...

    def close(self) -> None: ...

    def applied_migrations(self) -> list[str]: ...

    # -- transactions: all or nothing, the write lock held from the start
    def writing(self) -> AbstractContextManager[None]: ...

    def version(self) -> int: ...

    def changed_since(self, version: int) -> bool: ...

    # -- reading
    def get(self, exemption_id: int) -> Exemption: ...

    def get_many(self, exemption_ids: Iterable[int]) -> list[Exemption]: ...

    def of_student(self, student_id: str) -> list[Exemption]: ...

    def live_of(self, student_ids: Iterable[str], today: date) -> dict[tuple[str, str], list[Exemption]]: ...

    def live_and_deleted_of(
        self, student_ids: Iterable[str], today: date
    ) -> tuple[dict[tuple[str, str], list[Exemption]], dict[tuple[str, str], list[Exemption]]]: ...

    def live_besides(self, changing: Sequence[Exemption], today: date) -> list[Exemption]: ...

    def answering_by_student(self) -> dict[str, list[Exemption]]: ...

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
    ) -> list[Exemption]: ...

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
    ) -> Iterator[tuple[Any, ...]]: ...

    def count_listed(
        self, day: date, statuses: Iterable[str], filters: Filters, *, stood_at: str | None = None
    ) -> int: ...

    def require_batch(self, batch: int) -> None: ...

    def batch_repeats(self, batch: int) -> str | None: ...

    def batch_members(self, batch: int) -> list[Exemption]: ...

    def status_counts(self, day: date) -> dict[str, int]: ...

    def batch_summaries(self, today: date) -> list[BatchSummary]: ...

    def summary_counts(
        self, day: date, windows: Mapping[str, tuple[date, date]], *, stood_at: str | None = None
    ) -> list[tuple[str, str, int, dict[str, int]]]: ...

    def students_in_force_by_week(self, first: date, weeks: int) -> OfficeCounts: ...

    def events(self, exemption_id: int) -> list[Event]: ...

    def request_events(self, request_id: int) -> list[Event]: ...

    # -- writing (inside `writing()`)
    def insert(
        self, draft: Draft, *, actor: Actor, at: str, in_force_from: date, request_id: int | None = None
    ) -> Exemption: ...

    def insert_batch(
        self,
        members: Sequence[tuple[str, Terms]],
        *,
        actor: Actor,
        at: str,
        in_force_from: date,
        source: str | None,
        repeats: tuple[str, str | None, int | None] | None = None,
    ) -> int: ...

    def update(
        self, changes: Sequence[tuple[Exemption, Exemption]], *, action: str, actor: Actor, at: str
    ) -> None: ...

    def set_reason(self, before: Exemption, after: Exemption, *, actor: Actor, at: str) -> None: ...

    def mark_deleted(self, exemptions: Sequence[Exemption], *, actor: Actor, at: str, on: date) -> None: ...

    # -- tutors' requests
    def request(self, request_id: int) -> Request: ...

    def requests(self, statuses: Iterable[str]) -> list[Request]: ...

    def insert_request(self, draft: Draft, *, requested_by: str, actor: Actor, at: str) -> Request: ...

    def approve_request(
        self, request: Request, draft: Draft, *, actor: Actor, at: str, in_force_from: date
    ) -> Exemption: ...

    def reject_request(self, request: Request, reason: str, *, actor: Actor, at: str) -> None: ...
