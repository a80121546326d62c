"""What a command hands to the renderer: a `Table` of records or one `Document`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any

from stream_exempt import types
from stream_exempt.dates import show
from stream_exempt.model import FIELDS, Exemption

# C0 and C1 controls, DEL, the line and paragraph separators, and the marks that reorder text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Text from outside (a file name, a reason, a cell) as a table for people shows it, its
    control characters escaped (`\\x1b`, `\\n`, `\\u202e`): printed raw, they would move the
    cursor, restyle the terminal, or end a row. The machine formats quote in their own way."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda match: ascii(match[0])[1:-1], text)


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

    @classmethod
    def of_dicts(
        cls,
        fields: Sequence[str],
        headings: Sequence[str],
        records: Iterable[dict[str, Any]],
        human: Callable[[dict[str, Any]], Sequence[str]] | None = None,
        **options: Any,
    ) -> Table:
        """A table whose items are dicts keyed by `fields`; people see them as text unless told."""
        return cls(
            fields,
            headings,
            records,
            machine=lambda item: [item.get(key) for key in fields],
            human=human or (lambda item: ["" if item.get(key) is None else str(item[key]) for key in fields]),
            **options,
        )


@dataclass
class Document:
    """One answer: `value` for json/jsonl; `text` (lines) for people."""

    value: Any
    text: str


# -- exemptions, as `list` and others show them -------------------------------------------

HEADINGS = ("ID", "Student", "Type", "Start", "End", "Status", "In force", "Batch", "Reason")
# The free-text columns of FIELDS: student_id, reason, created_by, created_for.
_TEXT_COLUMNS = (1, 8, 9, 12)


def record(exemption: Exemption, status: str) -> dict[str, Any]:
    """The machine-readable fields of one exemption, in the SPEC's order, ISO dates, type code."""
    return dict(zip(FIELDS, _machine((exemption, status)), strict=True))


def _machine(item: tuple[Exemption, str]) -> tuple[Any, ...]:
    exemption, status = item
    return (
        exemption.id,
        exemption.student_id,
        exemption.type,
        exemption.start.isoformat(),
        exemption.end.isoformat(),
        status,
        exemption.in_force_from.isoformat(),
        exemption.batch,
        exemption.reason,
        exemption.created_by,
        exemption.created_at,
        None if exemption.deleted_on is None else exemption.deleted_on.isoformat(),
        exemption.created_for,
    )


def shown_status(status: str, deleted_on: date | None, day: date | None, today: date | None) -> str:
    """A status as tables show it: on its deletion day an exemption keeps the status it had
    (R5b), shown as `active (deleted today)`; machine formats give the plain status."""
    if deleted_on is None or day is None or deleted_on != day or status == "deleted":
        return status
    return f"{status} (deleted {'today' if day == today else 'on ' + show(day)})"


def human_row(
    exemption: Exemption, status: str, day: date | None = None, today: date | None = None
) -> list[str]:
    """One exemption as a table shows it: type label and `10 Jan 2027` dates; with the day
    its status is as of (and today), its deletion day shown beside the status."""
    return [
        str(exemption.id),
        exemption.student_id,
        types.label(exemption.type),
        show(exemption.start),
        show(exemption.end),
        shown_status(status, exemption.deleted_on, day, today),
        show(exemption.in_force_from),
        "" if exemption.batch is None else str(exemption.batch),
        exemption.reason or "",
    ]


@lru_cache(maxsize=4096)
def _shown(iso: str) -> str:
    """An ISO date as people read it (`10 Jan 2027`); a listing repeats a few dates often."""
    return show(date.fromisoformat(iso))


def _human_listed(row: Sequence[Any], day: date | None = None, today: date | None = None) -> list[str]:
    """One of `Store.listed`'s rows (model.FIELDS) as a table shows it, like `human_row`."""
    status = row[5] if row[11] is None else shown_status(row[5], date.fromisoformat(row[11]), day, today)
    return [
        str(row[0]),
        row[1],
        types.label(row[2]),
        _shown(row[3]),
        _shown(row[4]),
        status,
        _shown(row[6]),
        "" if row[7] is None else str(row[7]),
        row[8] or "",
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
            text_columns=_TEXT_COLUMNS,
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
        text_columns=_TEXT_COLUMNS,
        **options,
    )


def _as_is(row: Sequence[Any]) -> Sequence[Any]:
    return row


def _fields(row: Sequence[Any]) -> Sequence[Any]:
    import json

    return json.loads(row[0])  # type: ignore[no-any-return]


def _not_machine(row: Sequence[Any]) -> Sequence[Any]:
    raise TypeError("rows made as JSON are written by json and jsonl only")
