"""Workbooks (`.xlsx`): a sheet read as text cells with openpyxl (imported only when a workbook
is read), and what openpyxl does not say read from the workbook's own XML (hidden rows)."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO, TypeGuard

from stream_exempt.csvio.columns import shown
from stream_exempt.csvio.table import Row, Table, spreadsheet_kind, unreadable
from stream_exempt.errors import Refused, printable


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
