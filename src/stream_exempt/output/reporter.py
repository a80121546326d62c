"""What a command says on standard error while it works: notes, warnings, a table of refused
rows, a progress bar, a question. Given to the command (`Session.report`), so that no command
module writes to a stream itself; what it says once the work is done is in its result. How a
question is asked on the terminal is the command line's business: it hands in `ask`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

from stream_exempt.output.results import visible

T = TypeVar("T")


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _to_stderr(line: str) -> None:
    """One line on stderr, after what is already written to stdout has gone out: the two appear
    in the order written (also when both go to one file), and output that cannot be written is
    found before a note that would follow it, whether or not stdout is buffered."""
    sys.stdout.flush()
    print(line, file=sys.stderr)


class Reporter:
    """Standard error, for people, while a command works; `ask` puts a yes-or-no question to
    the person (without it, the reporter only tells)."""

    def __init__(self, ask: Callable[[str], bool] | None = None) -> None:
        self._ask = ask

    def note(self, message: str) -> None:
        """Progress and summaries meant for people, away from the data on stdout (one line:
        control characters of names from outside escaped, SPEC 10)."""
        _to_stderr(visible(message))

    def warn(self, message: str) -> None:
        """A warning (control characters of names from outside escaped: SPEC 10)."""
        _to_stderr(f"Warning: {visible(message)}")

    def rows(self, headings: Sequence[str], rows: Iterable[Sequence[str]], title: str) -> None:
        """Rows of plain text under `headings` as a table (never losing a value): the rows a
        refusal is about, before its `Error:` sentence."""
        from stream_exempt.output.rich_table import write_rows

        write_rows(headings, rows, stderr=True, title=title)

    def progress(self, rows: list[T], description: str) -> Iterable[T]:
        """`rows`, with a progress bar while they are gone through, when stderr is a terminal."""
        if not _stderr_is_terminal():
            return rows
        from rich.progress import track

        from stream_exempt.output.rich_table import console

        return track(
            rows, description=description, console=console(stderr=True, terminal=True), transient=True
        )

    def working(self, description: str) -> AbstractContextManager[object]:
        """A spinner while something long is done, when stderr is a terminal."""
        if not _stderr_is_terminal():
            return nullcontext()
        from stream_exempt.output.rich_table import console

        return console(stderr=True, terminal=True).status(description)  # type: ignore[no-any-return]

    def confirm(self, question: str) -> bool:
        """A yes-or-no question on stderr; no unless the person says yes."""
        if self._ask is None:
            raise RuntimeError("this reporter was made without a way to ask a question")
        return self._ask(question)
