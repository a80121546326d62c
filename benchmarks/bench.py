"""Benchmarks: each figure is a ratio against a yardstick measured in the same run.

    python benchmarks/bench.py            # everything (a few minutes)
    python benchmarks/bench.py startup    # one part: startup, bulk, workbook or feed

It generates its own data in a temporary folder. Every timing is the median of several
whole-process runs; peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

RUNS = 5
COMMAND = [sys.executable, "-m", "stream_exempt"]
# An installed package has compiled bytecode; let every run here have it too.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


class Run(NamedTuple):
    """One process run (or the median of several): wall time and CPU time (user + system) in
    seconds, and peak memory (maximum resident set) in KiB."""

    wall: float
    cpu: float
    rss: int


def measure(args: Sequence[str], *, env: dict[str, str] | None = None, stdout: int | None = None) -> Run:
    """Run one process to its end (exit 0 or 1); its times and peak memory."""
    started = time.perf_counter()
    process = subprocess.Popen(
        args,
        env={**os.environ, **(env or {})},
        stdout=stdout if stdout is not None else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(args)} failed: {error}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def timed(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    stdout: int | None = None,
    cpu: list[float] | None = None,
) -> tuple[float, int]:
    """Wall time in seconds and peak memory in KiB of one process run; its CPU time (user +
    system, which waiting for a processor on a busy machine does not inflate) added to `cpu`."""
    run = measure(args, env=env, stdout=stdout)
    if cpu is not None:
        cpu.append(run.cpu)
    return run.wall, run.rss


def median(runs: list[tuple[float, int]]) -> tuple[float, int]:
    return statistics.median(t for t, _ in runs), max(m for _, m in runs)


def report(name: str, figure: float, yardstick_name: str, yardstick: float, target: float) -> None:
    ratio = figure / yardstick
    verdict = "meets" if ratio <= target else "MISSES"
    print(
        f"{name}: {figure:.3f}s vs {yardstick_name} {yardstick:.3f}s = {ratio:.2f}x ({verdict} target {target}x)"
    )


def students(count: int, offset: int = 0) -> list[str]:
    return [f"{200000000 + offset + i:09d}" for i in range(count)]


def write_cohort(path: Path, ids: list[str]) -> None:
    with path.open("w") as out:
        out.write("student_id,surname\n")
        for sid in ids:
            out.write(f"{sid},Surname{sid[-4:]}\n")


def seeded_store(folder: Path, count: int) -> Path:
    """A store already holding `count` exemptions, made by the tool itself."""
    store = folder / "seeded.db"
    cohort = folder / "seed.csv"
    write_cohort(cohort, students(count, offset=500_000))
    env = {"STREAM_EXEMPT_DB": str(store)}
    subprocess.run(
        [*COMMAND, "bulk", str(cohort), "--type", "placement", "--start", "+1w", "--for", "4w"],
        check=True,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
    )
    return store


def startup(folder: Path) -> None:
    store = folder / "small.db"
    env = {"STREAM_EXEMPT_DB": str(store)}
    subprocess.run(
        [*COMMAND, "add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w"],
        check=True,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
    )
    script = shutil.which("stream-exempt")
    command = [script] if script else COMMAND
    for warm_up in ([*command, "check", "201234567"], [sys.executable, "-c", "import typer"]):
        timed(warm_up, env=env)
    # Interleaved, so that a change in the machine's load touches both alike.
    ours_runs, yard_runs = [], []
    for _ in range(RUNS * 6):
        ours_runs.append(timed([*command, "check", "201234567"], env=env))
        yard_runs.append(timed([sys.executable, "-c", "import typer"]))
    ours, yard = median(ours_runs), median(yard_runs)
    report("check 201234567 start-up", ours[0], "python -c 'import typer'", yard[0], 1.5)


# SQLite alone writing what `bulk` writes, into the store's own schema: the batch, one row
# per student and one `bulk` event per row with its snapshot, in one durable transaction. No
# reading of options, no checks, no Python: the least any bulk on this schema can cost.
FLOOR = """
PRAGMA foreign_keys = ON;
CREATE TEMP TABLE cohort (student_id TEXT, surname TEXT);
.import --csv --skip 1 {cohort} cohort
BEGIN IMMEDIATE;
INSERT INTO batches (created_at, created_by, source) VALUES ('2027-01-04T12:00:00Z', 'bench', 'cohort');
INSERT INTO exemptions (student_id, type, start_date, end_date, reason, batch, created_by,
    created_at, in_force_from)
  SELECT student_id, 'placement', '2027-01-11', '2027-01-24', NULL, (SELECT max(id) FROM batches),
    'bench', '2027-01-04T12:00:00Z', '2027-01-06' FROM temp.cohort ORDER BY rowid;
