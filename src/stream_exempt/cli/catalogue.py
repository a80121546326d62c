"""`types`: the five exemption types."""

import sys
from enum import StrEnum
from typing import Annotated

import typer

from stream_exempt import output
from stream_exempt.types import TYPES


class TypesFormat(StrEnum):
    table = "table"
    plain = "plain"
    json = "json"


def types_(
    fmt: Annotated[
        TypesFormat, typer.Option("--format", "-f", case_sensitive=False, help="How to show them.")
    ] = TypesFormat.table,
) -> None:
    """List the five exemption types: code, label and meaning.

    Example: stream-exempt types --format plain
    """
    rows = [[t.code, t.label, t.meaning] for t in TYPES]
    headings = ("Code", "Label", "Meaning")
    if fmt is TypesFormat.json:
        output.write_json([dict(zip(("code", "label", "meaning"), row, strict=True)) for row in rows])
    elif fmt is TypesFormat.plain:
        output.write_text_table(headings, rows, "plain", sys.stdout)
    else:
        output.write_rich_table(headings, rows)
