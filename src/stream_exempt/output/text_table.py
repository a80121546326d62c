"""`plain` and `markdown`: tabulate tables, every value whole (tabulate never cuts)."""

from __future__ import annotations

from typing import IO

from stream_exempt.output.results import Table, visible


def _rows(table: Table) -> list[list[str]]:
    """Each item as text, control characters escaped: raw, they drive the terminal, and a line
    break would split a row in two (in Markdown, a row in two and the table with it)."""
    human = table.human
    return [[visible(cell) for cell in human(item)] for item in table.items]


def plain(table: Table, out: IO[str]) -> None:
    """Columns two spaces apart; on a terminal (or with COLUMNS) narrower than the rows, long
    cells wrap within their columns as `table`'s do, whole columns (ids, dates) never break,
    and when even that cannot fit, one record per block (SPEC "Tables")."""
    from tabulate import tabulate

    from stream_exempt.output import rich_table
    from stream_exempt.output.widths import fitted_widths

    rows, headings = _rows(table), list(table.headings)
    widths: list[int] | None = None
    screen = rich_table.width_of(out)
    if rows and screen is not None:
        # tabulate sets each column at least two wider than its heading: give it that room.
        room = screen - 2 * (len(headings) - 1)
        while (widths := fitted_widths(headings, rows, table.whole, room)) is not None:
            over = sum(max(width, len(heading) + 2) for width, heading in zip(widths, headings, strict=True))
            if over <= screen - 2 * (len(headings) - 1):
                break
            room -= over - (screen - 2 * (len(headings) - 1))
        if widths is None or rich_table.blocks_read_better(table, rows, screen, widths):
            rich_table.blocks(table, rows, screen, out)
            return
    out.write(
        tabulate(
            rows,
            headers=headings,
            tablefmt="plain",
            disable_numparse=True,
            maxcolwidths=list(widths) if widths is not None else None,
        )
        + "\n"
    )


def _escape(cell: str) -> str:
    """A Markdown table cell: `|` would end it, a backslash could escape it."""
    return cell.replace("\\", "\\\\").replace("|", "\\|")


def markdown(table: Table, out: IO[str]) -> None:
    from tabulate import tabulate

    rows = [[_escape(cell) for cell in row] for row in _rows(table)]
    headings = [_escape(heading) for heading in table.headings]
    out.write(tabulate(rows, headers=headings, tablefmt="github", disable_numparse=True) + "\n")
