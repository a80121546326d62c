"""`table`: a Rich table that never loses a value (SPEC "Tables").

At any width every cell's full text appears: long cells wrap (long words fold), ids and other
whole columns never break, and when even that cannot fit the terminal, each record is shown
as a block of `Heading  value` lines instead.
"""

from __future__ import annotations

import builtins
import os
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any

from stream_exempt.output.results import Table, visible
from stream_exempt.output.widths import cell_width, fitted_widths, longest_word

# A space at the table's outer edges too (`│ 1 │`), as inside it.
PAD_EDGE = True


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
        width = None if terminal or _isatty(stream) or "COLUMNS" in os.environ else 1000
    return Console(
        file=stream, width=width, markup=False, emoji=False, highlight=False, force_terminal=terminal
    )


def write_rows(
    headings: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    out: IO[str] | None = None,
    stderr: bool = False,
    title: str | None = None,
) -> None:
    """Rows of plain text under `headings` as a Rich table (never losing a value), to `out`
    (else standard error or output): what a command shows besides its result."""
    stream = out if out is not None else (sys.stderr if stderr else sys.stdout)
    write(Table(headings, headings, rows, machine=list, human=list, title=title), stream)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _encodable(text: str, encoding: str) -> str:
    if text.isascii():
        return text
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        pass
    return text


def _screen(stream: Any) -> tuple[int, bool] | None:
    """The width a Rich console made by `console(stream)` has, and whether it styles what it
    prints (a terminal), worked out as Rich works them out but without importing Rich; None
    wherever anything but the plain rules could change Rich's answer (Windows, notebooks,
    IDLE, FORCE_COLOR, TTY_COMPATIBLE, a dumb terminal, an odd COLUMNS, an encoding that is
    not UTF: Rich then draws ASCII boxes)."""
    environ = os.environ
    if (
        sys.platform == "win32"
        or hasattr(builtins, "get_ipython")
        or getattr(sys.stdin, "__module__", "").startswith("idlelib")
        or "FORCE_COLOR" in environ
        or "TTY_COMPATIBLE" in environ
        or not (getattr(stream, "encoding", "utf-8") or "utf-8").lower().startswith("utf")
    ):
        return None
    isatty = getattr(stream, "isatty", None)
    try:
        terminal = bool(isatty is not None and isatty())
    except ValueError:  # closed
        terminal = False
    except OSError:
        return None
    if terminal and environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return None
    columns = environ.get("COLUMNS")
    if columns is not None:
        return (int(columns), terminal) if columns.isascii() and columns.isdigit() else None
    if not terminal:
        return 1000, False  # as console(): written to a file or a pipe, never wrapped or cut
    width = None
    for descriptor in (0, 1, 2):  # as Rich: the first standard stream that is a terminal
        try:
            width = os.get_terminal_size(descriptor).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    return width or 80, True


def width_of(stream: Any) -> int | None:
    """The width text written to `stream` must fit: a terminal's, or COLUMNS; None for a file
    or a pipe, where nothing is wrapped or cut."""
    screen = _screen(stream)
    if screen is None:
        return int(console(stream).width) if _isatty(stream) or "COLUMNS" in os.environ else None
    width, terminal = screen
    return width if terminal or "COLUMNS" in os.environ else None


def write(table: Table, out: IO[str], *, stderr: bool = False) -> None:
    stream = out or (sys.stderr if stderr else sys.stdout)
    # Cells as the stream can carry them (`\u5b66` where an ASCII or Latin-1 locale cannot), so
    # that the columns are measured on what is printed.
    encoding = str(getattr(stream, "encoding", None) or "utf-8")
    rows = [[_encodable(visible(cell), encoding) for cell in table.human(item)] for item in table.items]
    if not rows:
        print(table.empty, file=out if out is not None else sys.stdout)
        return
    # Rich is imported only when it must draw: the import alone is a third of `check`'s start-up.
    screen = _screen(stream)
    target = None
    if screen is None:
        target = console(stream)
        room = int(target.width)
    else:
        room = screen[0]
    columns = len(table.headings)
    # The frame that breaks the fewest words: borders and a space at every edge; no space at
    # the table's two outer edges; no outer border at all (a common 80-column terminal needs
    # that for `list` to keep its type labels whole). The fuller frame wins a tie.
    frames = [(True, True, 3 * columns + 1), (False, True, 3 * columns - 1), (False, False, 3 * columns - 3)]
    best: tuple[int, list[int], bool, bool] | None = None
    for pad, edge, frame in frames:
        if pad and not PAD_EDGE:
            continue
        fitted = fitted_widths(table.headings, rows, table.whole, room - frame)
        if fitted is not None:
            broken = _broken_words(table.headings, rows, fitted)
            if best is None or broken < best[0]:
                best = (broken, fitted, pad, edge)
            if broken == 0:
                break
    widths = None if best is None else best[1]
    pad_edge, show_edge = (False, True) if best is None else (best[2], best[3])
    if widths is None or blocks_read_better(table, rows, room, widths):
        blocks(table, rows, room, stream)
        return
    if (
        pad_edge
        and show_edge
        and screen is not None
        and _write_unwrapped(table, rows, widths, stream, screen[1])
    ):
        return
    target = target or console(stream)
    from rich.table import Table as RichTable
    from rich.text import Text

    grid = RichTable(title=table.title, title_justify="left", pad_edge=pad_edge, show_edge=show_edge)
    for heading, width in zip(table.headings, widths, strict=True):
        grid.add_column(heading, no_wrap=heading in table.whole, overflow="fold", width=width)
    for row in rows:
        grid.add_row(*(Text(cell, overflow="fold") for cell in row))
    if any(cell_width(cell) > width for row in rows for cell, width in zip(row, widths, strict=True)):
        grid.show_lines = True  # wrapped rows: a line between them shows where each ends
    target.print(grid)


