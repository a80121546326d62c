"""Reading tables from files: cohort lists for `bulk` and notification feeds for `check --file`.

Spreadsheets write files in many shapes: UTF-8 with or without a byte-order mark, UTF-16 with
one, cp1252 from older programs, blank lines, `.xlsx` workbooks. This package turns each into
rows of text cells numbered by the line (or sheet row) they came from, and finds columns by
their usual names. Its rooms:

- `columns`: finding columns by their usual names (student ID, date).
- `encodings`: which codec a file is read in, its lines decoded one by one, and advice.
- `table`: the `Table` every file is read as, and what a non-text file is.
- `delimited`: CSV records, with a quoted cell left open found (and, for a feed, recovered).
- `workbook`: `.xlsx` sheets (openpyxl, imported only when a workbook is read) and their XML.
- `opening`: `open_table`, which picks one of them for a path.
"""

from stream_exempt.csvio.columns import (
    DATE_HEADER,
    ID_HEADERS,
    find_column,
    named_column,
    normal,
    optional_column,
    shown,
    words,
)
from stream_exempt.csvio.encodings import TextLines, encoding_name
from stream_exempt.csvio.opening import open_table
from stream_exempt.csvio.table import Row, Table
from stream_exempt.csvio.workbook import WorkbookRow, unsaved_formula

__all__ = [
    "DATE_HEADER",
    "ID_HEADERS",
    "Row",
    "Table",
    "TextLines",
    "WorkbookRow",
    "encoding_name",
    "find_column",
    "named_column",
    "normal",
    "open_table",
    "optional_column",
    "shown",
    "unsaved_formula",
    "words",
]
