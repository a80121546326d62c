"""The `stream-exempt` command (and `python -m stream_exempt`).

Kept apart from the app so that Ctrl-C pressed while the app is still loading (its first tenth
of a second) ends as one pressed later does: one sentence and exit 130, never a traceback.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as the app's own


def main() -> None:
    try:
        from stream_exempt.cli.app import main as run

        run()
    except KeyboardInterrupt:  # before the app could take it: nothing was recorded yet
        sys.stderr.write("Error: Interrupted; nothing was changed.\n")
        sys.exit(EXIT_INTERRUPTED)
