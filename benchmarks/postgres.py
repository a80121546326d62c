"""Benchmarks of the PostgreSQL store (SPEC 12), each a ratio against a yardstick in the same run.

    pg_virtualenv -t python benchmarks/postgres.py          # all four figures (several minutes)
    pg_virtualenv -t python benchmarks/postgres.py check    # one: bulk, check, feed or list

It runs against the server that libpq's variables name (PGHOST, PGPORT, PGUSER, PGPASSWORD;
`pg_virtualenv -t` makes a throwaway cluster and sets them), as a user who may create
databases. Every database it makes is named `bench_...` (STREAM_EXEMPT_BENCH_PREFIX changes
the prefix) and dropped at the end. It generates its own data in a temporary folder; every
figure is the median of several whole-process runs, run in turn with its yardstick (so that a
change in the machine's load touches both alike), given for wall time and CPU time:

- `bulk` of 100,000 students into a store of 100,000: against `psql \\copy` of the same rows
  into a table with the exemptions' own columns, indexes and constraints, holding the same
  100,000 rows (target 3x).
- `check` of one student, start-up included: against the same `check` on a SQLite store with
  the same rows (target 2x).
- `check --file` of a 1,000,000-row feed against 100,000 exemptions: against the same on
  SQLite (target 2x).
- `list --format csv` of 100,000 live exemptions: against `psql -c "\\copy (SELECT the same
  columns, the status computed in SQL) TO STDOUT CSV"` (target 3x).

The CPU time of a PostgreSQL figure is the client's alone (the server's work is not counted),
so it says where the time goes rather than whether the target is met.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import COMMAND, Run, measure, seeded_store, students, write_cohort, write_feed
from scale import MISSED, interleaved, report

RUNS = 5
PREFIX = os.environ.get("STREAM_EXEMPT_BENCH_PREFIX", "bench")
SEEDED = f"{PREFIX}_seeded"
_made: list[str] = []


def psql(sql: str, database: str = "postgres", *, capture: bool = False) -> str:
    """Run `sql` with psql (stopping at the first error) and return what it printed."""
    done = subprocess.run(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout if capture else ""


def url(database: str) -> str:
    """The store's URL: libpq's variables give the server, the user and the password."""
    return f"postgresql:///{database}"


def create_database(name: str, template: str | None = None) -> str:
    drop_database(name)
    args = ["createdb", name] if template is None else ["createdb", "-T", template, name]
    subprocess.run(args, check=True)
    _made.append(name)
    return name


def drop_database(name: str) -> None:
    quiet = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}  # no "does not exist, skipping"
    subprocess.run(["dropdb", "--if-exists", name], check=True, env=quiet)


@contextmanager
def databases() -> Iterator[None]:
    """Every database made in the block is dropped at its end, whatever happens."""
    try:
        yield
    finally:
        for name in reversed(_made):
            drop_database(name)
        _made.clear()


def tool(store: str, *args: str) -> None:
    done = subprocess.run(
        [*COMMAND, *args],
        env={**os.environ, "STREAM_EXEMPT_DB": store},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,  # `Created a new store at ...`, or why it failed
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"stream-exempt {' '.join(args)} failed: {done.stderr.strip()}")


def count(database: str, table: str = "exemptions") -> int:
    return int(psql(f"SELECT count(*) FROM {table}", database, capture=True))


class Stores:
    """The seeded stores, one of each kind holding the same 100,000 exemptions, made on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    @property
    def sqlite(self) -> Path:
        if self._sqlite is None:
            self._sqlite = seeded_store(self.folder, 100_000)
            tool(str(self._sqlite), "add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w")
        return self._sqlite

    @property
    def postgres(self) -> str:
        """The seeded database (a template: runs that write work on copies of it)."""
        if self._postgres is None:
            self._postgres = create_database(SEEDED)
            tool(url(SEEDED), "init")
            cohort = self.folder / "seed.csv"
            write_cohort(cohort, students(100_000, offset=500_000))
            tool(url(SEEDED), "bulk", str(cohort), "--type", "placement", "--start", "+1w", "--for", "4w")
            tool(url(SEEDED), "add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w")
            if count(SEEDED) != 100_001:
                raise SystemExit(f"{SEEDED} holds {count(SEEDED)} exemptions, not 100,001")
        return self._postgres


def run(args: list[str], store: str) -> Run:
    return measure([*COMMAND, *args], env={"STREAM_EXEMPT_DB": store})


