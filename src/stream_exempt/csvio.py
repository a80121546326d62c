"""Reading CSV files: cohort lists for `bulk` and notification feeds for `check --file`.

Spreadsheet exports arrive with or without a UTF-8 byte-order mark, in cp1252, with blank
lines; the student-ID column is found by its usual names.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
from collections.abc import Iterator, Sequence
from typing import IO

from stream_exempt.errors import Refused

ID_HEADERS = ("studentid", "studentnumber", "studentno", "sid", "id")
DATE_HEADER = "date"


def _normal(header: str) -> str:
    """Headers compared ignoring case, spaces and underscores."""
    return re.sub(r"[\s_]+", "", header.strip().lower())


def _shown(headers: Sequence[str]) -> str:
    return ", ".join(repr(h) for h in headers) if headers else "none"


def find_column(headers: Sequence[str], wanted: str | None, *, option: str = "--column") -> int:
    """The index of the student-ID column: `wanted`, else a usual name, else the only column."""
    normal = [_normal(h) for h in headers]
    if wanted is not None:
        if wanted in headers:
            return list(headers).index(wanted)
        if _normal(wanted) in normal:
            return normal.index(_normal(wanted))
        raise Refused(f"there is no column {wanted!r}; the headers are {_shown(headers)}.")
    for index, header in enumerate(normal):
        if header in ID_HEADERS:
            return index
    if len(headers) == 1:
        return 0
    raise Refused(
        f"no student-ID column found among the headers {_shown(headers)}; "
        f"name it student_id or give {option} NAME."
    )


def optional_column(headers: Sequence[str], name: str) -> int | None:
    """The index of an optional column such as `type` or `date`, if present."""
    normal = [_normal(h) for h in headers]
    return normal.index(name) if name in normal else None


def encoding_name(encoding: str) -> str:
    """A known codec; plain UTF-8 reads through a byte-order mark when there is one."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise Refused(f"{encoding!r} is not a text encoding Python knows; try utf-8 or cp1252.") from None
    return "utf-8-sig" if name == "utf-8" else name


def open_text(path: str, encoding: str, errors: str = "strict") -> IO[str]:
    """The file at `path` (or standard input for `-`) as text in `encoding`."""
    name = encoding_name(encoding)
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding=name, errors=errors, newline="")
    try:
        return open(path, encoding=name, errors=errors, newline="")
    except FileNotFoundError:
        raise Refused(f"there is no file {path!r}; check the path.") from None
    except IsADirectoryError:
        raise Refused(f"{path!r} is a folder; give the path of a CSV file.") from None
    except OSError as error:
        raise Refused(f"cannot read {path!r} ({error.strerror}).") from None


# One non-blank CSV record: the line it ends on, and its cells. A plain tuple, because a
# long file makes one per row.
Row = tuple[int, list[str]]


class CsvFile:
    """A CSV file with a header row, read row by row with line numbers; blank lines skipped."""

    def __init__(self, stream: IO[str], name: str, encoding: str) -> None:
        self.name = name
        self.encoding = encoding
        self._reader = csv.reader(stream)
        self.headers: list[str] = []
        for _, cells in self._guarded():
            self.headers = [cell.strip() for cell in cells]
            break

    def _guarded(self) -> Iterator[Row]:
        reader = self._reader
        try:
            for cells in reader:
                # Blank lines and rows of empty cells are skipped.
                if cells and (cells[0].strip() or "".join(cells).strip()):
                    yield reader.line_num, cells
        except UnicodeDecodeError:
            raise Refused(
                f"{self.name} is not valid {self.encoding} text near line {reader.line_num + 1}; "
                "if it came from an older spreadsheet, give --encoding cp1252."
            ) from None
        except csv.Error as error:
            raise Refused(f"{self.name} line {reader.line_num}: not readable as CSV ({error}).") from None

    def __iter__(self) -> Iterator[Row]:
        return self._guarded()
