"""Delimited files: CSV (or tab- or semicolon-separated values) records, a quoted cell left
open found and refused, or its lines read again one by one (`check --file`)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import IO

from stream_exempt.csvio.encodings import UTF16, TextLines, utf16_order_of
from stream_exempt.csvio.table import Row, Table, spreadsheet_kind, unreadable
from stream_exempt.errors import Refused


def _delimiter(first_line: str) -> str:
    """Commas, unless the first line has none but tabs (Excel's "Unicode Text", a UTF-16 file
    of tab-separated values) or semicolons (spreadsheets where the comma is the decimal point)."""
    if "," in first_line:
        return ","
    if "\t" in first_line:
        return "\t"
    return ";" if ";" in first_line else ","


# Python's csv module refuses a cell of more than 131,072 characters, which stopped a feed part-way
# (SPEC 7). A line is held whole anyway, so one line's cells may be as long as it; what must not
# grow without bound is a record running on over many lines (a quote that never closes), which
# `_Lines` stops at RUN_ON characters.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
RUN_ON = 1 << 20  # characters of a record spanning several lines: far beyond any real cell


class _RunsOn(Exception):
    """A record has run on over several lines for more than RUN_ON characters."""


class _Lines:
    """The lines handed to the csv reader, counted and kept for the record being read, so
    that a quote left open can be found and its lines read again one by one."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.count = 0  # lines handed out so far
        self.record: list[str] = []  # the lines of the record being read
        self.size = 0
        self.ended = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self.lines)
        except StopIteration:
            self.ended = True
            raise
        self.count += 1
        self.record.append(line)
        self.size += len(line)
        if self.size > RUN_ON and len(self.record) > 1:
            raise _RunsOn
        return line

    def start_record(self) -> None:
        self.record = []
        self.size = 0


def open_quote(lines: Sequence[str], delimiter: str) -> int | None:
    """The index of the line, among a record's lines, where a quoted cell opens that is still
    open after the last of them; None when every quote closes. The csv module's own reading:
    a quote opens a cell only at its start, and `""` inside a quoted cell is a quote."""
    opened: int | None = None
    at_start = True  # at the start of a cell
    quoted = False
    after_quote = False  # a quote seen inside a quoted cell: closes it unless another follows
    for index, line in enumerate(lines):
        for char in line:
            if quoted:
                if after_quote:
                    after_quote = False
                    if char == '"':
                        continue
                    quoted = False  # the quote closed the cell; this character follows it
                elif char == '"':
                    after_quote = True
                    continue
                else:
                    continue
            if char == delimiter or char in "\r\n":
                at_start = True
            elif at_start and char == '"':
                quoted, opened, at_start = True, index, False
            else:
                at_start = False
    return opened if quoted and not after_quote else None


class CsvTable(Table):
    """A CSV file (or tab- or semicolon-separated values) read as a `Table`.

    A quoted cell whose quote never closes would take every following line into itself. By
    default that refuses the file, naming the line where the quote opens (`bulk`: nothing is
    written). With `run_on_rows`, the lines are read again one by one and handed out as rows
    whose `faults` entry says why they cannot be trusted (`check --file`: no row vanishes)."""

    def __init__(
        self,
        raw: IO[bytes],
        name: str,
        encoding: str | None,
        errors: str = "strict",
        *,
        saved_as: str = "CSV",
        run_on_rows: bool = False,
    ) -> None:
        self.name = name
        self._raw = raw
        self._run_on_rows = run_on_rows
        # Rows that are handed out although they cannot be read as the file meant: line -> why.
        self.faults: dict[int, str] = {}
        self._text = TextLines(raw, name, encoding, errors)
        kind = spreadsheet_kind(self._text.head)
        if kind is not None:
            raise Refused(unreadable(name, kind, saved_as))
        lines = iter(self._text)
        head = next(lines, None)
        self.delimiter = _delimiter(head or "")
        self._lines = _Lines(chain([head] if head is not None else [], lines))
        self._reader = csv.reader(self._lines, delimiter=self.delimiter)
        self._rows_iter = self._rows()
        self.first = next(self._rows_iter, None)
        if self.first is not None and any("\x00" in cell for cell in self.first[1]):
            if self._text.encoding not in UTF16 and utf16_order_of(self._text.head) is not None:
                raise Refused(
                    f"NUL characters in {name}: it looks like UTF-16 text without a byte-order mark; "
                    "give --encoding utf-16."
                )
            raise Refused(
                f"NUL characters in {name}, which no CSV file holds: check that it is the CSV file you "
                "meant, or give --encoding with the encoding it was saved in."
            )

    def _rows(self) -> Iterator[Row]:
        reader, lines = self._reader, self._lines
        while True:
            lines.start_record()
            start = lines.count + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _RunsOn:
                yield from self._run_on(start, lines.record, ended=False)
                continue
            except csv.Error as error:
                raise Refused(
                    f"line {lines.count} of {self.name} is not readable as CSV ({error})."
                ) from None
            # The last record: did it end inside a quoted cell that never closed?
            if lines.ended and lines.record and open_quote(lines.record, self.delimiter) is not None:
                yield from self._run_on(start, lines.record, ended=True)
                return
            # Blank lines and rows of empty cells are skipped. A record is numbered by the line
            # it starts on, where its student ID is.
            if cells and (cells[0].strip() or "".join(cells).strip()):
                yield start, cells

    def _run_on(self, start: int, record: list[str], *, ended: bool) -> Iterator[Row]:
        """A record whose quoted cell never closes (`ended`: by the end of the file; else not
        within RUN_ON characters): refused, or its lines handed out one by one as faulty rows."""
        record = list(record)
        opened = open_quote(record, self.delimiter)
        at = opened if opened is not None else 0
        line = start + at
        if not self._run_on_rows:
            end = "is never closed" if ended else f"is not closed by line {start + len(record) - 1}"
            raise Refused(
                f'line {line} of {self.name} opens a quoted cell (with ") that {end}, so the lines '
                "after it would all be read into that one cell; close the quote or remove it, "
                "then save the file again."
            )
        # The lines up to the quote as one row, the quoted cell cut at the end of its line; then
        # each later line on its own.
        head = list(csv.reader(["".join(record[: at + 1])], delimiter=self.delimiter))
        cells = [cell.rstrip("\r\n") for cell in head[0]] if head else []
        self.faults[line] = (
            'a quoted cell opens in it (with ") and is never closed; its lines are read one by one.'
        )
        yield line, cells
        for offset, text in enumerate(record[at + 1 :], start=line + 1):
            for cells in csv.reader([text], delimiter=self.delimiter):
                if cells and "".join(cells).strip():
                    self.faults[offset] = (
                        f"it follows the quote left open on line {line}, so it may belong to that cell."
                    )
                    yield offset, [cell.rstrip("\r\n") for cell in cells]

    def __iter__(self) -> Iterator[Row]:
        return self._rows_iter

    def close(self) -> None:
        if self._raw is not getattr(sys.stdin, "buffer", None):
            self._raw.close()