_CONTROL = frozenset(map(chr, [*range(32), 127]))


# Rich's default theme on a terminal: headings bold, the title italic (SGR codes, each run of
# text closed by a reset), as `Style.render` writes them for any colour system.
_BOLD, _ITALIC, _RESET = "\x1b[1m", "\x1b[3m", "\x1b[0m"


def _write_unwrapped(
    table: Table, rows: list[list[str]], widths: list[int], out: IO[str], styled: bool
) -> bool:
    """Draw the table as Rich would, line by line, when no cell needs wrapping; `styled`: with
    the styles Rich gives a terminal. False, writing nothing, when it cannot. Rich lays out
    every row of a table before printing any (100,000 rows piped to a file took 90 s and
    870 MiB), and importing it costs a third of `check`'s start-up."""
    cells = [list(table.headings), *rows]
    title = table.title or ""
    if any(not _CONTROL.isdisjoint(cell) for row in cells for cell in row) or not _CONTROL.isdisjoint(title):
        return False
    cell_len: Callable[[str], int] = len  # each printable ASCII character is one cell
    if not (all(cell.isascii() for row in cells for cell in row) and title.isascii()):
        from rich.cells import cell_len as measure

        cell_len = measure
    if any(cell_len(cell) > width for row in cells for cell, width in zip(row, widths, strict=True)):
        return False
    span = sum(widths) + 3 * len(widths) + 1
    if cell_len(title) > span:
        return False

    def line(left: str, fill: str, middle: str, right: str) -> str:
        return left + middle.join(fill * (width + 2) for width in widths) + right

    def padded(values: Sequence[str]) -> list[str]:
        return [value + " " * (width - cell_len(value)) for value, width in zip(values, widths, strict=True)]

    def row(edge: str, values: Sequence[str]) -> str:
        return f"{edge} " + f" {edge} ".join(padded(values)) + f" {edge}"

    if styled:  # each heading and the space either side of it, bold, each run closed
        space = f"{_BOLD} {_RESET}"
        heading = (
            "┃" + "┃".join(f"{space}{_BOLD}{text}{_RESET}{space}" for text in padded(table.headings)) + "┃"
        )
    else:
        heading = row("┃", table.headings)
    write = out.write
    if table.title:
        title += " " * (span - cell_len(title))
        write((f"{_ITALIC}{title}{_RESET}" if styled else title) + "\n")
    write(line("┏", "━", "┳", "┓") + "\n" + heading + "\n" + line("┡", "━", "╇", "┩") + "\n")
    for values in rows:
        write(row("│", values) + "\n")
    write(line("└", "─", "┴", "┘") + "\n")
    return True


def _broken_words(headings: Sequence[str], rows: list[list[str]], widths: list[int]) -> int:
    """How many cells (headings too) have a word longer than their column is wide."""
    return sum(
        1
        for row in (list(headings), *rows)
        for cell, width in zip(row, widths, strict=True)
        if longest_word(cell) > width
    )


# Below this width a table whose words break gives way to blocks; at 80 columns and more the
# table stays (its widths are chosen to keep the short columns whole, and it is far shorter).
NARROW = 60


def _cuts(cell: str, width: int) -> int:
    """How many times the words of `cell` are cut in a column `width` wide."""
    return sum(-(-cell_width(word) // width) - 1 for word in cell.split() if cell_width(word) > width)


def blocks_read_better(table: Table, rows: list[list[str]], screen: int, widths: Sequence[int]) -> bool:
    """Whether one record per block reads better than the table drawn in `widths` on a screen
    `screen` wide: on a narrow screen, the table cuts words in more than a quarter of its rows
    (headings included) or cuts one word more than once (`STREAM_E|XEMPT_CO|NFIG`), and the
    blocks would cut words fewer times."""
    if screen >= NARROW:
        return False
    cut = [
        [_cuts(cell, width) for cell, width in zip(row, widths, strict=True)]
        for row in (list(table.headings), *rows)
    ]
    rows_cut = sum(1 for row in cut if any(row))
    cut_twice = any(
        cell_width(word) > 2 * width
        for row in (list(table.headings), *rows)
        for cell, width in zip(row, widths, strict=True)
        for word in cell.split()
    )
    if not cut_twice and rows_cut * 4 <= len(cut):
        return False
    room = _block_room(table, screen)
    return sum(_cuts(cell, room) for row in rows for cell in row) < sum(map(sum, cut))


def _block_room(table: Table, width: int) -> int:
    """How wide a value may be in `blocks`, beside the longest heading."""
    return max(width - max(len(heading) for heading in table.headings) - 2, 10)


def blocks(table: Table, rows: list[list[str]], width: int, out: IO[str]) -> None:
    """One record per block, `Heading  value`, long values wrapped under themselves."""
    label = max(len(heading) for heading in table.headings) + 2
    room = _block_room(table, width)
    lines: list[str] = []
    if table.title:
        lines += [table.title, ""]
    for number, row in enumerate(rows):
        if number:
            lines.append("")
        for heading, cell in zip(table.headings, row, strict=True):
            pieces = textwrap.wrap(cell, room, break_long_words=True, break_on_hyphens=False) or [""]
            lines.append(f"{heading:<{label}}{pieces[0]}".rstrip())
            lines += [" " * label + piece for piece in pieces[1:]]
    out.write("\n".join(lines) + "\n")
