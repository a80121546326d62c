"""Reading tables from files: cohort lists for `bulk` and notification feeds for `check --file`.

Spreadsheets write files in many shapes: UTF-8 with or without a byte-order mark, UTF-16 with
one, cp1252 from older programs, blank lines, `.xlsx` workbooks. This module turns each into
rows of text cells numbered by the line (or sheet row) they came from, and finds columns by
their usual names.

Text is decoded here, line by line, rather than by a text stream: a stream decodes in large
chunks, so the line of an undecodable byte would be lost (a bad byte on line 91 reported "near
line 1"). Memory does not grow with the file: rows are read as they are used.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import chain
from typing import IO, TypeGuard

from stream_exempt.errors import Refused
from stream_exempt.validate import printable

# Usual names of the student-ID column, compared as `words` joined (SPEC section 7).
ID_HEADERS = ("studentid", "studentnumber", "studentno", "sid", "id")
DATE_HEADER = "date"

# The byte-order marks a spreadsheet writes, longest first (UTF-32 LE begins with UTF-16 LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Codecs Python treats as text encodings that no file is written in.
_NOT_FOR_FILES = frozenset({"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"})
_WORKBOOK_MAGIC = b"PK\x03\x04"  # a zip archive, which is what an .xlsx file is
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_CHUNK = 1 << 16
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def words(header: str) -> list[str]:
    """A header's words, lower case, split at spaces, underscores and hyphens."""
    return [word for word in re.split(r"[\s_\-]+", header.strip().lower()) if word]


def normal(header: str) -> str:
    """A header compared ignoring case, spaces, underscores and hyphens."""
    return "".join(words(header))


def shown(headers: Sequence[str]) -> str:
    """Headers quoted for a message."""
    return ", ".join(printable(h) for h in headers) if headers else "none"


def find_column(headers: Sequence[str], wanted: str | None, *, option: str = "--column") -> int:
    """The index of the student-ID column: `wanted`, else the one header with a usual name (two
    such headers are refused, naming both: SPEC 10), else the only column."""
    if wanted is not None:
        return named_column(headers, wanted, option)
    found = [index for index, header in enumerate(headers) if normal(header) in ID_HEADERS]
    if len(found) > 1:
        raise Refused(
            f"the columns {shown([headers[i] for i in found])} could each give the student ID; "
            f"name the one to use with {option} NAME."
        )
    if found:
        return found[0]
    if len(headers) == 1:
        return 0
    raise Refused(
        f"no student-ID column found among the headers {shown(headers)}; "
        f"name it student_id or give {option} NAME."
    )


def named_column(headers: Sequence[str], wanted: str, option: str) -> int:
    """The index of the column a `--...-column NAME` option names: exactly, else ignoring case."""
    if wanted in headers:
        return list(headers).index(wanted)
    normals = [normal(h) for h in headers]
    if normal(wanted) and normal(wanted) in normals:
        return normals.index(normal(wanted))
    raise Refused(f"{option} {printable(wanted)}: there is no such column; the headers are {shown(headers)}.")


def optional_column(headers: Sequence[str], name: str) -> int | None:
    """The index of an optional column such as `date`, if present."""
    normals = [normal(h) for h in headers]
    return normals.index(name) if name in normals else None


def encoding_name(encoding: str | None) -> str | None:
    """The codec `--encoding` names (None: decide from the file); refused unless it decodes text."""
    if encoding is None:
        return None
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True) or info.name in _NOT_FOR_FILES:
        raise Refused(
            f"--encoding {printable(encoding)} is not a text encoding a file can be written in; "
            "give one such as utf-8, cp1252 or utf-16."
        )
    # Plain UTF-8 reads through a byte-order mark when there is one: it is the same encoding.
    return "utf-8-sig" if info.name == "utf-8" else info.name


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


# One non-blank record: the line (or sheet row) it ends on, and its cells. A plain tuple,
# because a long file makes one per row.
Row = tuple[int, list[str]]


class Table:
    """Rows of text cells with line numbers, blank rows skipped. `first` is the first non-blank
    row (a header row, unless a cohort list has none); iterating gives the rows after it."""

    name: str
    first: Row | None
    # Rows handed out although they cannot be read as the file meant: line -> why (CSV only).
    faults: dict[int, str]
    # What the person should know about how the file was read (a warning), if anything.
    note: str | None = None

    def __iter__(self) -> Iterator[Row]:
        raise NotImplementedError

    def close(self) -> None:
        """Let go of the file."""

    @property
    def headers(self) -> list[str]:
        return [cell.strip().lstrip("\ufeff") for cell in self.first[1]] if self.first else []


