"""The rows of an `.xlsx` sheet, read with openpyxl: imported only when a workbook is read
(`check`, run by cron, never needs it).

openpyxl reads a sheet either for its saved values or for its formulas, one whole pass of the
sheet each. A cohort list needs the values, and the formula of a cell only when the cell has
no saved value (a workbook written by a program and never opened in a spreadsheet), so that
the refusal can say so. Two passes doubled the time of a workbook import; here openpyxl's own
sheet parser is given both in one pass, and reads strings held in the cells without building
rich-text objects (`benchmarks/bench.py workbook`: a workbook import within 4x of the same rows
as CSV). Its parser and the attributes it is built from are openpyxl internals (stable from 3.0
to 3.1): the workbook tests in tests/test_file_shapes.py fail if they change.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import IO, Any

import openpyxl
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

_TEXT = f"{{{SHEET_MAIN_NS}}}t"
_RUN = f"{{{SHEET_MAIN_NS}}}r"


class NoSavedValue:
    """A formula cell with no saved value: its formula (`=C2+7`), as written."""

    __slots__ = ("formula",)

    def __init__(self, formula: str) -> None:
        self.formula = formula


def load(source: IO[bytes]) -> Workbook:
    """A workbook opened for reading its saved values, one row at a time."""
    return openpyxl.load_workbook(source, read_only=True, data_only=True)


class _ValuesAndFormulas(WorkSheetParser):
    """openpyxl's parser of a sheet's XML, giving each cell's saved value and, for a formula
    cell with none, the formula as a `NoSavedValue`."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        inline = element.find(INLINE_STRING) if element.get("t") == "inlineStr" else None
        if inline is not None:
            # A string held in the cell itself (as openpyxl and some exporters write them):
            # its text and the text of its rich-text runs, read here because openpyxl builds
            # a whole rich-text object to get it (a third of the time of a sheet of names).
            # openpyxl's parser, not finding it, does the rest (the cell's place).
            element.remove(inline)
            cell = super().parse_cell(element)
            cell["value"] = (inline.findtext(_TEXT) or "") + "".join(
                run.findtext(_TEXT) or "" for run in inline.iterfind(_RUN)
            )
            return cell
        cell = super().parse_cell(element)
        if element.find(FORMULA_TAG) is not None:
            # Every formula is read, so that a shared formula's first cell is known to the
            # cells that copy it.
            formula = _formula_text(self.parse_formula(element))  # type: ignore[no-untyped-call]
            if cell["value"] is None and formula is not None:
                cell["value"] = NoSavedValue(formula)
        return cell


def rows(book: Workbook, sheet: ReadOnlyWorksheet) -> Generator[tuple[int, list[object]]]:
    """Each row of `sheet` that has a cell: its number and its values from column A on (None
    for an empty cell), in one pass over the sheet."""
    with sheet._get_source() as source:  # type: ignore[attr-defined]
        parser = _ValuesAndFormulas(
            source,
            sheet._shared_strings,  # type: ignore[attr-defined]
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,  # type: ignore[attr-defined]
            timedelta_formats=book._timedelta_formats,  # type: ignore[attr-defined]
        )
        for number, cells in parser.parse():
            if not cells:
                continue
            values: list[object] = [None] * max(cell["column"] for cell in cells)
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values


def _formula_text(value: object) -> str | None:
    """A formula as openpyxl reads it (`=C2+7`, or an array formula), else None."""
    if isinstance(value, str):
        return value if value.startswith("=") and len(value) > 1 else None
    text = getattr(value, "text", None)  # openpyxl's ArrayFormula and DataTableFormula
    return str(text) if text else None
