"""What every family of words shares: a line on standard output, a card of facts, counts
in words, and the reporter for notes and warnings on standard error."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from stream_exempt.dates import show
from stream_exempt.errors import escaped
from stream_exempt.output.reporter import Reporter

notes = Reporter()  # notes and warnings, on standard error


def out(text: str) -> None:
    """A line (or lines) for people on standard output, the control characters of names from
    outside in each line escaped (SPEC 10)."""
    print("\n".join(map(escaped, text.split("\n"))))


def out_lines(lines: Iterable[str]) -> None:
    """Line by line: one huge write into a pipe can fail silently."""
    sys.stdout.writelines(lines)


def card(heading: str, facts: Sequence[tuple[str, str]]) -> str:
    """A heading and `label  value` lines under it, the values aligned."""
    return "\n".join([heading, *(f"  {label:<15}{value}" for label, value in facts)])


def days(start: date, end: date) -> str:
    count = (end - start + timedelta(days=1)).days
    return f"{show(start)} to {show(end)} ({count:,} day{'s' if count != 1 else ''})"


def exemptions(number: int) -> str:
    """`1 exemption`, `20 exemptions`."""
    return f"{number:,} exemption{'s' if number != 1 else ''}"