class TextLines:
    """The lines of a binary stream as text, ends kept, decoded line by line so that an
    undecodable byte is reported on its own line."""

    def __init__(self, raw: IO[bytes], name: str, encoding: str | None, errors: str) -> None:
        self.raw, self.name, self.errors = raw, name, errors
        self.head = raw.read(_CHUNK)
        while 0 < len(self.head) < 4:  # enough to see a byte-order mark, however the bytes arrive
            more = raw.read(_CHUNK)
            if not more:
                break
            self.head += more
        self.given = encoding is not None
        if encoding is None:
            encoding = _detected(self.head)
        elif (
            encoding in _UTF16
            and self.head  # an empty file is empty in any encoding
            and not self.head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        ):
            encoding = _utf16_order(self.head, encoding, name)
        self.encoding = encoding
        self.lines = 0  # lines handed out so far

    def __iter__(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)(self.errors)
        pending = ""
        chunk = self.head
        while True:
            final = not chunk
            try:
                text = decoder.decode(chunk, final)
            except UnicodeError as error:
                raise self._undecodable(error, pending) from None
            pending += text
            if final:
                cut = len(pending)
            else:  # up to the last line end; a "\r" at the very end may be half of a "\r\n"
                cut = pending.rfind("\n") + 1 or pending.rfind("\r", 0, len(pending) - 1) + 1
            if cut:
                complete, pending = pending[:cut], pending[cut:]
                # str.splitlines also splits at form feeds, U+2028 and the like: only when
                # there are none does its speed give the same lines as CSV's own rule.
                lines = (
                    _LINE.findall(complete) if _OTHER_BREAKS.search(complete) else complete.splitlines(True)
                )
                self.lines += len(lines)
                yield from lines
            if final:
                return
            chunk = self.raw.read(_CHUNK)

    def _undecodable(self, error: UnicodeError, pending: str) -> Refused:
        start = getattr(error, "start", 0)
        data = getattr(error, "object", b"")
        data = data if isinstance(data, bytes) else b""
        before = pending + data[:start].decode(self.encoding, "replace")
        line = self.lines + len(_LINE_ENDS.findall(before)) + 1
        bad = data[start : start + 1]
        byte = f" (byte 0x{bad.hex().upper()})" if bad else ""
        return Refused(
            f"line {line} of {self.name} is not valid {_label(self.encoding)} text{byte}; "
            + _advice(data, self.head, self.encoding, self.given)
        )


def _label(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}.get(
        encoding, encoding
    )


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether `data` is text in `encoding`, allowing a character cut at either end (a read
    may begin or end inside one)."""
    if encoding == "utf-8":
        data = data.lstrip(bytes(range(0x80, 0xC0)))  # continuation bytes of a cut character
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeError:
        return False
    return True


_UTF16 = ("utf-16", "utf-16-le", "utf-16-be")


def _detected(head: bytes) -> str:
    """The codec a file is read in when no --encoding is given: its byte-order mark's, else UTF-8."""
    return next((codec for bom, codec in _BOMS if head.startswith(bom)), "utf-8")


