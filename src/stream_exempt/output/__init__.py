"""Every output in one place: what commands found or did, and the one renderer that writes it.

Commands return what they found or did (`outcomes`), or a `Table` (rows of records: list,
history, types, batches...) or a `Document` (one answer: check, doctor, summary...) in a format
(`Shown`); `render_result()` is the one way in, and writes it in a format of the registry
(`registry.FORMATS`, whose keys are the `--format` choices). Write failures
are not handled here: standard output is guarded by the command line (`cli/streams.py`),
which turns them into exit 74 or 141 and says what was recorded. Nothing here imports the
command line, the core or the store: beside itself, only the vocabulary (`model`, `dates`,
`errors`, `types`); what the core words comes in the result (tests/test_layers.py).

Rich and tabulate are imported only by the formats that use them, so `check` and `--help`
start without them. User text is always passed to Rich as `Text`, never parsed as markup.
"""

from __future__ import annotations

from stream_exempt.output.registry import (
    ANSWER_FORMATS,
    CHECK_FORMATS,
    FEED_FORMATS,
    FORMATS,
    TABLE_FORMATS,
    VIEW_FORMATS,
    render,
    render_result,
    to_terminal,
)
from stream_exempt.output.results import Document, Table, listed, record

__all__ = [
    "ANSWER_FORMATS",
    "CHECK_FORMATS",
    "FEED_FORMATS",
    "FORMATS",
    "TABLE_FORMATS",
    "VIEW_FORMATS",
    "Document",
    "Table",
    "listed",
    "record",
    "render",
    "render_result",
    "to_terminal",
]
