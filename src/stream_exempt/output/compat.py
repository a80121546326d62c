"""The older writing functions, kept as thin doors onto the one renderer.

New code returns a `Table` or `Document` and calls `render()`; these let commands written
before the registry keep working (each goes through the same formats).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import IO, Any

from stream_exempt.model import Exemption
from stream_exempt.output.delimited import defuse
from stream_exempt.output.results import HEADINGS, Table, exemptions, human_row, record

LIST_FORMATS = ("table", "csv", "tsv", "json", "jsonl", "markdown", "plain")


def console(
    out: IO[str] | None = None,
    *,
    stderr: bool = False,
    terminal: bool | None = None,
    width: int | None = None,
) -> Any:
    """A Rich console that never reads markup or emoji codes out of the text it prints."""
    from stream_exempt.output import rich_table

    return rich_table.console(out, stderr=stderr, terminal=terminal, width=width)


__all__ = ["HEADINGS", "LIST_FORMATS", "console", "defuse", "human_row", "record"]


def _rows(headings: Sequence[str], rows: Iterable[Sequence[str]], **options: Any) -> Table:
    return Table(headings, headings, rows, machine=list, human=list, **options)


def write_exemptions(rows: Iterable[tuple[Exemption, str]], fmt: str, out: IO[str] | None = None) -> None:
    """(exemption, status) pairs in one of `LIST_FORMATS`."""
    from stream_exempt.output.registry import render

    render(exemptions(rows), fmt, out)


def write_text_table(headings: Sequence[str], rows: Sequence[Sequence[str]], fmt: str, out: IO[str]) -> None:
    """A tabulate table: `markdown` or `plain`."""
    from stream_exempt.output.registry import render

    render(_rows(headings, rows), fmt, out)


def write_rich_table(
    headings: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    out: IO[str] | None = None,
    stderr: bool = False,
    title: str | None = None,
) -> None:
    """A Rich table (never losing a value); every cell is plain text."""
    from stream_exempt.output import rich_table

    stream = out if out is not None else (sys.stderr if stderr else sys.stdout)
    rich_table.write(_rows(headings, rows, title=title), stream)


def write_json(value: Any, out: IO[str] | None = None) -> None:
    """One JSON document, in the layout of every `json` output."""
    from stream_exempt.output.jsonfmt import laid_out

    (out if out is not None else sys.stdout).write(laid_out(value) + "\n")


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
    """Records in any table format: machine formats take `records`, tables take `rows`."""
    from stream_exempt.output.registry import render

    table = Table(
        fields,
        headings,
        zip(records, rows, strict=True),
        machine=lambda item: [item[0][key] for key in fields],
        human=lambda item: item[1],
        title=title,
        empty=empty,
    )
    render(table, fmt, out)
