"""Every output in one place: what commands found or did, and the one renderer that writes it.

Commands return a `Table` (rows of records: list, history, types, batches...) or a
`Document` (one answer: check, doctor, summary...), and `render()` writes it in a format of
the registry (`registry.FORMATS`, whose keys are the `--format` choices). Write failures
are not handled here: standard output is guarded by the command line (`cli/streams.py`),
which turns them into exit 74 or 141 and says what was recorded.

Rich and tabulate are imported only by the formats that use them, so `check` and `--help`
start without them. User text is always passed to Rich as `Text`, never parsed as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stream_exempt.output.registry import DOCUMENT_FORMATS, FORMATS, TABLE_FORMATS, render
from stream_exempt.output.results import Document, Table, exemptions, listed

if TYPE_CHECKING:
    from stream_exempt.output.compat import (
        HEADINGS,
        LIST_FORMATS,
        console,
        defuse,
        human_row,
        record,
        write_exemptions,
        write_json,
        write_records,
        write_rich_table,
        write_text_table,
    )

# The older writers (`write_*`), loaded on first use: `check` starts without them.
_COMPAT = frozenset(
    {
        "HEADINGS",
        "LIST_FORMATS",
        "console",
        "defuse",
        "human_row",
        "record",
        "write_exemptions",
        "write_json",
        "write_records",
        "write_rich_table",
        "write_text_table",
    }
)


def __getattr__(name: str) -> Any:
    if name in _COMPAT:
        from stream_exempt.output import compat

        return getattr(compat, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DOCUMENT_FORMATS",
    "FORMATS",
    "HEADINGS",
    "LIST_FORMATS",
    "TABLE_FORMATS",
    "Document",
    "Table",
    "console",
    "defuse",
    "exemptions",
    "human_row",
    "listed",
    "record",
    "render",
    "write_exemptions",
    "write_json",
    "write_records",
    "write_rich_table",
    "write_text_table",
]
