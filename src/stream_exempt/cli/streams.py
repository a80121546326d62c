"""The three standard streams as a Unix tool expects them (SPEC 7, the paragraph under the exit codes).

- A closed standard input reads as empty and is no terminal.
- A write to standard output that fails becomes `OutputFailed` (exit 74), or `ReaderGone`
  (exit 141) when the reader went away; a closed standard output is a failed write.
- A closed standard error swallows what is written to it: errors never go to standard output.

Which encoding an output is written in is the output room's (`output/registry.py`: `utf8`, `to_utf8`).
"""

from __future__ import annotations

import errno
import os
import sys
from typing import IO, Any

from stream_exempt.errors import OutputFailed, ReaderGone
from stream_exempt.output.registry import utf8


def _failure(error: OSError) -> OutputFailed | ReaderGone:
    if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
        return ReaderGone("the reader of the output went away.")
    reason = error.strerror or type(error).__name__
    if error.errno == errno.EBADF:
        reason = "standard output is closed"
    return OutputFailed(f"the output could not be written ({reason}).")


class _Guarded:
    """A stream whose write errors become `OutputFailed` / `ReaderGone`; all else is the stream's."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write(self, data: Any) -> int:
        try:
            return int(self._inner.write(data))
        except OSError as error:
            raise _failure(error) from None

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._inner.flush()
        except OSError as error:
            raise _failure(error) from None
        except ValueError:  # flushed after it was closed
            raise OutputFailed("the output could not be written (standard output is closed).") from None

    @property
    def buffer(self) -> _Guarded:
        return _Guarded(self._inner.buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


_quiet_on_broken_pipe = False


def die_quietly_on_broken_pipe() -> None:
    """In a real process, until something is recorded: let SIGPIPE end the process, as it does
    any Unix tool (exit 141, nothing said). Python ignores SIGPIPE, and then a large write into
    a pipe whose reader has gone can be cut short without any error at all."""
    global _quiet_on_broken_pipe
    import signal

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        _quiet_on_broken_pipe = True


def report_broken_pipe() -> None:
    """Once something is recorded, a broken pipe must be an error that says what was recorded."""
    global _quiet_on_broken_pipe
    if _quiet_on_broken_pipe:
        import signal

        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        _quiet_on_broken_pipe = False


def _reopen(fd: int, read_only: bool) -> IO[str]:
    """Put /dev/null on a closed descriptor, so no file opened later takes its number."""
    new = os.open(os.devnull, os.O_RDONLY if read_only else os.O_WRONLY)
    if new != fd:
        os.dup2(new, fd)
        os.close(new)
    return open(fd, "r" if fd == 0 else "w", closefd=False, encoding="utf-8")


def prepare() -> tuple[Any, Any]:
    """Make closed streams safe and guard standard output; returns what to put back afterwards."""
    if sys.stdin is None:  # closed when the process started: empty, and no terminal
        sys.stdin = _reopen(0, read_only=True)
    if sys.stdout is None:  # closed: /dev/null opened read-only, so every write fails (74)
        sys.stdout = _reopen(1, read_only=True)
    if sys.stderr is None:  # closed: what is written there is lost, never sent to stdout
        sys.stderr = _reopen(2, read_only=False)
    saved = (sys.stdout, sys.stderr)
    if not utf8(sys.stdout) and hasattr(sys.stdout, "reconfigure"):
        # An ASCII or Latin-1 locale (PYTHONIOENCODING, an old server, a cron job): what people
        # read shows a character it cannot encode as its code (`\u5b66`), never losing it and
        # never failing (exit 70); machine formats switch standard output to UTF-8 (`to_utf8`).
        sys.stdout.reconfigure(errors="backslashreplace")
    sys.stdout = _Guarded(sys.stdout)
    return saved


def restore(saved: tuple[Any, Any]) -> None:
    sys.stdout, sys.stderr = saved


def finish_output() -> None:
    """Flush standard output now, while a failure can still become the right exit code."""
    sys.stdout.flush()


def abandon_output(saved: tuple[Any, Any]) -> None:
    """After a failed write: send what is still buffered to /dev/null so that Python's own
    flush at exit does not fail again (and print a traceback) - only in a real process."""
    _to_devnull(saved[0])


def _to_devnull(stream: Any) -> None:
    """Point a real file descriptor's stream at /dev/null (a test runner's stream has none)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


def say(text: str) -> None:
    """One line on standard error; a failure to write it is not another error."""
    try:
        print(text, file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):
        _to_devnull(sys.stderr)
