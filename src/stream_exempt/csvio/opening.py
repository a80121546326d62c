"""Opening a file as a table: CSV or, by its name or first bytes, a workbook; `-` is standard input.

Memory does not grow with the file: rows are read as they are used.
"""

from __future__ import annotations

import io
import sys
from typing import IO

from stream_exempt.csvio.delimited import CsvTable
from stream_exempt.csvio.encodings import BOMS, CHUNK, encoding_name
from stream_exempt.csvio.table import WORKBOOK_MAGIC, Table, spreadsheet_kind
from stream_exempt.csvio.workbook import WorkbookTable
from stream_exempt.errors import Refused

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def _binary(path: str) -> IO[bytes]:
    """The file at `path`, or standard input for `-` (closed standard input reads as empty)."""
    if path == "-":
        stdin = sys.stdin
        buffer = getattr(stdin, "buffer", None) if stdin is not None else None
        if buffer is None:
            return io.BytesIO(stdin.read().encode("utf-8") if stdin is not None else b"")
        return buffer  # type: ignore[no-any-return]
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise Refused(f"there is no file {path!r}; check the path.") from None
    except IsADirectoryError:
        raise Refused(f"{path!r} is a folder; give the path of a file.") from None
    except OSError as error:
        raise Refused(f"cannot read {path!r} ({error.strerror}).") from None


def _text(head: bytes) -> bool:
    """Whether a file's first bytes are text (CSV), not a workbook or other binary file."""
    if any(head.startswith(bom) for bom, _ in BOMS):
        return True
    return bool(head) and spreadsheet_kind(head) is None and b"\x00" not in head


def is_workbook_name(path: str) -> bool:
    return path.lower().endswith(WORKBOOK_SUFFIXES)


def open_table(
    path: str,
    *,
    encoding: str | None = None,
    errors: str = "strict",
    sheet: str | None = None,
    workbooks: bool = False,
    run_on_rows: bool = False,
) -> Table:
    """The table in the file at `path` (`-`: standard input). With `workbooks`, an `.xlsx`
    workbook (by its name or its first bytes) is read too; otherwise every file is CSV."""
    name = "standard input" if path == "-" else path
    codec = encoding_name(encoding)
    raw = _binary(path)
    try:
        if workbooks:
            if not raw.seekable():  # standard input or a pipe: a cohort list is read whole anyway
                raw = io.BytesIO(raw.read())
            head = raw.read(CHUNK)
            raw.seek(0)
            named = is_workbook_name(path)
            if head.startswith(WORKBOOK_MAGIC) or (named and not _text(head)):
                if encoding is not None:
                    raise Refused("--encoding applies to CSV files; a workbook needs none, so leave it out.")
                return WorkbookTable(raw, name, sheet)
            if named and sheet is None:  # text saved under a workbook's name: read as what it is
                table = CsvTable(raw, name, codec, errors, saved_as=".xlsx or CSV", run_on_rows=run_on_rows)
                table.note = f"the file {name} is named as a workbook but holds text, so it is read as CSV."
                return table
        if sheet is not None:
            raise Refused(f"--sheet applies to a workbook (.xlsx); {name} is read as CSV, so leave it out.")
        return CsvTable(
            raw, name, codec, errors, saved_as=".xlsx or CSV" if workbooks else "CSV", run_on_rows=run_on_rows
        )
    except BaseException:
        if path != "-" and not raw.closed:
            raw.close()
        raise
