"""What both stores share, written once: the columns and how a row becomes a record (both
following from `model`), the orders and filters of `list`, the status as SQL, and the fields an
event records.

The SQL here is written once for both dialects: numbered parameters `?N`, each typed where
PostgreSQL must be told its type (`?2::date`; the SQLite store drops the cast, the PostgreSQL
store writes `$2::date`), and only functions both databases have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import date
from typing import Any, NamedTuple

from stream_exempt.model import RECORD, Draft, Event, Exemption, Request, exemption_of

# The orders `list --sort` offers; each ends with the id so that ties have one order.
SORTS = {
    "start": "start_date, student_id, id",
    "end": "end_date, student_id, id",
    "student": "student_id, start_date, id",
    "id": "id",
}

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


def standing(table: str = "") -> str:
    """SQL: not deleted, and not expired as of day ?1 (of the rows of `table`, a prefix such as
    `e.`): what R7 compares a new range with, and a batch's members still standing."""
    return f"{table}deleted_on IS NULL AND {table}end_date >= ?1::date"


# A field's column where the two names differ (`start` and `end` are words of SQL).
_COLUMN_OF = {"start": "start_date", "end": "end_date"}


def column_of(field: str) -> str:
    """The column that holds a field of a record (`start`: `start_date`)."""
    return _COLUMN_OF.get(field, field)


def _kind(annotation: object) -> str:
    """A field's SQL type, from its annotation (`date | None`: `date`)."""
    return {"date": "date", "int": "bigint"}.get(str(annotation).split(" |")[0], "text")


# The exemption's columns in the order of `Exemption`'s fields (as `exemption_of` takes them),
# each with its SQL type; every list of columns below follows from `model`.
KINDS = {column_of(field.name): _kind(field.type) for field in fields(Exemption)}
COLUMNS = ", ".join(KINDS)
DATED = frozenset(column for column, kind in KINDS.items() if kind == "date")
# Every column of the exemptions table: the record's, and the instant it was deleted.
TABLE_COLUMNS = (*KINDS, "deleted_at")
# `list`'s fields (`model.RECORD`) in order, as the machine formats write them; ?1 is the day.
LISTED_COLUMNS = tuple(STATUS_SQL if field.name == "status" else column_of(field.name) for field in RECORD)
LISTED = ", ".join(LISTED_COLUMNS)
# The free-text columns, which csv/tsv look in for a spreadsheet formula, in the record's order.
TEXT_COLUMNS = tuple(column_of(field.name) for field in RECORD if field.text)


def listed_object(json_object: str) -> str:
    """`list`'s row as one JSON object made by SQL, given the dialect's function (`json_object`)."""
    pairs = ", ".join(
        f"'{field.name}', {column}" for field, column in zip(RECORD, LISTED_COLUMNS, strict=True)
    )
    return f"{json_object}({pairs})"


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


def asked(draft: Draft) -> dict[str, Any]:
    """The columns of what a draft asks for (of an exemption or a request), dates as ISO text."""
    return {
        column_of(name): value.isoformat() if isinstance(value, date) else value
        for name, value in zip(Draft._fields, draft, strict=True)
    }


class OfficeCounts(NamedTuple):
    """Students exempt in a run of weeks (`students_in_force_by_week`)."""

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


def conditions(first: list[Any], filters: Filters, *, later: str) -> tuple[list[str], list[Any]]:
    """The SQL conditions of `filters` and their arguments, numbered (`?N`) after those in `first`;
    `later` is the dialect's later of two values (`StoreBase.LATER`)."""
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
        (later.format("start_date", "in_force_from"), filters.in_force),
        ("deleted_on", filters.deleted),
    ):
        if window is not None:
            first_day, last_day = (argument(day.isoformat()) for day in window)
            where.append(f"{column} BETWEEN {first_day} AND {last_day}")
    return where, args


# A request's columns, in the order of `Request`'s fields.
_REQUEST_NAMES = tuple(field.name for field in fields(Request))
REQUEST_COLUMNS = ", ".join(column_of(name) for name in _REQUEST_NAMES)
_REQUEST_DATED = tuple(n for n, name in enumerate(_REQUEST_NAMES) if column_of(name) in DATED)

day_of = date.fromisoformat
# Where `exemption_row` finds the dates (ISO text) among a row's columns.
_DATED_AT = tuple(n for n, column in enumerate(KINDS) if column in DATED)


def exemption_row(row: Sequence[Any]) -> Exemption:
    """The exemption a row of `COLUMNS` holds (a batch change reads tens of thousands)."""
    values = list(row)
    for n in _DATED_AT:
        if values[n] is not None:
            values[n] = day_of(values[n])
    return exemption_of(*values)


def request_of(row: Sequence[Any]) -> Request:
    """The request a row of `REQUEST_COLUMNS` holds."""
    values = list(row)
    for n in _REQUEST_DATED:
        values[n] = day_of(values[n])
    return Request(*values)


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
# The columns of an event, in the order of `Event`'s fields, as `events_of` reads them.
EVENT_COLUMNS = ", ".join(Event._fields)


def _snapshot(text: str | None, loads: Callable[[str], Any]) -> dict[str, Any] | None:
    """An event's snapshot; one that is not a JSON object (typed in by hand) as the text it is."""
    if not text:
        return None
    try:
        value = loads(text)
    except ValueError:
        return {"recorded": text}
    return value if isinstance(value, dict) else {"recorded": value}


def events_of(rows: Iterable[Sequence[Any]]) -> list[Event]:
    """Events from rows of `EVENT_COLUMNS`; the snapshots before and after are JSON text."""
    from json import loads  # here, not at the top: `check` reads no event and starts without json

    return [
        Event(
            at, actor, action, _snapshot(before, loads), _snapshot(after, loads), request_id, login, actor_for
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
