"""What both stores share: the exemption's columns and how a row becomes a record, the orders
and filters of `list`, the status as SQL, and the fields an event records.

The SQL here is written once for both dialects: numbered parameters `?N` (SQLite's own; the
PostgreSQL store turns them into its own), and only functions both databases have.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple

from stream_exempt.errors import NotFound
from stream_exempt.model import Event, Exemption, Request, exemption_of

# The orders `list --sort` offers; each ends with the id so that ties have one order.
SORTS = {
    "start": "start_date, student_id, id",
    "end": "end_date, student_id, id",
    "student": "student_id, start_date, id",
    "id": "id",
}

COLUMNS = (
    "id, student_id, type, start_date, end_date, reason, batch, "
    "created_by, created_at, in_force_from, deleted_on, created_for"
)
# What an event records of an exemption: each field (in this order) and the column it is read from.
SNAPSHOT_FIELDS = (
    ("student_id", "student_id"),
    ("type", "type"),
    ("start", "start_date"),
    ("end", "end_date"),
    ("reason", "reason"),
    ("batch", "batch"),
    ("in_force_from", "in_force_from"),
    ("deleted_at", "deleted_at"),
    ("deleted_on", "deleted_on"),
)


# The fields of an exemption that a change can alter (its dates, in-force date, reason and
# deletion): for a day that has passed they are read from the event log. Every other column
# (id, student, type, batch, who recorded it and when) is written once, when it is recorded.
CHANGEABLE = ("start", "end", "reason", "in_force_from", "deleted_at", "deleted_on")
# R5b, as `rules.deleted_as_of`: deleted as of day ?1 (deleted before it, or before the start).
DELETED_SQL = "(deleted_on < ?1 OR deleted_on < start_date)"
# The status of a row as of day ?1, exactly as `rules.status` computes it (deleted, expired,
# pending, active, in that order), for the queries that count or filter by status in SQL.
STATUS_SQL = (
    f"CASE WHEN {DELETED_SQL} THEN 'deleted' "
    "WHEN end_date < ?1 THEN 'expired' "
    "WHEN ?1 < start_date OR ?1 < in_force_from THEN 'pending' "
    "ELSE 'active' END"
)
# Live (active or pending) as of day ?1: not deleted (R5b) and not expired. Exactly
# `STATUS_SQL IN ('active', 'pending')`, written without the CASE so that SQLite can search the
# `exemptions_live` index (migration 0004) from the end date on and count from it alone.
LIVE_SQL = "end_date >= ?1 AND (deleted_on IS NULL OR (deleted_on >= ?1 AND deleted_on >= start_date))"


STATUSES = ("active", "pending", "expired", "deleted")  # rules.STATUSES, for the store's own use
LIVE = frozenset({"active", "pending"})  # rules.LIVE

LISTED = (
    "id, student_id, type, start_date, end_date, "
    f"{STATUS_SQL}, in_force_from, batch, reason, created_by, created_at, deleted_on, created_for"
)


class OfficeCounts(NamedTuple):
    """Students exempt in a run of weeks (`Store.students_in_force_by_week`)."""

    by_week_and_type: dict[tuple[int, str], int]  # (week, type): students of that type that week
    by_week: dict[int, int]  # week: students of any type (each once)
    by_type: dict[str, int]  # type: students of that type in at least one of the weeks


class Filters(NamedTuple):
    """`list`'s filters: each one given narrows the rows (None leaves that one out).

    The windows are inclusive ranges of days in which the start, the end, the first day in
    force (the later of start and in_force_from, R6) or the deletion day falls."""

    student_id: str | None = None
    type_code: str | None = None
    batch: int | None = None
    starting: tuple[date, date] | None = None
    ending: tuple[date, date] | None = None
    in_force: tuple[date, date] | None = None
    deleted: tuple[date, date] | None = None


def conditions(first: list[Any], filters: Filters, *, later: str = "MAX") -> tuple[list[str], list[Any]]:
    """The SQL conditions of `filters` and their arguments, numbered (`?N`) after those in `first`;
    `later` is the dialect's function for the later of two values (SQLite `MAX`, PostgreSQL `GREATEST`)."""
    where: list[str] = []
    args = list(first)

    def argument(value: Any) -> str:
        args.append(value)
        return f"?{len(args)}"

    for column, value in (
        ("student_id", filters.student_id),
        ("type", filters.type_code),
        ("batch", filters.batch),
    ):
        if value is not None:
            where.append(f"{column} = {argument(value)}")
    for column, window in (
        ("start_date", filters.starting),
        ("end_date", filters.ending),
        (f"{later}(start_date, in_force_from)", filters.in_force),
        ("deleted_on", filters.deleted),
    ):
        if window is not None:
            first_day, last_day = (argument(day.isoformat()) for day in window)
            where.append(f"{column} BETWEEN {first_day} AND {last_day}")
    return where, args


REQUEST_COLUMNS = (
    "id, student_id, type, start_date, end_date, reason, requested_by, recorded_by, requested_at, "
    "status, decided_by, decided_at, decision_reason, exemption_id, "
    "recorded_for, decided_for, recorded_login, decided_login"
)

day_of = date.fromisoformat


def no_exemption(exemption_id: int) -> NotFound:
    """What both stores say of an exemption id they do not hold."""
    return NotFound(
        f"there is no exemption {exemption_id}; `stream-exempt list --status all` shows them all."
    )


