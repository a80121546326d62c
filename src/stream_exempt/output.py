"""Every output format in one place: Rich tables, CSV/TSV, JSON/JSONL and tabulate text.

Rich and tabulate are imported only by the formats that use them, so `check` and `--help`
start without them. User text is always passed to Rich as `Text`, never parsed as markup.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from typing import IO, Any

from stream_exempt import types
from stream_exempt.dates import show
from stream_exempt.model import FIELDS, Exemption

LIST_FORMATS = ("table", "csv", "tsv", "json", "jsonl", "markdown", "plain")
HEADINGS = ("ID", "Student", "Type", "Start", "End", "Status", "In force", "Batch", "Reason")
# Columns a narrow terminal must never cut short: a truncated student ID is a wrong one.
_WHOLE = frozenset({"ID", "Student", "Status", "Batch", "Code", "When", "Line", "Student ID"})

# A cell a spreadsheet would run as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with `'`."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def record(exemption: Exemption, status: str) -> dict[str, Any]:
    """The machine-readable fields of one exemption, in the SPEC's order, ISO dates, type code."""
    values = (
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
    return dict(zip(FIELDS, values, strict=True))


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


def write_exemptions(rows: Iterable[tuple[Exemption, str]], fmt: str, out: IO[str] | None = None) -> None:
    """Write (exemption, status) pairs in one of `LIST_FORMATS`."""
    out = out or sys.stdout
    if fmt in ("csv", "tsv"):
        writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(FIELDS)
        for exemption, status in rows:
            writer.writerow(["" if v is None else defuse(v) for v in record(exemption, status).values()])
    elif fmt == "json":
        json.dump([record(e, s) for e, s in rows], out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "jsonl":
        for exemption, status in rows:
            out.write(json.dumps(record(exemption, status), ensure_ascii=False) + "\n")
    elif fmt in ("markdown", "plain"):
        write_text_table(HEADINGS, [human_row(e, s) for e, s in rows], fmt, out)
    else:
        table = [human_row(e, s) for e, s in rows]
        if table:
            write_rich_table(HEADINGS, table, out=out)
        else:
            print("No exemptions match.", file=out)


def write_text_table(headings: Sequence[str], rows: Sequence[Sequence[str]], fmt: str, out: IO[str]) -> None:
    """A tabulate table: `markdown` (GitHub pipes) or `plain`."""
    from tabulate import tabulate

    style = "github" if fmt == "markdown" else "plain"
    out.write(tabulate(rows, headers=list(headings), tablefmt=style, disable_numparse=True) + "\n")


def console(
    out: IO[str] | None = None,
    *,
    stderr: bool = False,
    terminal: bool | None = None,
    width: int | None = None,
) -> Any:
    """A Rich console that never reads markup or emoji codes out of the text it prints."""
    from rich.console import Console

    stream = out or (sys.stderr if stderr else sys.stdout)
    # On a terminal, fit its width; written to a file or a pipe, never wrap or cut.
    if width is None:
        width = None if terminal or stream.isatty() or "COLUMNS" in os.environ else 1000
    return Console(
        file=stream, width=width, markup=False, emoji=False, highlight=False, force_terminal=terminal
    )


def write_rich_table(
    headings: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    out: IO[str] | None = None,
    stderr: bool = False,
    title: str | None = None,
) -> None:
    """A Rich table; every cell is plain text."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left")
    for heading in headings:
        table.add_column(heading, no_wrap=heading in _WHOLE, min_width=len(heading))
    rows = list(rows)
    for index, heading in enumerate(headings):
        if heading in _WHOLE:
            table.columns[index].min_width = max([len(heading), *(len(row[index]) for row in rows)])
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console(out, stderr=stderr).print(table)


def write_json(value: Any, out: IO[str] | None = None) -> None:
    """One JSON document on a line of its own."""
    (out or sys.stdout).write(json.dumps(value, ensure_ascii=False, default=_default) + "\n")


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_records(
    fields: Sequence[str],
    records: Sequence[dict[str, Any]],
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    fmt: str,
    *,
    title: str | None = None,
    empty: str = "Nothing to show.",
    out: IO[str] | None = None,
) -> None:
    """Records in any of `LIST_FORMATS`: machine formats take `records` (keys `fields`),
    tables take the same records as people read them (`headings`, `rows`)."""
    out = out or sys.stdout
    if fmt in ("csv", "tsv"):
        writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(fields)
        for item in records:
            writer.writerow(["" if item[f] is None else defuse(item[f]) for f in fields])
    elif fmt == "json":
        json.dump(list(records), out, indent=2, ensure_ascii=False, default=_default)
        out.write("\n")
    elif fmt == "jsonl":
        for item in records:
            out.write(json.dumps(item, ensure_ascii=False, default=_default) + "\n")
    elif fmt in ("markdown", "plain"):
        write_text_table(headings, rows, fmt, out)
    elif rows:
        write_rich_table(headings, rows, out=out, title=title)
    else:
        print(empty, file=out)