INSERT INTO events (exemption_id, action, actor, at, before, after)
  SELECT id, 'bulk', 'bench', '2027-01-04T12:00:00Z', NULL, json_object('student_id', student_id,
    'type', type, 'start', start_date, 'end', end_date, 'reason', reason, 'batch', batch,
    'in_force_from', in_force_from, 'deleted_at', deleted_at)
  FROM exemptions WHERE batch = (SELECT max(id) FROM batches) ORDER BY id;
COMMIT;
"""


def copy_store(source: Path, target: Path) -> None:
    shutil.copy(source, target)
    for suffix in ("-wal", "-shm"):
        if Path(str(source) + suffix).exists():
            shutil.copy(str(source) + suffix, str(target) + suffix)


def bulk(folder: Path) -> None:
    seeded = seeded_store(folder, 100_000)
    cohort = folder / "cohort.csv"
    write_cohort(cohort, students(100_000))
    script = folder / "floor.sql"
    script.write_text(FLOOR.format(cohort=cohort))
    ours, yard, floor = [], [], []
    for run in range(RUNS):
        store = folder / f"bulk-{run}.db"
        copy_store(seeded, store)
        ours.append(
            timed(
                [*COMMAND, "bulk", str(cohort), "--type", "placement", "--start", "+1w", "--for", "2w"],
                env={"STREAM_EXEMPT_DB": str(store)},
            )
        )
        target = folder / f"import-{run}.db"
        yard.append(timed(["sqlite3", str(target), ".import --csv " + str(cohort) + " cohort"]))
        bare = folder / f"floor-{run}.db"
        copy_store(seeded, bare)
        floor.append(timed(["sqlite3", "-bail", str(bare), f".read {script}"]))
        for written in (store, bare):  # both really wrote every row and event
            conn = sqlite3.connect(written)
            counts = [
                conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("exemptions", "events")
            ]
            conn.close()
            if counts != [200_000, 200_000]:
                raise SystemExit(f"{written} holds {counts} exemptions and events, not 200,000 of each")
    ours_time, yard_time, floor_time = median(ours)[0], median(yard)[0], median(floor)[0]
    report("bulk of 100,000 into a store of 100,000", ours_time, "sqlite3 .import", yard_time, 5)
    print(
        f"  floor: sqlite3 alone writing the same rows and events into the store's schema takes "
        f"{floor_time:.3f}s = {floor_time / yard_time:.2f}x .import; bulk is {ours_time / floor_time:.2f}x that floor"
    )


PLACEMENT_HEADERS = ["Student Number", "Surname", "Forename", "Placement start", "Placement end", "Ward"]


def placements(count: int) -> list[tuple[str, str, str, dt.date, dt.date, str]]:
    """A placement cohort as a spreadsheet holds it: three start days, six weeks each."""
    first = dt.date.today() + dt.timedelta(weeks=2)
    rows = []
    for i, sid in enumerate(students(count)):
        start = first + dt.timedelta(weeks=i % 3)
        rows.append(
            (
                sid,
                f"Surname{i % 9973}",
                f"Forename{i % 101}",
                start,
                start + dt.timedelta(days=41),
                f"Ward {i % 40}",
            )
        )
    return rows


def write_placements(folder: Path, count: int) -> tuple[Path, Path]:
    """The same placement cohort as an .xlsx workbook (student IDs as text, real date cells,
    written by openpyxl) and as CSV (dates day-first, as a UK spreadsheet saves them)."""
    import openpyxl

    rows = placements(count)
    # Not openpyxl's write-only mode, which records no sheet size (the `dimension` that Excel
    # and LibreOffice always write), so that reading it costs a pass more than a real file.
    # Its strings are still held in each cell, not in a shared table as a spreadsheet program
    # writes them: this workbook is slower to read than Excel's.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Cohort"
    sheet.append(PLACEMENT_HEADERS)
    for row in rows:
        sheet.append(list(row))
    workbook = folder / "placements.xlsx"
    book.save(workbook)
    cohort = folder / "placements.csv"
    with cohort.open("w", newline="") as out:
        out.write(",".join(PLACEMENT_HEADERS) + "\n")
        for sid, surname, forename, start, end, ward in rows:
            out.write(f"{sid},{surname},{forename},{start:%d/%m/%Y},{end:%d/%m/%Y},{ward}\n")
    return workbook, cohort


def workbook(folder: Path) -> None:
    count = 20_000
    seeded = seeded_store(folder, count)
    book, cohort = write_placements(folder, count)
    runs: dict[Path, list[tuple[float, int]]] = {book: [], cohort: []}
    cpu: dict[Path, list[float]] = {book: [], cohort: []}
    for run in range(RUNS):
        for path in (cohort, book):  # interleaved: a change in the machine's load touches both alike
            store = folder / f"{path.suffix[1:]}-{run}.db"
            copy_store(seeded, store)
            runs[path].append(
                timed(
                    [*COMMAND, "bulk", str(path), "--type", "placement"],
                    env={"STREAM_EXEMPT_DB": str(store)},
                    cpu=cpu[path],
                )
            )
            conn = sqlite3.connect(store)
            made = conn.execute("SELECT count(*) FROM exemptions WHERE batch = 2").fetchone()[0]
            conn.close()
            if made != count:
                raise SystemExit(f"bulk of {path.name} created {made} exemptions, not {count:,}")
    name = f"bulk of a {count:,}-row workbook"
    report(name, median(runs[book])[0], "the same rows as CSV", median(runs[cohort])[0], 4)
    book_cpu, cohort_cpu = statistics.median(cpu[book]), statistics.median(cpu[cohort])
    report(f"{name} (CPU time)", book_cpu, "the same rows as CSV", cohort_cpu, 4)


def write_feed(path: Path, rows: int) -> None:
    """A feed of notifications for the coming weeks: 30% for exempted students."""
    rng = random.Random(1)
    exempted = students(100_000, offset=500_000)
    days = [(dt.date.today() + dt.timedelta(days=n)).isoformat() for n in range(1, 40)]
    with path.open("w") as out:
        out.write("student_id,date,notification\n")
        for _ in range(rows):
            sid = rng.choice(exempted) if rng.random() < 0.3 else f"{rng.randrange(200000000, 299999999)}"
            out.write(f"{sid},{rng.choice(days)},No Digital Engagement\n")


def feed(folder: Path) -> None:
    # Peak memory is the child's maximum resident set; the parent stays small, because a
    # child's count starts from the copy of its parent made when it is started.
    seeded = seeded_store(folder, 100_000)
    for rows in (100_000, 1_000_000):
        path = folder / f"feed-{rows}.csv"
        write_feed(path, rows)
        ours = [
            timed([*COMMAND, "check", "--file", str(path)], env={"STREAM_EXEMPT_DB": str(seeded)})
            for _ in range(RUNS if rows == 1_000_000 else 1)
        ]
        if rows == 100_000:
            print(f"check --file of 100,000 rows: peak memory {median(ours)[1] / 1024:.0f} MiB")
            continue
        join = (
            f".import --csv {path} feed\n"
            f"ATTACH '{seeded}' AS s;\n"
            "SELECT f.*, e.id IS NOT NULL FROM feed f LEFT JOIN s.exemptions e "
            "ON e.student_id = f.student_id AND e.deleted_at IS NULL AND e.start_date <= f.date "
            "AND f.date <= e.end_date AND e.in_force_from <= f.date;\n"
        )
        yard = []
        for run in range(RUNS):
            target = folder / f"feed-{run}.db"
            started = time.perf_counter()
            subprocess.run(
                ["sqlite3", str(target)], input=join.encode(), check=True, stdout=subprocess.DEVNULL
            )
            yard.append((time.perf_counter() - started, 0))
        report("check --file of 1,000,000 rows", median(ours)[0], "sqlite3 import + join", median(yard)[0], 4)
        print(f"check --file of 1,000,000 rows: peak memory {median(ours)[1] / 1024:.0f} MiB (target < 150)")


PARTS = {"startup": startup, "bulk": bulk, "workbook": workbook, "feed": feed}


def main() -> None:
    parts = sys.argv[1:] or list(PARTS)
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        sys.exit(f"usage: python benchmarks/bench.py [{' | '.join(PARTS)} ...] (not {', '.join(unknown)})")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for part in parts:
            PARTS[part](folder)


if __name__ == "__main__":
    sqlite3.connect(":memory:").close()
    main()
