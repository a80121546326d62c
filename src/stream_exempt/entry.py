"""The `stream-exempt` command (and `python -m stream_exempt`).

Kept apart from the app so that Ctrl-C (or SIGTERM) that comes while the app is still loading
(its first tenth of a second) ends as one that comes later does: one sentence and exit 130,
never a traceback.
"""

from __future__ import annotations

import os
import sys

from stream_exempt import interrupts
from stream_exempt.collector import collector_paused

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as the app's own


def main() -> None:
    try:
        try:
            interrupts.install()
            # Loading makes the app's modules, classes and functions, which stay: the collector
            # need not walk them while they are made, nor again at every later pass.
            with collector_paused():
                from stream_exempt.cli.app import main as run
            run()
        except KeyboardInterrupt:  # before the app could take it
            _interrupted()
        except Exception as error:
            if not interrupts.wrapped(error):
                raise
            _interrupted()
    except SystemExit as ending:
        if ending.code == EXIT_INTERRUPTED:
            _end(EXIT_INTERRUPTED)
        raise


def _interrupted() -> None:
    """An interrupt the app did not take: it came while the app was loading, or before its
    command began, so nothing was recorded (the app reports one that comes later itself)."""
    interrupts.ended()
    sys.stderr.write("Error: Interrupted; nothing was changed.\n")
    sys.exit(EXIT_INTERRUPTED)


def _end(code: int) -> None:
    """End the process now with `code`, its output flushed.

    Python remembers an interrupt that left code run by `exec()` (as dataclasses and namedtuple
    make their methods) as never handled, even once handled, and on its way out would end the
    process by SIGINT, hiding the exit code."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