def utf16_order_of(head: bytes) -> str | None:
    """`utf-16-le` or `utf-16-be` when a file's first bytes are UTF-16 text with no byte-order
    mark, else None. A CSV file is mostly ASCII (digits, commas, line ends), which UTF-16 writes
    with a NUL in every other byte: at least half its characters have one, on one side only,
    and the bytes read as that order. Random bytes, or text in any 8-bit encoding, never do."""
    sample = head[: 1 << 12]
    sample = sample[: len(sample) // 2 * 2]
    units = len(sample) // 2
    if not units:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if 2 * odd >= units and 4 * even <= odd:
        order = "utf-16-le"
    elif 2 * even >= units and 4 * odd <= even:
        order = "utf-16-be"
    else:
        return None
    return order if _decodes(sample, order) else None


def _utf16_order(head: bytes, encoding: str, name: str) -> str:
    """The byte order of UTF-16 text with no byte-order mark, told by where its NULs fall:
    `--encoding utf-16` finds it; a codec of the other order, which would read every character
    as another, is refused, and so is text that is not UTF-16 at all (never advising UTF-16)."""
    order = utf16_order_of(head)
    if order is None:
        raise Refused(
            f"the file {name} is not UTF-16 text (it has no byte-order mark, and its bytes are not laid "
            f"out as UTF-16's are), so --encoding {encoding} cannot read it; "
            + _advice(head, head, encoding, given=True)
        )
    if encoding not in ("utf-16", order):
        raise Refused(
            f"the file {name} is UTF-16 in the other byte order ({order}), so --encoding {encoding} would misread "
            "every character; give --encoding utf-16 and the order is found from the file."
        )
    return order


def _advice(data: bytes, head: bytes, encoding: str, given: bool) -> str:
    """What to do about bytes that `encoding` cannot read (`data`: the part of the file read
    when it failed; `head`: the file's first bytes). Only advice that works when followed:
    each encoding named reads these bytes, none is the one already in use, and a file that is
    valid UTF-8 is never told to use cp1252."""
    codec = codecs.lookup(encoding).name
    detected = _detected(head)
    if given and detected != "utf-8" and codecs.lookup(detected).name != codec:
        by_mark = next(bom for bom, each in _BOMS if each == detected and head.startswith(bom))
        if _decodes(data, _order_of_mark(by_mark)):
            return f"it begins with a {_label(detected)} byte-order mark, so leave out --encoding."
    if detected == "utf-8" and codec not in _UTF16 and utf16_order_of(head) is not None:
        return "it looks like UTF-16 text, so give --encoding utf-16."
    if b"\x00" not in data and _decodes(data, "utf-8"):
        if given and detected == "utf-8" and codec not in ("utf-8", "utf-8-sig"):
            return "it reads as UTF-8, so leave out --encoding."
    elif codec != "cp1252" and b"\x00" not in data and _decodes(data, "cp1252"):
        return "if it came from an older spreadsheet, give --encoding cp1252."
    return (
        "it reads as none of UTF-8, UTF-16 and cp1252, so check that it is the CSV file you meant, "
        "or give --encoding with the encoding it was saved in."
    )


def _order_of_mark(bom: bytes) -> str:
    """The codec of a byte-order mark's own byte order, which reads any part of the file."""
    return {
        codecs.BOM_UTF32_LE: "utf-32-le",
        codecs.BOM_UTF32_BE: "utf-32-be",
        codecs.BOM_UTF8: "utf-8",
        codecs.BOM_UTF16_LE: "utf-16-le",
        codecs.BOM_UTF16_BE: "utf-16-be",
    }[bom]


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
            if self._text.encoding not in _UTF16 and utf16_order_of(self._text.head) is not None:
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


# A workbook saved with a password is an OLE compound file, as an old .xls is, holding the
# encrypted .xlsx as a stream of this name.
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def spreadsheet_kind(head: bytes) -> str | None:
    """What a file that is not text is, by its first bytes, when a spreadsheet wrote it."""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if _ENCRYPTED in head:
            return "a workbook saved with a password"
        return "an old Excel workbook (.xls)"
    if head.startswith(_WORKBOOK_MAGIC):
        if b"mimetypeapplication/vnd.oasis.opendocument" in head[:100]:
            return "an OpenDocument spreadsheet (.ods)"
        return "a workbook or other zip archive"
    return None


def unreadable(name: str, kind: str, saved_as: str) -> str:
    """Why a spreadsheet file of another `kind` is not read, and what to do."""
    if kind == "a workbook saved with a password":
        return (
            f"cannot read {name}: it is {kind}; open it, remove the password (in Excel: File, Info, "
            f"Protect Workbook), and save it as {saved_as}."
        )
    return f"cannot read {name}: it is {kind}; open it and save it as {saved_as}."


class WorkbookTable(Table):
    """The first sheet (or a named one) of an `.xlsx` workbook, as text cells: a date cell is
    its ISO date, a whole number its digits, a formula its last computed value.

    The sheet is read once, for its saved values (openpyxl's read-only mode, one row at a
    time). A formula whose value was never saved (a workbook written by a program and never
    opened in a spreadsheet) reads as empty; only when an empty cell must be explained is the
    sheet read again, once, for its formulas, so that the refusal can name the formula.
    """

    def __init__(self, source: IO[bytes], name: str, sheet: str | None) -> None:
        from zipfile import BadZipFile

        import openpyxl  # only when a workbook is read: `check` never needs it

        self.name = name
        self.faults = {}
        self._source = source
        self._formulas: dict[int, dict[int, str]] | None = None
        self._scientific: dict[tuple[int, int], int] | None = None
        try:
            self._book = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except (BadZipFile, KeyError, ValueError, OSError, EOFError) as error:
            source.seek(0)
            if (kind := spreadsheet_kind(source.read())) not in (None, "a workbook or other zip archive"):
                raise Refused(unreadable(name, kind, ".xlsx or CSV")) from None
            raise Refused(
                f"cannot read {name} as a workbook ({error}); open it and save it again as .xlsx."
            ) from None
        names = self._book.sheetnames
        if sheet is None:
            # The first sheet a person sees: a hidden one (a lookup table) is never the list.
            shown_sheets = [each for each in self._book.worksheets if each.sheet_state == "visible"]
            self._sheet = (shown_sheets or self._book.worksheets)[0]
        elif sheet in names:
            self._sheet = self._book[sheet]
        else:
            self.close()
            raise Refused(
                f"--sheet {printable(sheet)}: {name} has no such sheet; its sheets are {shown(names)}."
            )
        # The size a sheet records for itself can be wrong (openpyxl's documentation warns of
        # programs that write it so); read every row the sheet holds, not the rows it claims.
        self._sheet.reset_dimensions()
        if hidden := _hidden_rows(source, self._sheet.title):
            self.close()
            rows = ", ".join(map(str, hidden[:5])) + (
                f" and {len(hidden) - 5} more" if len(hidden) > 5 else ""
            )
            raise Refused(
                f"the sheet {self._sheet.title!r} of {name} has hidden rows ({rows}), filtered out or hidden "
                "by hand, and an import reads every row; show them and delete the students you do not "
                "mean, save, and import again."
            )
        self._rows_iter = self._rows()
        self.first = next(self._rows_iter, None)

    def _rows(self) -> Iterator[Row]:
        for number, values in enumerate(self._sheet.iter_rows(values_only=True), start=1):
            cells = WorkbookRow(self, number, map(_cell_text, values))
            for column, value in enumerate(values):
                if _may_be_rounded(value) and (shown := self._rounded_at(number, column, value)):
                    cells[column] = shown
            while cells and not cells[-1].strip():
                cells.pop()
            if cells:
                yield number, cells
            elif formulas := self._formulas_in(number):
                # Every cell empty, but not every cell blank: formulas with no saved value.
                yield number, WorkbookRow(self, number, [""] * (max(formulas) + 1))

    def _rounded_at(self, row: int, column: int, value: float) -> str | None:
        """`2.01E+08` when the cell at `row`, `column` shows `value` in a scientific format that
        shows every digit it has: typed, or read from a CSV file, as `2.01E+08`, it may be what a
        spreadsheet made of 201234567, and it is shown as the spreadsheet shows it, so that it
        is refused as such. A cell that holds more digits than it shows (201234567 shown as
        2.01E+08) holds the whole number, and is its digits. The formats are read (the first
        time) in a second pass over the sheet, which only such a number costs."""
        if self._scientific is None:
            self._scientific = {}
            for number, cells in enumerate(self._sheet.iter_rows(), start=1):
                for index, cell in enumerate(cells):
                    if _may_be_rounded(getattr(cell, "value", None)) and (
                        digits := _scientific_digits(str(getattr(cell, "number_format", "")))
                    ):
                        self._scientific[(number, index)] = digits
        digits = self._scientific.get((row, column))
        if digits is None or _significant_digits(value) > digits:
            return None
        return f"{value:.{digits - 1}E}"

    def formula_at(self, row: int, column: int) -> str | None:
        """The formula written in the cell at `row` (from 1) and `column` (from 0), if any."""
        return self._formulas_in(row).get(column)

    def _formulas_in(self, row: int) -> dict[int, str]:
        """The formulas written in `row`, by column, read (the first time) from a second pass
        over the sheet, which only an empty cell that must be explained costs."""
        if self._formulas is None:
            from zipfile import BadZipFile

            import openpyxl

            self._formulas = {}
            # Asked after the rows were read and the table closed: a file is opened again (the
            # values came from the first pass; this only explains them, so a file gone or
            # changed since leaves the plain refusal).
            try:
                source = open(self._source.name, "rb") if self._source.closed else self._source  # noqa: SIM115
            except OSError:
                return {}
            try:
                source.seek(0)
                book = openpyxl.load_workbook(source, read_only=True, data_only=False)
            except (OSError, BadZipFile, KeyError, ValueError, EOFError):
                if source is not self._source:
                    source.close()
                return {}
            try:
                sheet = book[self._sheet.title]
                sheet.reset_dimensions()
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    written = {
                        column: text
                        for column, value in enumerate(values)
                        if value is not None and (text := _formula_text(value))
                    }
                    if written:
                        self._formulas[number] = written
            finally:
                book.close()
                if source is not self._source:
                    source.close()
        return self._formulas.get(row, {})

    def __iter__(self) -> Iterator[Row]:
        return self._rows_iter

    def close(self) -> None:
        self._book.close()
        # A workbook from standard input is held in memory (or is standard input itself): kept,
        # so that `formula_at` can still read it.
        if not isinstance(self._source, io.BytesIO) and self._source is not getattr(
            sys.stdin, "buffer", None
        ):
            self._source.close()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_HIDDEN = re.compile(rb"\bhidden=[\"'](?:1|true)[\"']")
_NUMBER = re.compile(rb"\br=[\"'](\d+)[\"']")


def _hidden_rows(source: IO[bytes], title: str) -> list[int]:
    """The numbers of the rows of sheet `title` that a person does not see: hidden by hand or
    by a filter. openpyxl's read-only mode does not say; the sheet's own XML does, read here as
    the Office Open XML standard lays the package out (workbook, its relationships, the sheet)."""
    import posixpath
    import zipfile
    from xml.etree import ElementTree

    source.seek(0)
    try:
        with zipfile.ZipFile(source) as package:
            book = ElementTree.fromstring(package.read("xl/workbook.xml"))
            ident = next(
                (
                    each.get(f"{{{_RELATIONSHIPS}}}id")
                    for each in book.iter(f"{{{_MAIN}}}sheet")
                    if each.get("name") == title
                ),
                None,
            )
            links = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
            target = next((each.get("Target") for each in links if each.get("Id") == ident), None)
            if target is None:
                return []
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
            data = package.read(path)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return []  # laid out otherwise: openpyxl read it, and this cannot tell
    finally:
        source.seek(0)
    hidden = []
    for row in _ROW.finditer(data):
        if _HIDDEN.search(row[1]) and (number := _NUMBER.search(row[1])):
            hidden.append(int(number[1]))
    return hidden


class WorkbookRow(list[str]):
    """The cells of a workbook row, which know where they came from: a cell that reads as
    empty may hold a formula whose value was never saved (`formula_at`)."""

    def __init__(self, table: WorkbookTable, number: int, cells: Iterable[str]) -> None:
        super().__init__(cells)
        self.table = table
        self.number = number


def _formula_text(value: object) -> str | None:
    """A formula as openpyxl reads it (`=C2+7`, or an array formula), else None."""
    if isinstance(value, str):
        return value if value.startswith("=") and len(value) > 1 else None
    text = getattr(value, "text", None)  # openpyxl's ArrayFormula and DataTableFormula
    return str(text) if text else None


def unsaved_formula(cells: list[str], at: int, what: str) -> Refused | None:
    """The refusal for the cell at `at` of a row when it reads as empty because it holds a
    formula whose value was never saved (only a workbook's cells can)."""
    if not isinstance(cells, WorkbookRow) or (formula := cells.table.formula_at(cells.number, at)) is None:
        return None
    return Refused(
        f"the {what} is a formula ({formula}) with no saved value, so it reads as empty; open the "
        "workbook in a spreadsheet program (Excel, LibreOffice) and save it, then import it again."
    )


_SCIENTIFIC = re.compile(r"([0#?.,]+)E[+-]", re.IGNORECASE)


def _may_be_rounded(value: object) -> TypeGuard[float]:
    """Whether a cell's value is a long whole number with few significant digits (201000000),
    as `2.01E+08` typed into, or read by, a spreadsheet becomes."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and abs(value) >= 1_000_000
        and float(value).is_integer()
        and _significant_digits(value) <= 6
    )


def _significant_digits(value: float) -> int:
    return len(str(abs(int(value))).rstrip("0"))


def _scientific_digits(number_format: str) -> int | None:
    """How many significant digits a scientific number format shows (`0.00E+00`: 3)."""
    match = _SCIENTIFIC.search(number_format)
    return sum(ch in "0#?" for ch in match[1]) if match else None


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export would hold, but exact."""
    if isinstance(value, str):  # most cells: first, as this runs for every cell of the sheet
        return value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(head: bytes) -> bool:
    """Whether a file's first bytes are text (CSV), not a workbook or other binary file."""
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return True
    return bool(head) and spreadsheet_kind(head) is None and b"\x00" not in head


def is_workbook_name(path: str) -> bool:
    return path.lower().endswith(_WORKBOOK_SUFFIXES)


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
            head = raw.read(_CHUNK)
            raw.seek(0)
            named = is_workbook_name(path)
            if head.startswith(_WORKBOOK_MAGIC) or (named and not _text(head)):
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
