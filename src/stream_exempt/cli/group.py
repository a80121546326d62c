"""The one place where errors become an `Error:` line and an exit code (SPEC section 7)."""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperGroup

from stream_exempt import interrupts
from stream_exempt.cli import streams
from stream_exempt.errors import SHORTEN_PAST, OutputFailed, ReaderGone, StreamExemptError, escaped
from stream_exempt.store import unusable

if TYPE_CHECKING:
    from stream_exempt.cli.session import Session

EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug, reported without a traceback
EXIT_INTERRUPTED = 130  # 128 + SIGINT
# A pattern as text, compiled (by `re`, once) only when an error is said: a first word that
# is an ordinary lower-case word, not a file or program name as written (not a URL's scheme:
# `postgresql://...` is a name as written).
_PLAIN_WORD = r"[a-z]+(?=[\s,;]|:(?!//)|$)"


def debugging() -> bool:
    """Tracebacks only when `STREAM_EXEMPT_DEBUG` is 1, true or yes."""
    return os.environ.get("STREAM_EXEMPT_DEBUG", "").strip().lower() in ("1", "true", "yes")


def sentence(message: str) -> str:
    """Start a message with a capital, unless it starts with a name (`cohort.csv`, `stream-exempt`)."""
    if re.match(_PLAIN_WORD, message):
        return message[0].upper() + message[1:]
    return message


def _shorten_quoted(message: str) -> str:
    """A value quoted by Click (`'xxxx' is not one of ...`) shortened past 80 characters, with
    its length, as every refusal quotes a value the user gave (SPEC 10)."""

    def shorter(match: re.Match[str]) -> str:
        return f"'{match[1][: SHORTEN_PAST - 1]}…' ({len(match[1]):,} characters)"

    return re.sub(rf"'([^'\n]{{{SHORTEN_PAST + 1},}})'", shorter, message)


def fail(message: str, code: int) -> NoReturn:
    """Print one `Error:` sentence on stderr and exit with `code`."""
    streams.say(f"Error: {escaped(sentence(message))}")
    interrupts.ended()  # said: a signal now would add a second, different ending
    sys.exit(code)


def _database_error(error: Exception, ledger: interrupts.Ledger) -> StreamExemptError | None:
    """A PostgreSQL driver's error (the server gone mid-command, a permission refused) as the
    store-unusable error, naming the store without its password; None for anything else."""
    from stream_exempt.store import backend_error

    return backend_error(error, str(ledger.opened[-1]) if ledger.opened else "")


class ExemptGroup(TyperGroup):
    """The root command: runs a subcommand and maps every failure to the documented exit code.

    The command's `Session` is made here and given to it as the context's object, so that what
    the command opened and recorded (its ledger) is at hand when it fails or is interrupted."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> NoReturn:
        from stream_exempt.cli.session import Session

        interrupts.begin()
        session = Session()
        click_main = super().main

        def command() -> Any:
            """Click's run of the command, which leaves every failure to `_run`."""
            return click_main(
                args=args,
                prog_name=prog_name or "stream-exempt",
                complete_var=complete_var,
                standalone_mode=False,
                obj=session,
                **extra,
            )

        try:
            self._main(session, sys.argv[1:] if args is None else args, command)
        except KeyboardInterrupt:  # wherever it lands before the command has ended (SPEC 10)
            self._interrupted(session.ledger)

    def _main(self, session: Session, args: Sequence[str], command: Callable[[], Any]) -> NoReturn:
        ledger = session.ledger
        if any("\x00" in arg for arg in args):
            # No option takes a NUL (no path, id, date or text may hold one); a real process
            # cannot even receive one. Refused here, once, for every option.
            fail("a value on the command line contains a NUL character; type it again without.", 2)
        saved = streams.prepare()
        try:
            code = self._run(session, command)
            streams.finish_output()
        except (OutputFailed, ReaderGone) as error:
            streams.restore(saved)
            streams.abandon_output(saved)
            self._output_failed(error, ledger)
        except SystemExit:  # an error already reported: what is left on stdout must not fail later
            try:
                streams.finish_output()
            except (OutputFailed, ReaderGone):
                streams.restore(saved)
                streams.abandon_output(saved)
            raise
        finally:
            streams.restore(saved)
        interrupts.ended()  # done: a signal now changes nothing (SPEC 10)
        sys.exit(code)

    def _run(self, session: Session, command: Callable[[], Any]) -> int:
        """Run the command; every failure but a failed output becomes its exit code here."""
        ledger = session.ledger
        try:
            result = command()
        except (OutputFailed, ReaderGone):
            raise
        except StreamExemptError as error:
            fail(error.message, error.exit_code)
        except typer.TyperException as error:
            self._usage_error(error)
        except (typer.Abort, KeyboardInterrupt):
            # Ctrl-C (or end of input) at a prompt or while working: any transaction rolled back.
            self._interrupted(ledger)
        except sqlite3.Error as error:
            fail(unusable(error, Path(ledger.opened[-1]) if ledger.opened else Path("the store")).message, 4)
        except Exception as error:  # never a traceback: it could show personal data
            if (mapped := _database_error(error, ledger)) is not None:
                fail(mapped.message, mapped.exit_code)
            if interrupts.wrapped(error):
                self._interrupted(ledger)
            if debugging():
                raise
            done = ledger.done
            fail(
                f"stream-exempt failed unexpectedly ({type(error).__name__}); "
                + (f"this was recorded: {done}. " if done else "nothing was changed. ")
                + "Run again with STREAM_EXEMPT_DEBUG=1 to see where, and report it.",
                EXIT_INTERNAL,
            )
        if result == EXIT_INTERRUPTED:  # Typer turns Ctrl-C into a bare exit 130; say what it means
            self._interrupted(ledger)
        return result if isinstance(result, int) else 0

    @staticmethod
    def _interrupted(ledger: interrupts.Ledger) -> NoReturn:
        fail(ledger.said(), EXIT_INTERRUPTED)

    @staticmethod
    def _output_failed(error: OutputFailed | ReaderGone, ledger: interrupts.Ledger) -> NoReturn:
        done = ledger.done
        if isinstance(error, ReaderGone) and not done:
            sys.exit(error.exit_code)  # quiet, as other Unix tools are
        from stream_exempt.cli.session import SEE_LIST

        message = error.message.rstrip(".")
        if done:
            message += f", but this was recorded: {done}. {ledger.advice[-1] if ledger.advice else SEE_LIST}"
        fail(message + ".", error.exit_code)

    @staticmethod
    def _usage_error(error: typer.TyperException) -> NoReturn:
        ctx = getattr(error, "ctx", None)
        message = _shorten_quoted(error.format_message().rstrip("."))
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        fail(f"{message}{hint}.", getattr(error, "exit_code", 2) or 2)
