"""The ways a command can fail, each with its exit code (SPEC section 7), and how a message
quotes a value the user gave."""

from __future__ import annotations

import re
from functools import cache

# A value quoted in a message is shortened past this many characters (SPEC 10).
SHORTEN_PAST = 80


class StreamExemptError(Exception):
    """Base of every error the command line turns into an `Error:` line and an exit code."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Refused(StreamExemptError):
    """Input refused: a value that does not parse or a rule (R1-R7) that forbids it."""

    exit_code = 2


class NotFound(StreamExemptError):
    """No such exemption or batch."""

    exit_code = 3


class StoreUnusable(StreamExemptError):
    """The store cannot be used: unreadable, not a store, newer schema, or locked too long."""

    exit_code = 4


class NoStoreYet(StoreUnusable):
    """A reading command found no store where one was expected (an empty PostgreSQL database):
    a dry run checks as if against an empty store instead (SPEC 10)."""


class OutputFailed(StreamExemptError):
    """Standard output could not be written: a full disk, a closed stream."""

    exit_code = 74  # EX_IOERR


class ReaderGone(StreamExemptError):
    """The reader of standard output went away (a broken pipe, as `| head -1`)."""

    exit_code = 141  # 128 + SIGPIPE, as a shell reports a tool killed by it


@cache
def control_characters() -> re.Pattern[str]:
    """C0 and C1 controls, DEL, the line and paragraph separators (which break a line as \\n
    does), and the Unicode format characters that reorder text (bidi marks). Compiled on first
    use: most commands quote nothing."""
    return re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escaped(text: str) -> str:
    """Text from outside (a file name, a reason, a cell, a whole message) with its control
    characters shown as escapes (`\\x1b`, `\\n`, `\\u202e`): printed raw, they would move the
    cursor, restyle the terminal, or end a line or a row."""
    control = control_characters()
    if control.search(text) is None:
        return text
    return control.sub(lambda match: ascii(match[0])[1:-1], text)


def printable(text: str, limit: int = SHORTEN_PAST) -> str:
    """A value the user gave, quoted for a message: control characters made visible, and past
    `limit` characters shortened, with its length: `'2011111…' (2,000,000 characters)`."""
    control = control_characters()
    if len(text) <= limit:
        return ascii(text) if control.search(text) else repr(text)
    head = text[: limit - 1]
    quoted = ascii(head) if control.search(head) else repr(head)
    return f"{quoted[:-1]}…{quoted[-1]} ({len(text):,} characters)"
