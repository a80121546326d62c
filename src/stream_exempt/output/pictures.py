"""`timeline`'s picture: drawn on the terminal, or written as an SVG or HTML document to a
file or to standard output."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Any

from stream_exempt.errors import OutputFailed
from stream_exempt.output.outcomes import Picture
from stream_exempt.output.reporter import Reporter

# Pictures written to a file (--svg, --html) are drawn at this width, whatever the terminal.
FILE_WIDTH = 144
# One id for everything Rich writes into an SVG, so that the same data gives the same bytes.
SVG_ID = "stream-exempt-timeline"


def screen_width() -> int:
    """The terminal's width (or COLUMNS); written to a pipe or a file, the files' fixed width."""
    if sys.stdout.isatty() or "COLUMNS" in os.environ:
        import shutil

        return shutil.get_terminal_size((FILE_WIDTH, 24)).columns
    return FILE_WIDTH


def in_colour(width: int) -> bool:
    """Whether the terminal shows colour (not with NO_COLOR, nor into a pipe)."""
    from stream_exempt.output.rich_table import console

    screen = console(width=width)
    return screen.color_system is not None and not screen.no_color


def write(result: Picture) -> None:
    to = result.to
    if not to:
        from stream_exempt.output.rich_table import console

        console(width=result.width).print(result.picture)
        return
    document = to_file(result.picture, result.kind, title=result.title)
    if to == "-":  # standard output, as `bulk -` and `check --file -` read standard input
        sys.stdout.flush()
        sys.stdout.buffer.write(document.encode("utf-8"))
    else:
        _write(Path(to), document)
        Reporter().note(f"Wrote the timeline to {to}.")


def to_file(picture: Any, kind: str, *, title: str) -> str:
    """The picture as an SVG or HTML document: the same data always gives the same bytes
    (a fixed width, a fixed id, no time stamp, and the environment ignored)."""
    import io

    from rich.console import Console

    console = Console(
        record=True,
        width=FILE_WIDTH,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        no_color=False,
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
        _environ={},
    )
    console.print(picture)
    if kind == "svg":
        return console.export_svg(title=title, unique_id=SVG_ID)
    return console.export_html(inline_styles=True)


# What to do when a picture cannot be written, by the reason (errno); else the folder.
_ADVICE = {
    errno.ENOSPC: "free some space there, or name a file on another disk",
    errno.EDQUOT: "free some space there, or name a file on another disk",
    errno.ENOENT: "create its folder first, or name a file in another",
    errno.EISDIR: "name a file, not a folder",
}


def _write(path: Path, text: str) -> None:
    """Write the picture; a new file is its owner's only (0600), as the store: it names students.
    A new file that could not be written whole is removed: no half picture is left behind."""
    new = not os.path.lexists(path)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        if new and os.path.isfile(path):
            os.unlink(path)
        advice = _ADVICE.get(error.errno or 0, "check the folder and its permissions")
        raise OutputFailed(f"cannot write {path} ({error.strerror}); {advice}.") from None
