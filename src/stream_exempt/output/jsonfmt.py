"""`json` (one array, written element by element) and `jsonl` (one object a line): streamed."""

from __future__ import annotations

import json
from datetime import date
from typing import IO, Any

from stream_exempt.output.results import Document, Table


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_default)


def array(table: Table, out: IO[str]) -> None:
    """`[]`, or `[`, one object a line, `]`: valid JSON without holding every row in memory."""
    fields, machine = table.fields, table.machine
    separator = "[\n  "
    for item in table.items:
        out.write(separator + dumps(dict(zip(fields, machine(item), strict=True))))
        separator = ",\n  "
    out.write("[]\n" if separator.startswith("[") else "\n]\n")


def lines(table: Table, out: IO[str]) -> None:
    fields, machine = table.fields, table.machine
    for item in table.items:
        out.write(dumps(dict(zip(fields, machine(item), strict=True))) + "\n")


def document(answer: Document, out: IO[str]) -> None:
    out.write(dumps(answer.value) + "\n")
