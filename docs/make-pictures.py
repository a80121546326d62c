"""Make the pictures in docs/ with stream-exempt itself, from the files in examples/.

    pip install -e ".[test]"          # time-machine freezes the clock
    python docs/make-pictures.py      # rewrites docs/*.svg and prints the README's transcript

A fresh store in a temporary folder is filled as a support office would have filled it over
the autumn, each command run at its own frozen moment in London; then the morning of Monday
8 February 2027 is walked through. The same code and the same examples give the same bytes.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from typer.testing import CliRunner

from stream_exempt.cli.app import app

LONDON = ZoneInfo("Europe/London")
DOCS = Path(__file__).resolve().parent
EXAMPLES = DOCS.parent / "examples"
TODAY = datetime(2027, 2, 8, 9, 0, tzinfo=LONDON)
WIDTH = "80"

# (moment in London, command): how the store came to be.
HISTORY = [
    ("2026-11-16 10:00", "add 201234567 --type dissertation --start 2026-11-23 --end 2027-03-26 --reason Final-year project"),
    ("2026-12-14 11:30", f"bulk {EXAMPLES / 'cohort.csv'} --type placement --start 2027-01-04 --for 6w --reason Spring placement block"),
    ("2027-01-11 09:15", "add 201234560 --type authorised-absence --start 2027-01-12 --end 2027-01-15 --reason Self-certified illness"),
    ("2027-01-18 14:00", "add 201234567 --type authorised-absence --start 2027-01-19 --end 2027-01-29 --reason Family bereavement"),
    ("2027-01-18 14:05", "add 201234574 --type withdrawn --start 2027-01-19 --end 2027-06-30 --reason Interruption of studies"),
    ("2027-01-26 16:40", "delete 23 --yes"),
    ("2027-02-03 12:00", "delete 24 --yes"),
    ("2027-02-05 15:20", "add 201234588 --type break-in-learning --start 2027-02-08 --end 2027-05-07 --reason Apprenticeship break"),
    ("2027-02-08 08:30", "add 201234567 --type authorised-absence --start 2027-02-09 --end 2027-02-12 --reason Hospital appointment"),
]

# The morning of 8 February: what the README walks through.
MORNING = [
    "summary",
    "list --ending-within 2w --limit 3",
    "extend --batch 1 --by 1w",
    "timeline 201234567",
]

PICTURES = [
    ("timeline 201234567 --svg {docs}/timeline-student.svg", "timeline-student.svg"),
    ("timeline --batch 1 --svg {docs}/timeline-batch.svg", "timeline-batch.svg"),
    ("timeline --office --svg {docs}/timeline-office.svg", "timeline-office.svg"),
]


def _words(command: str) -> list[str]:
    """Split a command; everything after --reason is the reason, spaces and all."""
    head, _, reason = command.partition(" --reason ")
    return head.split() + (["--reason", reason] if reason else [])


def run(store: Path, moment: datetime, command: str) -> str:
    env = {"COLUMNS": WIDTH, "NO_COLOR": "1", "STREAM_EXEMPT_DB": ""}
    with time_machine.travel(moment, tick=False):
        result = CliRunner().invoke(app, ["--db", str(store), *_words(command)], env=env)
    if result.exit_code != 0:
        sys.exit(f"{command!r} failed ({result.exit_code}): {result.stderr or result.stdout}")
    return result.stdout + result.stderr


def main() -> None:
    os.environ.pop("STREAM_EXEMPT_DB", None)
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "exemptions.db"
        for moment, command in HISTORY:
            run(store, datetime.fromisoformat(moment).replace(tzinfo=LONDON), command)
        for command in MORNING:
            print(f"$ stream-exempt {command}")
            print(run(store, TODAY, command))
        for command, _ in PICTURES:
            run(store, TODAY, command.format(docs=DOCS))


if __name__ == "__main__":
    main()
