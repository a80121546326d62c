"""A table read from a file: rows of text cells numbered by the line (or sheet row) they came
from, and what a file that is not text is, when a spreadsheet wrote it."""

from __future__ import annotations

from collections.abc import Iterator

WORKBOOK_MAGIC = b"PK\x03\x04"  # a zip archive, which is what an .xlsx file is


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


# A workbook saved with a password is an OLE compound file, as an old .xls is, holding the
# encrypted .xlsx as a stream of this name.
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def spreadsheet_kind(head: bytes) -> str | None:
    """What a file that is not text is, by its first bytes, when a spreadsheet wrote it."""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if _ENCRYPTED in head:
            return "a workbook saved with a password"
        return "an old Excel workbook (.xls)"
    if head.startswith(WORKBOOK_MAGIC):
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
