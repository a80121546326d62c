"""`json` (one array, written element by element) and `jsonl` (one object a line): streamed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import IO, Any

from stream_exempt.output.results import Document, Table


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_default)


def _objects(table: Table) -> Iterator[str]:
    """Each item as one JSON object: as the source wrote it, or from `machine(item)`."""
    if table.json is not None:
        return map(table.json, table.items)
    fields, machine = table.fields, table.machine
    return (dumps(dict(zip(fields, machine(item), strict=True))) for item in table.items)


def array(table: Table, out: IO[str]) -> None:
    """`[]`, or `[`, one object a line, `]`: valid JSON without holding every row in memory."""
    separator = "[\n  "
    for text in _objects(table):
        out.write(separator + text)
        separator = ",\n  "
    out.write("[]\n" if separator.startswith("[") else "\n]\n")


def lines(table: Table, out: IO[str]) -> None:
    out.writelines(text + "\n" for text in _objects(table))


def document(answer: Document, out: IO[str]) -> None:
    out.write(dumps(answer.value) + "\n")