def no_batch(batch: int) -> NotFound:
    """What both stores say of a batch they do not hold."""
    return NotFound(f"there is no batch {batch}; `stream-exempt batches` lists every batch.")


def no_request(request_id: int) -> NotFound:
    """What both stores say of a request number they do not hold."""
    return NotFound(
        f"there is no request R{request_id}; `stream-exempt requests --status all` shows them all."
    )


def request_of(row: Sequence[Any]) -> Request:
    return Request(
        id=row[0],
        student_id=row[1],
        type=row[2],
        start=date.fromisoformat(row[3]),
        end=date.fromisoformat(row[4]),
        reason=row[5],
        requested_by=row[6],
        recorded_by=row[7],
        requested_at=row[8],
        status=row[9],
        decided_by=row[10],
        decided_at=row[11],
        decision_reason=row[12],
        exemption_id=row[13],
        recorded_for=row[14],
        decided_for=row[15],
        recorded_login=row[16],
        decided_login=row[17],
    )


def exemption_row(row: Sequence[Any]) -> Exemption:
    # The fields in order (a batch change reads tens of thousands of rows).
    return exemption_of(
        row[0],  # id
        row[1],  # student_id
        row[2],  # type
        day_of(row[3]),  # start
        day_of(row[4]),  # end
        row[5],  # reason
        row[6],  # batch
        row[7],  # created_by
        row[8],  # created_at
        day_of(row[9]),  # in_force_from
        None if row[10] is None else day_of(row[10]),  # deleted_on
        row[11],  # created_for
    )


class IsoDates(dict[date, str]):
    """The ISO text of each date, made once: the members of a batch share a few dates, and
    `date.isoformat` costs more than looking one up."""

    def __missing__(self, day: date) -> str:
        text = self[day] = day.isoformat()
        return text


def one_date(least: str | None, most: str | None) -> date | str | None:
    """The one date a column holds, `None` when it holds none, or "mixed"."""
    if least is None:
        return None
    return date.fromisoformat(least) if least == most else "mixed"


def repeats_of(every: str | None, weekdays: str | None, occurrences: int | None) -> str | None:
    """How a series' batch repeats: `every 1w x 10`, `every 1w on mon,wed x 4`; None for an import."""
    if every is None:
        return None
    on = f" on {weekdays}" if weekdays else ""
    times = f" x {occurrences}" if occurrences is not None else ""
    return f"every {every}{on}{times}"


def snapshot_fields(**written: str) -> str:
    """What an event records of an exemption, as the arguments of SQL's JSON object function
    (`'start', start_date, ...`): each field read from its column, except those named in
    `written`, given as the SQL expression of the value a change is about to write (the
    snapshot after it, made before the row is written)."""
    return ", ".join(f"'{field}', {written.get(field, column)}" for field, column in SNAPSHOT_FIELDS)


# What an event records of a request, as the arguments of SQL's JSON object function.
REQUEST_SNAPSHOT_FIELDS = (
    "'request', 'R' || id, 'student_id', student_id, 'type', type, 'start', start_date, "
    "'end', end_date, 'reason', reason, 'from', requested_by, 'status', status, "
    "'decided_by', decided_by, 'decided_for', decided_for, 'decision_reason', decision_reason, "
    "'exemption', exemption_id"
)
# The columns of an event, as `events_of` reads them.
EVENT_COLUMNS = "at, actor, action, before, after, request_id, login, actor_for"


def _snapshot(text: str | None) -> dict[str, Any] | None:
    """An event's snapshot; one that is not a JSON object (typed in by hand) as the text it is."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return {"recorded": text}
    return value if isinstance(value, dict) else {"recorded": value}


def events_of(rows: Iterable[Sequence[Any]]) -> list[Event]:
    """Events from rows of `EVENT_COLUMNS`; the snapshots before and after are JSON text."""
    return [
        Event(
            at,
            actor,
            action,
            _snapshot(before),
            _snapshot(after),
            request_id,
            login,
            actor_for,
        )
        for at, actor, action, before, after, request_id, login, actor_for in rows
    ]


def office_counts(rows: Iterable[Sequence[Any]], weeks: int) -> OfficeCounts:
    """`students_in_force_by_week`'s answer from its grouped query's rows (kind, week, type,
    count): students with one range counted where it starts (`from`) and stops (`after`),
    those with several week by week (`type`, `all`), and each type over the whole run (`window`)."""
    by_type: dict[tuple[int, str], int] = {}
    students: dict[int, int] = {}
    in_window: dict[str, int] = {}
    change: dict[tuple[int, str], int] = {}  # students with one range: +n where it starts, -n after
    for kind, n, type_code, count in rows:
        if kind == "window":
            in_window[type_code] = count
        elif kind == "from":
            change[(n, type_code)] = change.get((n, type_code), 0) + count
        elif kind == "after":
            change[(n, type_code)] = change.get((n, type_code), 0) - count
        elif kind == "type":
            by_type[(n, type_code)] = count
        else:
            students[n] = count
    running: dict[str, int] = {}
    for n in range(weeks):
        for type_code in sorted({code for (_, code) in change}):
            running[type_code] = running.get(type_code, 0) + change.get((n, type_code), 0)
            if running[type_code]:
                by_type[(n, type_code)] = by_type.get((n, type_code), 0) + running[type_code]
                students[n] = students.get(n, 0) + running[type_code]
    return OfficeCounts(by_type, students, in_window)
