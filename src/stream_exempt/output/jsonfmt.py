"""`json` (one array, written element by element) and `jsonl` (one object a line): streamed.

Every `json` output of every command has one layout (SPEC 10): the outermost array or object
opens and closes on lines of its own and holds one element (or member) a line, indented two
spaces; each element is written compactly, with `,` and `:` and no spaces (as SQLite's
`json_object` writes the rows of `list`, which therefore pass through as they are).
`jsonl` is one compact object a line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from itertools import islice
from typing import IO, Any

from stream_exempt.output.results import Document, Table


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


SEPARATORS = (",", ":")


def dumps(value: Any) -> str:
    """One value, compactly (the separators of every JSON output), UTF-8 text as it is."""
    return json.dumps(value, ensure_ascii=False, separators=SEPARATORS, default=_default)


def laid_out(value: Any) -> str:
    """A whole `json` output in the one layout: an object or array one member or element a line."""
    if isinstance(value, dict) and value:
        return "{\n" + ",\n".join(f"  {dumps(str(key))}:{dumps(item)}" for key, item in value.items()) + "\n}"
    if isinstance(value, list | tuple) and value:
        return "[\n" + ",\n".join("  " + dumps(item) for item in value) + "\n]"
    return dumps(value)


def _objects(table: Table) -> Iterator[str]:
    """Each item as one JSON object: as the source wrote it, or from `machine(item)`."""
    if table.json is not None:
        return map(table.json, table.items)
    fields, machine = table.fields, table.machine
    return (dumps(dict(zip(fields, machine(item), strict=True))) for item in table.items)


CHUNK = 1000  # objects written to the output at once: one write each, not one per object


def array(table: Table, out: IO[str]) -> None:
    """`[]`, or `[`, one object a line, `]`: valid JSON without holding every row in memory."""
    objects = _objects(table)
    first = next(objects, None)
    if first is None:
        out.write("[]\n")
        return
    out.write("[\n  " + first)
    while chunk := list(islice(objects, CHUNK)):
        out.write(",\n  " + ",\n  ".join(chunk))
    out.write("\n]\n")


def lines(table: Table, out: IO[str]) -> None:
    objects = _objects(table)
    while chunk := list(islice(objects, CHUNK)):
        out.write("\n".join(chunk) + "\n")


def document(answer: Document, out: IO[str]) -> None:
    out.write(laid_out(answer.value) + "\n")


def document_line(answer: Document, out: IO[str]) -> None:
    """One answer as `jsonl`: one line."""
    out.write(dumps(answer.value) + "\n")
