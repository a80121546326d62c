"""`timeline`'s picture: drawn on the terminal, or written as an SVG or HTML document to a
file or to standard output."""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

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
        _write(to, document)
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


def _write(to: str, text: str) -> None:
    """Write the picture to the file `to` (named in messages as typed). A regular file, new or
    there before, is written beside it under a temporary name and moved into place once whole,
    so a disk that fills up part way leaves no file, or the file as it was. A new file is its
    owner's only (0600), as the store: it names students; one there before keeps its mode.
    Anything else (a device such as /dev/full, a pipe, a link, another user's file) is written
    in place, as it is."""
    path = Path(to)
    data = text.encode("utf-8")
    try:
        there = path.stat() if path.exists() else None
        if path.is_symlink() or (there is not None and (not path.is_file() or there.st_uid != os.geteuid())):
            with open(path, "wb") as file:
                _write_all(file, data)
            return
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        try:
            with open(descriptor, "wb") as file:
                _write_all(file, data)
            if there is not None:
                os.chmod(temporary, stat.S_IMODE(there.st_mode))
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        advice = _ADVICE.get(error.errno or 0, "check the folder and its permissions")
        raise OutputFailed(f"cannot write {to} ({error.strerror}); {advice}.") from None


def _write_all(file: BinaryIO, data: bytes) -> None:
    file.write(data)
