"""Write examples/placements.xlsx, the README's example workbook, with openpyxl.

    python examples/make_workbook.py

A placement cohort as a support office receives it: a header row with no title above it,
student numbers as text (so a leading zero stays), real date cells shown day-first, and the
ward. The same bytes every time: openpyxl stamps the file with the time it is saved, so the
stamps are set to a fixed moment. No formulas: openpyxl saves none of their values.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
MADE = datetime(2026, 11, 29, 9, 0)
HEADERS = ["Student Number", "Surname", "Forename", "Placement start", "Placement end", "Ward"]
BLOCKS = [date(2027, 9, 6), date(2027, 9, 13)]  # six-week blocks: the end is 41 days on
STUDENTS = [  # student number, surname, forename, block, ward
    ("201234600", "Adeyemi", "Tolu", 0, "Ward 4, Royal Infirmary"),
    ("201234601", "Byrne", "Niamh", 0, "Ward 4, Royal Infirmary"),
    ("201234602", "Chowdhury", "Rahim", 0, "Ward 7, Royal Infirmary"),
    ("012345680", "Davies", "Ffion", 0, "Ward 7, Royal Infirmary"),
    ("201234604", "Evans", "Siân", 0, "Community team, Northside"),
    ("201234605", "Fernández", "Lucía", 1, "Ward 12, St Mary's"),
    ("201234606", "Gallagher", "Conor", 1, "Ward 12, St Mary's"),
    ("201234607", "Hughes", "Megan", 1, ""),
]


def workbook() -> bytes:
    """The workbook's bytes."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Placements"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, surname, forename, block, ward in STUDENTS:
        start = BLOCKS[block]
        sheet.append([number, surname, forename, start, start + timedelta(days=41), ward or None])
    for row in sheet.iter_rows(min_row=2):
        row[0].number_format = "@"  # text, as a student-number column should be formatted
        row[3].number_format = row[4].number_format = "DD/MM/YYYY"
    for column, width in zip("ABCDEF", (16, 12, 10, 16, 16, 26), strict=True):
        sheet.column_dimensions[column].width = width
    book.properties.creator = "examples/make_workbook.py"
    book.properties.created = MADE
    saved = io.BytesIO()
    book.save(saved)
    return _stamped(saved.getvalue())


def _stamped(data: bytes) -> bytes:
    """The same archive with every time stamp (the zip entries', the document's modified
    time) set to MADE."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                start = text.index("<dcterms:modified")
                end = text.index("</dcterms:modified>") + len("</dcterms:modified>")
                stamp = f'<dcterms:modified xsi:type="dcterms:W3CDTF">{MADE.isoformat()}Z</dcterms:modified>'
                content = (text[:start] + stamp + text[end:]).encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=MADE.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


if __name__ == "__main__":
    (HERE / "placements.xlsx").write_bytes(workbook())
