"""Every output in one place: what commands found or did, and the one renderer that writes it.

Commands return a `Table` (rows of records: list, history, types, batches...) or a
`Document` (one answer: check, doctor, summary...), and `render()` writes it in a format of
the registry (`registry.FORMATS`, whose keys are the `--format` choices). Write failures
are not handled here: standard output is guarded by the command line (`cli/streams.py`),
which turns them into exit 74 or 141 and says what was recorded. Nothing here imports the
command line, the core or the store: beside itself, only the vocabulary (`model`, `dates`,
`errors`, `types`); what the core words comes in the result (tests/test_layers.py).

Rich and tabulate are imported only by the formats that use them, so `check` and `--help`
start without them. User text is always passed to Rich as `Text`, never parsed as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from stream_exempt.output.delimited import defuse

# Loaded on first use, so that `check` starts without them: name -> (module, name there).
_LAZY = {"defuse": ("delimited", "defuse")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        module, attribute = _LAZY[name]
        return getattr(import_module(f"stream_exempt.output.{module}"), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ANSWER_FORMATS",
    "CHECK_FORMATS",
    "FEED_FORMATS",
    "FORMATS",
    "TABLE_FORMATS",
    "VIEW_FORMATS",
    "Document",
    "Table",
    "defuse",
    "listed",
    "record",
    "render",
    "render_result",
    "to_terminal",
]
