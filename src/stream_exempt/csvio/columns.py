"""Column naming: finding the student-ID, date and other columns of a table by their usual names."""

from __future__ import annotations

import re
from collections.abc import Sequence

from stream_exempt.errors import Refused, printable

# Usual names of the student-ID column, compared as `words` joined (SPEC section 7).
ID_HEADERS = ("studentid", "studentnumber", "studentno", "sid", "id")
DATE_HEADER = "date"


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
