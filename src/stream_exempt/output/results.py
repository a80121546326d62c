"""What a command hands to the renderer: a `Table` of records or one `Document`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from stream_exempt import types
from stream_exempt.dates import show
from stream_exempt.model import FIELDS, Exemption

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
    )


def human_row(exemption: Exemption, status: str) -> list[str]:
    """One exemption as a table shows it: type label and `10 Jan 2027` dates."""
    return [
        str(exemption.id),
        exemption.student_id,
        types.label(exemption.type),
        show(exemption.start),
        show(exemption.end),
        status,
        show(exemption.in_force_from),
        "" if exemption.batch is None else str(exemption.batch),
        exemption.reason or "",
    ]


def exemptions(rows: Iterable[tuple[Exemption, str]], **options: Any) -> Table:
    """(exemption, status) pairs as a table: the rows of `list`."""
    options.setdefault("empty", "No exemptions match.")
    return Table(FIELDS, HEADINGS, rows, machine=_machine, human=lambda item: human_row(*item), **options)