def bulk(stores: Stores) -> None:
    """`bulk` of 100,000 into a copy of the seeded store, against `psql \\copy` of the same rows
    into a table made LIKE exemptions INCLUDING ALL (every index and constraint) that holds the
    same 100,000 rows, in its own copy of the seeded store."""
    seeded = stores.postgres
    folder = stores.folder
    psql(
        "DROP TABLE IF EXISTS yard; CREATE TABLE yard (LIKE exemptions INCLUDING ALL); "
        "INSERT INTO yard SELECT * FROM exemptions",
        seeded,
    )
    cohort = folder / "cohort.csv"
    ids = students(100_000)
    write_cohort(cohort, ids)
    # What `bulk` writes for each row (its dates as the command below gives them).
    today = dt.date.today()
    start, end = today + dt.timedelta(weeks=1), today + dt.timedelta(weeks=1, days=13)
    in_force = today + dt.timedelta(days=2)
    at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # as the tool writes it (the schema checks)
    rows = folder / "rows.csv"
    with rows.open("w") as out:
        for number, sid in enumerate(ids, start=1_000_000):  # ids as bulk gives them, past the store's
            out.write(f"{number},{sid},placement,{start},{end},bench,{at},{in_force}\n")
    copy = (
        f"\\copy yard (id, student_id, type, start_date, end_date, created_by, created_at, in_force_from) "
        f"FROM '{rows}' CSV"
    )
    runs = [0, 0]

    def ours() -> Run:
        runs[0] += 1
        target = create_database(f"{PREFIX}_bulk_{runs[0]}", seeded)
        done = run(["bulk", str(cohort), "--type", "placement", "--start", "+1w", "--for", "2w"], url(target))
        if count(target) != 200_001 or count(target, "events") < 200_001:
            raise SystemExit(f"bulk into {target} did not create 100,000 exemptions and their events")
        drop_database(target)
        return done

    def yardstick() -> Run:
        runs[1] += 1
        target = create_database(f"{PREFIX}_copy_{runs[1]}", seeded)
        done = measure(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target, "-c", copy])
        if count(target, "yard") != 200_001:
            raise SystemExit(f"\\copy into {target} did not copy 100,000 rows")
        drop_database(target)
        return done

    ours_run, yard_run = interleaved(ours, yardstick, runs=RUNS)
    report("bulk of 100,000 into a store of 100,000", ours_run, "psql \\copy of the same rows", yard_run, 3)


def check(stores: Stores) -> None:
    """`check` of one student, start-up included, on PostgreSQL against SQLite."""
    on_postgres, on_sqlite = url(stores.postgres), str(stores.sqlite)
    args = ["check", "201234567"]
    pg_run, sqlite_run = interleaved(
        lambda: run(args, on_postgres), lambda: run(args, on_sqlite), runs=RUNS * 4
    )
    report("check 201234567 (start-up included)", pg_run, "the same on SQLite", sqlite_run, 2)


def feed(stores: Stores) -> None:
    """`check --file` of a 1,000,000-row feed, on PostgreSQL against SQLite."""
    path = stores.folder / "feed.csv"
    write_feed(path, 1_000_000)
    on_postgres, on_sqlite = url(stores.postgres), str(stores.sqlite)
    args = ["check", "--file", str(path)]
    pg_run, sqlite_run = interleaved(lambda: run(args, on_postgres), lambda: run(args, on_sqlite), runs=3)
    report("check --file of 1,000,000 rows", pg_run, "the same on SQLite", sqlite_run, 2)


# `list`'s machine columns, in order, its status computed in SQL, of the live exemptions in
# `list`'s order: what `list --format csv` writes, less its header row and its defusing of
# formulas (no cell here needs it).
LISTED = """\\copy (SELECT id, student_id, type, start_date, end_date,
    CASE WHEN deleted_on < current_date OR deleted_on < start_date THEN 'deleted'
         WHEN end_date < current_date THEN 'expired'
         WHEN current_date < start_date OR current_date < in_force_from THEN 'pending'
         ELSE 'active' END,
    in_force_from, batch, reason, created_by, created_at, deleted_on, created_for
  FROM exemptions
  WHERE end_date >= current_date
    AND (deleted_on IS NULL OR (deleted_on >= current_date AND deleted_on >= start_date))
  ORDER BY start_date, student_id, id) TO STDOUT CSV"""


def listing(stores: Stores) -> None:
    """`list --format csv` of 100,000 live exemptions against psql's \\copy of the same."""
    database = stores.postgres
    args = ["list", "--format", "csv"]

    def ours() -> Run:
        return run(args, url(database))

    def yardstick() -> Run:
        return measure(["psql", "-X", "-q", "-d", database, "-c", " ".join(LISTED.split())])

    ours_run, yard_run = interleaved(ours, yardstick, runs=RUNS)
    report("list --format csv of 100,001 live", ours_run, "psql \\copy (SELECT ...) TO STDOUT", yard_run, 3)


PARTS: dict[str, Callable[[Stores], None]] = {"bulk": bulk, "check": check, "feed": feed, "list": listing}


def main() -> None:
    unknown = [part for part in sys.argv[1:] if part not in PARTS]
    if unknown:
        raise SystemExit(f"unknown part {unknown[0]}; the parts are {', '.join(PARTS)}")
    if not os.environ.get("PGHOST") and not os.environ.get("PGDATABASE"):
        raise SystemExit("no server: run it as `pg_virtualenv -t python benchmarks/postgres.py`")
    with tempfile.TemporaryDirectory() as name, databases():
        stores = Stores(Path(name))
        for part in sys.argv[1:] or list(PARTS):
            PARTS[part](stores)
    if MISSED:
        print(f"missed: {', '.join(MISSED)}")


if __name__ == "__main__":
    main()
