"""What a command hands to the renderer: a `Table` of records or one `Document`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any

from stream_exempt import types
from stream_exempt.dates import show
from stream_exempt.errors import StreamExemptError, escaped
from stream_exempt.model import FIELDS, RECORD, Exemption
from stream_exempt.model import HEADINGS as HEADINGS  # the table headings of `list`

# Text from outside as a table or a note for people shows it (the machine formats quote in
# their own way): the one set of control characters every message escapes.
visible = escaped


# Columns that are never wrapped or cut: a broken student ID is a wrong one.
WHOLE = frozenset({"ID", "Student", "Status", "Batch", "Code", "When", "Line", "Student ID", "Request"})


@dataclass
class Table:
    """Rows of records. `items` may be an iterator: machine formats stream it (constant memory)."""

    fields: Sequence[str]  # the machine keys, in order (CSV header, JSON keys)
    headings: Sequence[str]  # the same columns as people read them
    items: Iterable[Any]
    machine: Callable[[Any], Sequence[Any]]  # one item as values for `fields` (ISO dates, codes)
    human: Callable[[Any], Sequence[str]]  # one item as text for `headings` (labels, `10 Jan 2027`)
    title: str | None = None
    empty: str = "Nothing to show."
    whole: frozenset[str] = field(default=WHOLE)
    limit: int | None = None  # at most this many rows (`list --limit`); None: every row
    more: Callable[[int], str] | None = None  # the stderr line when rows were left out
    # How many rows there are in all, when the source can count them without reading them
    # (SQL `count(*)`): then rows past `limit` are neither read nor made.
    count: Callable[[], int] | None = None
    # The columns of `machine(item)` that may hold free text; None: any may. Only those are
    # looked at for a spreadsheet formula in csv/tsv (the others are numbers, codes, dates).
    text_columns: Sequence[int] | None = None
    # One item as a JSON object already written (by SQLite's json_object), for json/jsonl;
    # None: json/jsonl write `machine(item)` themselves.
    json: Callable[[Any], str] | None = None
    # One item as a csv/tsv line already written (by SQLite); or, when it starts with `[`, not
    # a line: the csv module writes `machine(item)` (a cell to quote or defuse). None: always
    # the csv module.
    line: Callable[[Any], str] | None = None


@dataclass
class Document:
    """One answer: `value` for json/jsonl; `text` (lines) for people."""

    value: Any
    text: str


@dataclass
class Shown:
    """A table of records or one answer, in a format of the registry (`--format`); then the
    exit code, and an error still owed once it is shown (`config` with a bad setting). Here
    beside `Table` and `Document`, not among the other outcomes, so that `check` (which cron
    runs for every feed) starts without defining those."""

    result: Table | Document
    fmt: str
    exit_code: int = 0
    error: StreamExemptError | None = None


# -- exemptions, as `list` and others show them -------------------------------------------

# The columns `list` shows and writes come from `model.RECORD`: its machine names (FIELDS),
# the headings of its table columns (HEADINGS, re-exported here), and its free-text columns.
TEXT_COLUMNS = tuple(index for index, each in enumerate(RECORD) if each.text)
# Where each field stands in a row of FIELDS.
_AT = {name: index for index, name in enumerate(FIELDS)}
_ID, _STUDENT, _TYPE, _START, _END, _STATUS, _IN_FORCE, _BATCH, _REASON, _DELETED_ON = (
    _AT[name]
    for name in (
        "id",
        "student_id",
        "type",
        "start",
        "end",
        "status",
        "in_force_from",
        "batch",
        "reason",
        "deleted_on",
    )
)


def record(exemption: Exemption, status: str) -> dict[str, Any]:
    """The machine-readable fields of one exemption (model.FIELDS, in order): ISO dates, the
    type's code, and `status` (which depends on the day, so it is given)."""
    values: dict[str, Any] = {}
    for name in FIELDS:
        value = status if name == "status" else getattr(exemption, name)
        values[name] = value.isoformat() if isinstance(value, date) else value
    return values


def shown_status(status: str, deleted_on: date | None, day: date | None, today: date | None) -> str:
    """A status as tables show it: on its deletion day an exemption keeps the status it had
    (R5b), shown as `active (deleted today)`; machine formats give the plain status."""
    if deleted_on is None or day is None or deleted_on != day or status == "deleted":
        return status
    return f"{status} (deleted {'today' if day == today else 'on ' + show(day)})"


def human_row(
    exemption: Exemption, status: str, day: date | None = None, today: date | None = None
) -> list[str]:
    """One exemption as a table shows it (the columns of HEADINGS): type label and `10 Jan
    2027` dates; with the day its status is as of (and today), its deletion day shown beside
    the status."""
    return _human_listed(tuple(record(exemption, status).values()), day, today)


@lru_cache(maxsize=4096)
def _shown(iso: str) -> str:
    """An ISO date as people read it (`10 Jan 2027`); a listing repeats a few dates often."""
    return show(date.fromisoformat(iso))


def _human_listed(row: Sequence[Any], day: date | None = None, today: date | None = None) -> list[str]:
    """A row of model.FIELDS (one of `Store.listed`'s) as a table shows it: the columns of
    HEADINGS, in order. Written out rather than looped over, as `list` does it for every row."""
    status = row[_STATUS]
    if row[_DELETED_ON] is not None:
        status = shown_status(status, date.fromisoformat(row[_DELETED_ON]), day, today)
    return [
        str(row[_ID]),
        row[_STUDENT],
        types.label(row[_TYPE]),
        _shown(row[_START]),
        _shown(row[_END]),
        status,
        _shown(row[_IN_FORCE]),
        "" if row[_BATCH] is None else str(row[_BATCH]),
        row[_REASON] or "",
    ]


def listed(
    rows: Iterable[Sequence[Any]],
    *,
    as_json: bool = False,
    as_lines: bool = False,
    day: date | None = None,
    today: date | None = None,
    **options: Any,
) -> Table:
    """`Store.listed`'s rows as a table: the rows of `list`, streamed from the query.

    The rows hold `model.FIELDS` as written (so csv/tsv write them as they come, looking for a
    formula only in the student ID, reason, author and whom it was for); or, `as_json`, each its JSON object
    made by SQLite (then only json and jsonl can write them); or, `as_lines`, each its csv or
    tsv line made by SQLite, or (starting with `[`) its fields as a JSON array for the csv module.
    `day` (the day the statuses are as of) and `today` let tables show a deletion day (R5b).
    """
    options.setdefault("empty", "No exemptions match.")
    if as_lines:  # each row: its line, or its fields as a JSON array
        return Table(
            FIELDS,
            HEADINGS,
            rows,
            machine=_fields,
            human=_not_machine,
            line=itemgetter(0),
            text_columns=TEXT_COLUMNS,
            **options,
        )
    if as_json:
        return Table(
            FIELDS, HEADINGS, rows, machine=_not_machine, human=_not_machine, json=itemgetter(0), **options
        )
    return Table(
        FIELDS,
        HEADINGS,
        rows,
        machine=_as_is,
        human=lambda row: _human_listed(row, day, today),
        text_columns=TEXT_COLUMNS,
        **options,
    )


def _as_is(row: Sequence[Any]) -> Sequence[Any]:
    return row


def _fields(row: Sequence[Any]) -> Sequence[Any]:
    import json

    return json.loads(row[0])  # type: ignore[no-any-return]


def _not_machine(row: Sequence[Any]) -> Sequence[Any]:
    raise TypeError("rows made as JSON are written by json and jsonl only")
