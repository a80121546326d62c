"""The registry of output formats: its keys are the `--format` choices of every command.

One module per format (as Alertmanager's `cli/format/`); each writes a `Table` (rows of
records), a `Document` (one answer), or both. `render()` is the one way out.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import islice
from typing import IO, Any, NamedTuple

from stream_exempt.output.results import Document, Table

TableWriter = Callable[[Table, IO[str]], None]
DocumentWriter = Callable[[Document, IO[str]], None]


class Format(NamedTuple):
    """A way to write results: `module:function` for a Table and for a Document (or None).

    Named, not imported: a format's module (and Rich, tabulate, csv) is imported only when
    that format is used, so that `check` starts fast (and a NamedTuple, cheaper to define than
    a dataclass).
    """

    table: str | None = None
    document: str | None = None

    def writer(self, kind: str) -> Callable[..., None]:
        from importlib import import_module

        where = self.table if kind == "table" else self.document
        assert where is not None
        module, function = where.split(":")
        found: Callable[..., None] = getattr(import_module(f"stream_exempt.output.{module}"), function)
        return found


FORMATS: dict[str, Format] = {  # in the order the SPEC lists them
    "table": Format("rich_table:write", "text:write"),
    "csv": Format("delimited:csv"),
    "tsv": Format("delimited:tsv"),
    "json": Format("jsonfmt:array", "jsonfmt:document"),
    "jsonl": Format("jsonfmt:lines", "jsonfmt:document_line"),
    "markdown": Format("text_table:markdown"),
    "plain": Format("text_table:plain", "text:write"),
    "text": Format(None, "text:write"),
}
MACHINE_FORMATS = ("csv", "tsv", "json", "jsonl")  # read by other programs: always UTF-8
# The choices for a command that returns a Table.
TABLE_FORMATS = tuple(name for name, f in FORMATS.items() if f.table is not None)
# The narrower choices, in the order `--help` lists them: one answer for people or programs
# (check STUDENT_ID, doctor); a feed filtered by `check --file`; `check`, which does either;
# and a view for people or programs (`summary`, `config`).
ANSWER_FORMATS = ("text", "json")
FEED_FORMATS = ("csv", "jsonl")
CHECK_FORMATS = (*ANSWER_FORMATS, *FEED_FORMATS)
VIEW_FORMATS = ("table", "json")


def utf8(stream: Any) -> bool:
    """Whether `stream` encodes text as UTF-8 (or has no encoding of its own to worry about)."""
    import codecs

    name = getattr(stream, "encoding", None)
    if not isinstance(name, str):
        return True
    try:
        return codecs.lookup(name).name == "utf-8"
    except LookupError:
        return False


def to_utf8(stream: Any) -> None:
    """Machine formats (csv, tsv, json, jsonl) are UTF-8 whatever the locale: other programs read them."""
    if not utf8(stream) and hasattr(stream, "reconfigure"):
        stream.reconfigure(encoding="utf-8", errors="strict")


def to_terminal() -> bool:
    """Whether standard output is a terminal (where `list` shows a page of rows at a time)."""
    return sys.stdout.isatty()


def render(result: Table | Document, fmt: str, out: IO[str] | None = None) -> None:
    """Write `result` in format `fmt` (a key of `FORMATS`) to `out` (standard output)."""
    out = out if out is not None else sys.stdout
    chosen = FORMATS[str(fmt)]
    if str(fmt) in MACHINE_FORMATS:
        to_utf8(out)
    if isinstance(result, Document):
        if chosen.document is None:
            raise ValueError(f"{fmt} cannot write a single answer")
        chosen.writer("document")(result, out)
        return
    if chosen.table is None:
        raise ValueError(f"{fmt} cannot write a table")
    write = chosen.writer("table")
    rows = iter(result.items)
    if result.limit is None:
        write(replace(result, items=rows), out)
        return
    shown = 0

    def page() -> Iterator[Any]:  # at most `limit` rows, counted as they stream past
        nonlocal shown
        for row in islice(rows, result.limit):
            shown += 1
            yield row

    write(replace(result, items=page()), out)
    left = result.count() - shown if result.count is not None else sum(1 for _ in rows)
    if left and result.more is not None:
        out.flush()
        print(result.more(left), file=sys.stderr)


def render_result(result: object) -> int:
    """Write what a command returned (a result of `outcomes.py`), each in its format or in
    words for people; the exit code it owes."""
    from stream_exempt.output.results import Shown

    if isinstance(result, Shown):
        render(result.result, result.fmt)
    else:
        from stream_exempt.output.said import WRITERS

        WRITERS[type(result)](result)
    code: int = getattr(result, "exit_code", 0)
    return code
