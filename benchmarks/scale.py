"""The scale benchmark: a whole university's store, every figure against a yardstick.

    python benchmarks/scale.py            # everything (several minutes)
    python benchmarks/scale.py batch      # one part: batch, list, memory, terminal, store, doctor

It generates a store of 200,000 exemptions over five years (every type and status, bulk
batches of 20,000, some deletions) in a temporary folder, straight into the real schema (the
package's own migrations make it; SQLite fills it), then runs the tool against it. Every time
is the median of several whole-process runs, each figure printed beside its yardstick measured
in the same run; peak memory is the child's maximum resident set size. The parent process
never imports the package, so that its own size cannot leak into a child's peak.

What the generated store holds, as of the day it is generated (T):
- 4 expired batches of 20,000, one a year over the four years before T;
- 5 live batches: A placement (20,000, active), B dissertation (20,000, not started: the batch
  the 20,000-member changes work on), C authorised absence (20,000, active), D break in
  learning (20,000, not started), E withdrawn (2,000, not started: the 2,000-member changes);
- 18,000 live exemptions added one at a time (active, pending, and some recorded yesterday so
  not yet in force), and 20,000 deleted ones (half deleted before they started, half after);
- a probe student with one active placement and one deleted dissertation, the student that
  `check` and `history` look at (the small yardstick store holds that student alone).
That is 200,000 exemptions (plus the probe's two), 100,000 of them live.
"""

from __future__ import annotations

import os
import pty
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import COMMAND, RUNS, Run, copy_store
from bench import measure as timed

HERE = Path(__file__).resolve()
PROBE = "299999999"
MIB = 1024  # ru_maxrss is in KiB


# -- generating a store (runs in a child process: `scale.py generate PATH FACTOR`) --------------


