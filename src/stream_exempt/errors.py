"""The ways a command can fail, each with its exit code (SPEC section 7)."""

from __future__ import annotations


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
