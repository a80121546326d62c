"""`plain` and `markdown`: tabulate tables, every value whole (tabulate never cuts)."""

from __future__ import annotations

from typing import IO

from stream_exempt.output.results import Table


def _rows(table: Table) -> list[list[str]]:
    human = table.human
    return [list(human(item)) for item in table.items]


def plain(table: Table, out: IO[str]) -> None:
    from tabulate import tabulate

    out.write(
        tabulate(_rows(table), headers=list(table.headings), tablefmt="plain", disable_numparse=True) + "\n"
    )


def _escape(cell: str) -> str:
    """A Markdown table cell: `|` would end it, a backslash could escape it."""
    return cell.replace("\\", "\\\\").replace("|", "\\|")


def markdown(table: Table, out: IO[str]) -> None:
    from tabulate import tabulate

    rows = [[_escape(cell) for cell in row] for row in _rows(table)]
    headings = [_escape(heading) for heading in table.headings]
    out.write(tabulate(rows, headers=headings, tablefmt="github", disable_numparse=True) + "\n")
