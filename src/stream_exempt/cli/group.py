"""The one place where errors become an `Error:` line and an exit code (SPEC section 7)."""

import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from stream_exempt.errors import StreamExemptError
from stream_exempt.store import unusable

EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug, reported without a traceback


def fail(message: str, code: int) -> NoReturn:
    """Print one `Error:` sentence on stderr and exit with `code`."""
    message = message[0].upper() + message[1:] if message else message
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(code)


class ExemptGroup(TyperGroup):
    """The root command: runs a subcommand and maps every failure to the documented exit code."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> NoReturn:
        try:
            result = super().main(
                args=args,
                prog_name=prog_name or "stream-exempt",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        except StreamExemptError as error:
            fail(error.message, error.exit_code)
        except typer.TyperException as error:
            self._usage_error(error)
        except typer.Abort:
            fail("cancelled; nothing was changed.", 2)
        except sqlite3.Error as error:
            from stream_exempt.cli.session import opened

            fail(unusable(error, opened[-1] if opened else Path("the store")).message, 4)
        except KeyboardInterrupt:
            print("Interrupted; nothing was changed.", file=sys.stderr)
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (`list | head`): stop quietly, as Unix tools do.
            sys.stderr.close()
            sys.exit(0)
        except Exception as error:  # never a traceback: it could show personal data
            if os.environ.get("STREAM_EXEMPT_DEBUG"):
                raise
            fail(
                f"stream-exempt failed unexpectedly ({type(error).__name__}); nothing was changed. "
                "Run again with STREAM_EXEMPT_DEBUG=1 to see where, and report it.",
                EXIT_INTERNAL,
            )
        sys.exit(result if isinstance(result, int) else 0)

    @staticmethod
    def _usage_error(error: typer.TyperException) -> NoReturn:
        ctx = getattr(error, "ctx", None)
        message = error.format_message().rstrip(".")
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        fail(f"{message}{hint}.", getattr(error, "exit_code", 2) or 2)
