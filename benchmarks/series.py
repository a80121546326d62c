"""Benchmarks of repeating exemptions (SPEC 11), each a ratio against a yardstick in the same run.

    python benchmarks/series.py            # both figures (about a minute)
    python benchmarks/series.py add        # one: add or bulk

- `add --every 1d --count 200` (one student, 200 occurrences) against one `add`: target 1.3x.
- `bulk` of 2,000 students `--every 1w --count 10` (20,000 exemptions) against `bulk` of a
  20,000-row file creating 20,000: target 1.5x.

Each into a copy of the same store of 20,000 exemptions, so that neither writes into an empty
file. It generates its own data in a temporary folder; every figure is the median of several
whole-process runs, run in turn with its yardstick (so that a change in the machine's load
touches both alike), and is given for wall time and for CPU time (user + system).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench import COMMAND, Run, copy_store, measure, students, write_cohort
from scale import MISSED, interleaved, report

RUNS = 7


def _store(folder: Path) -> Path:
    """A store already holding 20,000 exemptions, made by the tool itself."""
    store = folder / "seeded.db"
    cohort = folder / "seed.csv"
    write_cohort(cohort, students(20_000, offset=500_000))
    subprocess.run(
        [*COMMAND, "bulk", str(cohort), "--type", "placement", "--start", "+1w", "--for", "4w"],
        check=True,
        env={**os.environ, "STREAM_EXEMPT_DB": str(store)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # `Created a new store at ...`
    )
    return store


def _on_a_copy(folder: Path, seeded: Path, name: str, args: list[str], expected: int) -> Callable[[], Run]:
    """A run of `args` on a fresh copy of the seeded store, checked to have created `expected`."""
    runs = [0]

    def go() -> Run:
        runs[0] += 1
        store = folder / f"{name}-{runs[0]}.db"
        copy_store(seeded, store)
        run = measure([*COMMAND, *args], env={"STREAM_EXEMPT_DB": str(store)})
        with sqlite3.connect(store) as conn:
            (created,) = conn.execute("SELECT count(*) FROM exemptions WHERE batch IS NOT 1").fetchone()
        if created != expected:
            raise SystemExit(f"{' '.join(args)} created {created} exemptions, not {expected}")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{store}{suffix}").unlink(missing_ok=True)
        return run

    return go


def add(folder: Path, seeded: Path) -> None:
    one = ["add", "201234567", "--type", "placement", "--start", "+1w", "--for", "1d", "-q"]
    series = [*one, "--every", "1d", "--count", "200"]
    figure, yardstick = interleaved(
        _on_a_copy(folder, seeded, "series", series, 200),
        _on_a_copy(folder, seeded, "one", one, 1),
        runs=RUNS,
    )
    report("add of a series of 200 occurrences", figure, "one add", yardstick, 1.3)


def bulk(folder: Path, seeded: Path) -> None:
    cohort = folder / "cohort-2000.csv"
    write_cohort(cohort, students(2_000))
    rows = folder / "cohort-20000.csv"
    write_cohort(rows, students(20_000))
    options = ["--type", "placement", "--start", "+1w", "--for", "1d"]
    figure, yardstick = interleaved(
        _on_a_copy(
            folder,
            seeded,
            "series",
            ["bulk", str(cohort), *options, "--every", "1w", "--count", "10"],
            20_000,
        ),
        _on_a_copy(folder, seeded, "rows", ["bulk", str(rows), *options], 20_000),
        runs=RUNS,
    )
    report("bulk of 2,000 students --every 1w --count 10", figure, "bulk of 20,000 rows", yardstick, 1.5)


def main() -> None:
    parts = sys.argv[1:] or ["add", "bulk"]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        seeded = _store(folder)
        for part in parts:
            {"add": add, "bulk": bulk}[part](folder, seeded)
    if MISSED:
        raise SystemExit(f"missed: {', '.join(MISSED)}")


if __name__ == "__main__":
    main()