def generate(path: Path, factor: float) -> None:
    """Write a store of about 200,000 x `factor` exemptions (see the module's docstring)."""
    import json
    import random
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from stream_exempt.store.sqlite import Store

    snapshot = Store.snapshot_sql()

    today = datetime.now(ZoneInfo("Europe/London")).date()
    rng = random.Random(11)
    store = Store.open(path, create=True)
    conn = store.conn
    columns = {row[1] for row in conn.execute("PRAGMA table_info(exemptions)")}
    size = int(20_000 * factor)

    def stamp(day: date) -> str:
        return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    rows: list[tuple[object, ...]] = []  # student, type, start, end, batch, created_at, in_force_from
    deletions: list[tuple[int, date]] = []  # index in rows, day deleted

    def add(student: int | str, type_: str, start: date, end: date, batch: int | None, recorded: date) -> int:
        rows.append(
            (f"{student}", type_, start.isoformat(), end.isoformat(), batch, stamp(recorded),
             (recorded + timedelta(days=2)).isoformat())
        )  # fmt: skip
        return len(rows) - 1

    batch_ids: list[tuple[int, date]] = []

    def batch(first: int, count: int, type_: str, start: date, end: date, recorded: date) -> None:
        number = len(batch_ids) + 1
        batch_ids.append((number, recorded))
        for i in range(count):
            add(200_000_000 + first + i, type_, start, end, number, recorded)

    kinds = ("placement", "dissertation", "authorised-absence", "break-in-learning")
    for year in range(4):  # expired batches, one a year
        start = day(-4 * 365 + year * 365 + 30)
        batch(year * size, size, kinds[year], start, start + timedelta(days=60), start - timedelta(days=14))
    batch(0, size, "placement", day(-30), day(60), day(-40))  # A: active
    batch(size, size, "dissertation", day(20), day(120), day(-5))  # B: not started
    batch(2 * size, size, "authorised-absence", day(-10), day(30), day(-12))  # C: active
    batch(3 * size, size, "break-in-learning", day(5), day(50), day(-1))  # D: not started
    batch(4 * size, size // 10, "withdrawn", day(30), day(90), day(-3))  # E: 2,000, not started
    every_type = (*kinds, "withdrawn")
    for i in range(max(0, int(18_000 * factor) - 1)):  # live, one at a time (the probe is one more)
        student, type_ = 200_000_000 + 5 * size + i, every_type[i % 5]
        shape = i % 3
        if shape == 0:  # active
            add(student, type_, day(-rng.randrange(1, 60)), day(rng.randrange(1, 200)), None, day(-70))
        elif shape == 1:  # pending: not started
            start = day(rng.randrange(1, 200))
            add(student, type_, start, start + timedelta(days=rng.randrange(0, 90)), None, day(-1))
        else:  # pending: started, but recorded yesterday so not yet in force
            add(student, type_, day(0), day(rng.randrange(1, 90)), None, day(-1))
    for i in range(int(20_000 * factor)):  # deleted
        student, type_ = 200_000_000 + 6 * size + i, every_type[i % 5]
        recorded = day(-rng.randrange(30, 4 * 365))
        start = recorded + timedelta(days=rng.randrange(3, 40))
        at = add(student, type_, start, start + timedelta(days=rng.randrange(7, 120)), None, recorded)
        if i % 2:  # deleted before it started
            deletions.append((at, recorded + timedelta(days=1)))
        else:  # deleted after it started (some of those expired since)
            deletions.append((at, min(start + timedelta(days=3), today)))
    add(PROBE, "placement", day(-10), day(20), None, day(-20))
    probe_deleted = add(PROBE, "dissertation", day(-40), day(-5), None, day(-50))
    deletions.append((probe_deleted, day(-20)))

    with store.writing():
        conn.executemany(
            "INSERT INTO batches (id, created_at, created_by, source) VALUES (?, ?, 'bench', ?)",
            [(number, stamp(recorded), f"cohort-{number}.csv") for number, recorded in batch_ids],
        )
        conn.executemany(
            "INSERT INTO exemptions (student_id, type, start_date, end_date, batch, created_by, "
            "created_at, in_force_from) VALUES (?, ?, ?, ?, ?, 'bench', ?, ?)",
            rows,
        )
        conn.execute(
            "INSERT INTO events (exemption_id, action, actor, at, before, after) "
            f"SELECT id, CASE WHEN batch IS NULL THEN 'add' ELSE 'bulk' END, 'bench', created_at, NULL, "
            f"{snapshot} FROM exemptions ORDER BY id"
        )
        deleted = json.dumps([[at + 1, stamp(on), on.isoformat()] for at, on in deletions])
        conn.execute(
            "CREATE TEMP TABLE gone AS SELECT value ->> 0 AS gone_id, value ->> 1 AS gone_at, "
            "value ->> 2 AS gone_on FROM json_each(?)",
            (deleted,),
        )
        conn.execute(
            "CREATE TEMP TABLE gone_before AS SELECT gone_id, gone_at, "
            f"(SELECT {snapshot} FROM exemptions WHERE id = gone_id) AS gone_before FROM gone"
        )
        day_column = ", deleted_on = gone_on" if "deleted_on" in columns else ""
        conn.execute(f"UPDATE exemptions SET deleted_at = gone_at{day_column} FROM gone WHERE id = gone_id")
        conn.execute(
            "INSERT INTO events (exemption_id, action, actor, at, before, after) "
            f"SELECT gone_id, 'delete', 'bench', gone_at, gone_before, "
            f"(SELECT {snapshot} FROM exemptions WHERE id = gone_id) FROM gone_before ORDER BY gone_id"
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    store.close()


# -- running -------------------------------------------------------------------------------


def make_store(folder: Path, name: str, factor: float) -> Path:
    path = folder / f"{name}.db"
    subprocess.run([sys.executable, str(HERE), "generate", str(path), str(factor)], check=True)
    return path


def run(args: Sequence[str], store: Path, *, stdout: int | None = None) -> Run:
    return timed([*COMMAND, *args], env={"STREAM_EXEMPT_DB": str(store)}, stdout=stdout)


def interleaved(*commands: Callable[[], Run], runs: int = RUNS) -> list[Run]:
    """The median times and the largest peak memory of each command, run in turn `runs` times
    after a warm-up (in turn, so that a change in the machine's load touches each alike)."""
    for command in commands:
        command()
    results: list[list[Run]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            results[index].append(command())
    return [
        Run(
            statistics.median(r.wall for r in rs),
            statistics.median(r.cpu for r in rs),
            max(r.rss for r in rs),
        )
        for rs in results
    ]


MISSED: list[str] = []


def report(name: str, figure: Run, yardstick_name: str, yardstick: Run, target: float) -> None:
    """One figure against its yardstick, as wall time and as CPU time.

    On a machine shared with other work, wall time includes waiting for a processor; CPU time
    does not. A target is met when the wall-time ratio meets it; "on CPU time" says when only
    the CPU-time ratio does (the machine was busy); otherwise it is missed.
    """
    wall, cpu = figure.wall / yardstick.wall, figure.cpu / yardstick.cpu
    verdict = "meets" if wall <= target else "meets on CPU time" if cpu <= target else "MISSES"
    if verdict == "MISSES":
        MISSED.append(name)
    print(
        f"{name}: {figure.wall:.3f}s (cpu {figure.cpu:.3f}s) vs {yardstick_name} {yardstick.wall:.3f}s "
        f"(cpu {yardstick.cpu:.3f}s) = {wall:.2f}x wall, {cpu:.2f}x cpu ({verdict} target {target}x)"
    )


def query(store: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(store)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def first_batch_of_size(store: Path, type_code: str) -> int:
    (batch,) = query(
        store, "SELECT min(batch) FROM exemptions WHERE type = ? AND end_date > date('now')", type_code
    )[0]
    return int(batch)  # type: ignore[call-overload]


class Stores:
    """The generated stores, made on first use and shared by every part."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[str, Path] = {}

    def get(self, name: str, factor: float) -> Path:
        if name not in self._made:
            self._made[name] = make_store(self.folder, name, factor)
        return self._made[name]

    @property
    def big(self) -> Path:
        return self.get("big", 1)

    @property
    def small(self) -> Path:
        return self.get("small", 0)


def batch(stores: Stores) -> None:
    """extend/move/delete --batch of 20,000 (and 2,000) against bulk creating 20,000."""
    big, folder = stores.big, stores.folder
    cohort = folder / "new-cohort.csv"
    cohort.write_text("student_id\n" + "".join(f"{210_000_000 + i}\n" for i in range(20_000)))
    sizes = {20_000: first_batch_of_size(big, "dissertation"), 2_000: first_batch_of_size(big, "withdrawn")}
    for size, number in sizes.items():
        (count,) = query(big, "SELECT count(*) FROM exemptions WHERE batch = ?", number)[0]
        assert count == size, (size, count)
    changes = {
        "extend": ["extend", "--batch", "{b}", "--by", "1w"],
        "move": ["move", "--batch", "{b}", "--by", "1w"],
        "delete": ["delete", "--batch", "{b}", "--yes"],
    }
    counter = iter(range(1_000_000))

    def on_a_copy(args: list[str], expected_events: int) -> Callable[[], Run]:
        def go() -> Run:
            copy = folder / f"copy-{next(counter)}.db"
            copy_store(big, copy)
            (before,) = query(copy, "SELECT count(*) FROM events")[0]
            result = run(args, copy)
            (after,) = query(copy, "SELECT count(*) FROM events")[0]
            if after - before != expected_events:  # type: ignore[operator]
                raise SystemExit(f"{' '.join(args)} wrote {after - before} events, not {expected_events}")  # type: ignore[operator]
            for suffix in ("", "-wal", "-shm"):
                Path(str(copy) + suffix).unlink(missing_ok=True)
            return result

        return go

    bulk = on_a_copy(["bulk", str(cohort), "--type", "placement", "--start", "+1w", "--for", "2w"], 20_000)
    timings: dict[tuple[str, int], Run] = {}
    for name, args in changes.items():
        commands = [
            on_a_copy([part.format(b=number) for part in args], size) for size, number in sizes.items()
        ]
        (big_run, small_run, yard) = interleaved(*commands, bulk)
        timings[name, 20_000], timings[name, 2_000] = big_run, small_run
        report(f"{name} --batch of 20,000", big_run, "bulk creating 20,000", yard, 2)
    for name in changes:
        report(
            f"{name} --batch of 20,000", timings[name, 20_000], "the same of 2,000", timings[name, 2_000], 12
        )


def live_status_sql(store: Path, day: str = "date('now')") -> str:
    """The status of a row as of `day`, computed in SQL, as `rules.status` computes it."""
    columns = {row[1] for row in query(store, "PRAGMA table_info(exemptions)")}
    deleted = (
        f"deleted_on IS NOT NULL AND (deleted_on <= {day} OR deleted_on <= start_date)"
        if "deleted_on" in columns
        else "deleted_at IS NOT NULL"
    )
    return (
        f"CASE WHEN {deleted} THEN 'deleted' WHEN end_date < {day} THEN 'expired' "
        f"WHEN {day} < start_date OR {day} < in_force_from THEN 'pending' ELSE 'active' END"
    )


def listing(stores: Stores) -> None:
    """list csv of the 100,000 live against sqlite3 -csv; json and jsonl against csv."""
    big = stores.big
    # The day in London, as the tool reads it (sqlite's 'now' is UTC: the same date but for
    # an hour a night in summer).
    status = live_status_sql(big, "(SELECT day FROM today)")
    from datetime import datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Europe/London")).date().isoformat()
    yard_sql = (
        f"WITH today(day) AS (VALUES ('{today}')), listed AS (SELECT id, student_id, type, "
        f'start_date AS start, end_date AS "end", {status} AS status, in_force_from, batch, reason, '
        "created_by, created_at FROM exemptions) "
        "SELECT * FROM listed WHERE status IN ('active', 'pending') ORDER BY start, student_id, id;"
    )
    out = subprocess.run([*COMMAND, "list", "--format", "csv"], env={**os.environ, "STREAM_EXEMPT_DB": str(big)},
                         capture_output=True, check=True)  # fmt: skip
    yard_out = subprocess.run(
        ["sqlite3", "-csv", "-header", str(big), yard_sql], capture_output=True, check=True
    )
    ours_lines, yard_lines = out.stdout.splitlines(), yard_out.stdout.splitlines()
    if len(ours_lines) != 100_001 or len(yard_lines) != 100_001:
        raise SystemExit(
            f"list gave {len(ours_lines) - 1} rows, sqlite3 {len(yard_lines) - 1}; expected 100,000"
        )
    if ours_lines[1:] != [line.replace(b'"', b"") for line in yard_lines[1:]]:
        raise SystemExit("list --format csv and sqlite3 -csv disagree on the rows")
    csv_run, yard, json_run, jsonl_run = interleaved(
        lambda: run(["list", "--format", "csv"], big),
        lambda: timed(["sqlite3", "-csv", "-header", str(big), yard_sql]),
        lambda: run(["list", "--format", "json"], big),
        lambda: run(["list", "--format", "jsonl"], big),
    )
    report("list --format csv of 100,000 live", csv_run, "sqlite3 -csv, same columns", yard, 3)
    report("list --format json of 100,000 live", json_run, "list --format csv", csv_run, 1.3)
    report("list --format jsonl of 100,000 live", jsonl_run, "list --format csv", csv_run, 1.3)


def report_memory(name: str, peak: int, yardstick: int, limit_mib: float, ratio: float) -> None:
    ok = peak / MIB < limit_mib and peak / yardstick <= ratio
    if not ok:
        MISSED.append(name)
    print(
        f"{name}: peak {peak / MIB:.1f} MiB vs {yardstick / MIB:.1f} MiB at 100,000 rows = "
        f"{peak / yardstick:.2f}x ({'meets' if ok else 'MISSES'} target < {limit_mib:g} MiB and <= {ratio}x)"
    )


def memory(stores: Stores) -> None:
    """Peak memory of list (each machine format) at 1,000,000 rows against 100,000 rows."""
    tenth, whole = stores.get("half", 0.5), stores.get("million", 5)
    for store, rows in ((tenth, 100_000), (whole, 1_000_000)):
        (count,) = query(store, "SELECT count(*) FROM exemptions")[0]
        if abs(count - rows) > 10:  # type: ignore[operator]
            raise SystemExit(f"{store} holds {count} exemptions, not {rows}")
    for fmt in ("csv", "tsv", "json", "jsonl"):
        args = ["list", "--status", "all", "--format", fmt]
        small_run, big_run = interleaved(lambda a=args: run(a, tenth), lambda a=args: run(a, whole), runs=1)  # type: ignore[misc]
        report_memory(f"list --status all --format {fmt} of 1,000,000", big_run.rss, small_run.rss, 60, 1.2)


def on_terminal(args: Sequence[str], store: Path) -> Run:
    """Run with standard output on a pseudo-terminal (200 x 50), read by a thread."""
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    try:
        result = timed([*COMMAND, *args], env={**env, "STREAM_EXEMPT_DB": str(store)}, stdout=follower)
    finally:
        os.close(follower)
        reader.join(timeout=5)
        os.close(leader)
    text = b"".join(chunks)
    lines = text.count(b"\n")
    if args[0] == "list" and lines > 120:
        raise SystemExit(f"list on a terminal printed {lines} lines, not a first page")
    return result


def terminal(stores: Stores) -> None:
    """list (a table on a terminal: the first page) against check of one student."""
    big = stores.big
    table, check = interleaved(lambda: on_terminal(["list"], big), lambda: on_terminal(["check", PROBE], big))
    report("list on a terminal (first page) of 100,000 live", table, f"check {PROBE}", check, 2)


def store_size(stores: Stores) -> None:
    """check, add, history on the 200,000 store against the same on a store of one student."""
    big, small = stores.big, stores.small
    (big_probe,) = query(big, "SELECT min(id) FROM exemptions WHERE student_id = ?", PROBE)[0]
    (small_probe,) = query(small, "SELECT min(id) FROM exemptions WHERE student_id = ?", PROBE)[0]
    added = iter(range(220_000_000, 230_000_000))

    def add(store: Path) -> Run:
        return run(["add", str(next(added)), "--type", "placement", "--start", "+1w", "--for", "2w"], store)

    for name, on_big, on_small in (
        (f"check {PROBE}", lambda: run(["check", PROBE], big), lambda: run(["check", PROBE], small)),
        ("add", lambda: add(big), lambda: add(small)),
        (f"history (of {PROBE}'s first)", lambda: run(["history", str(big_probe)], big),
         lambda: run(["history", str(small_probe)], small)),
    ):  # fmt: skip
        big_run, small_run = interleaved(on_big, on_small, runs=RUNS * 2)
        report(
            f"{name} on the 200,000 store",
            big_run,
            "the same on a store of one student",
            small_run,
            1.2,
        )


def doctor(stores: Stores) -> None:
    """doctor on the 200,000 store against check of one student."""
    big = stores.big
    doc, check = interleaved(lambda: run(["doctor"], big), lambda: run(["check", PROBE], big))
    report("doctor on the 200,000 store", doc, f"check {PROBE}", check, 3)


# `memory` first: a child's peak counts from the parent's own size when it was started, and
# the parent grows when `list` compares whole outputs.
PARTS = {
    "memory": memory,
    "batch": batch,
    "list": listing,
    "terminal": terminal,
    "store": store_size,
    "doctor": doctor,
}


def main() -> None:
    if sys.argv[1:2] == ["generate"]:
        generate(Path(sys.argv[2]), float(sys.argv[3]))
        return
    parts = sys.argv[1:] or list(PARTS)
    with tempfile.TemporaryDirectory() as name:
        stores = Stores(Path(name))
        (count,) = query(stores.big, "SELECT count(*) FROM exemptions")[0]
        size = os.path.getsize(stores.big) / 2**20
        load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
        print(f"store: {count} exemptions, {size:.0f} MiB; median of {RUNS} runs; load average {load}")
        for part in parts:
            PARTS[part](stores)
        shutil.rmtree(name, ignore_errors=True)
    print(f"missed: {', '.join(MISSED)}" if MISSED else "every target met")


if __name__ == "__main__":
    main()
