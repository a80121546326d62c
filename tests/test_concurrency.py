"""Real processes at once on one store: no "locked", R7 holds, readers see all or nothing."""

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from helpers import command, scalar
from stream_exempt import schema
from stream_exempt.store import Store

pytestmark = pytest.mark.slow


def run_all(commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "COLUMNS": "200"}
    processes = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for c in commands
    ]
    results = []
    for process, args in zip(processes, commands, strict=True):
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


@pytest.fixture
def store(store_location: Path | str) -> Path | str:
    """An empty store, as `init` would make: a SQLite file, or a PostgreSQL database."""
    return store_location


def test_eight_processes_adding_the_same_exemption_leave_exactly_one(store: Path | str) -> None:
    add = command(store, "add", "201234567", "--type", "placement", "--start", "+1w", "--for", "2w")
    results = run_all([add] * 8)
    codes = sorted(r.returncode for r in results)
    assert codes == [0] + [2] * 7, [r.stderr for r in results]
    for result in results:
        assert "locked" not in result.stderr
    refusals = [r.stderr for r in results if r.returncode == 2]
    assert all("already has exemption 1" in e for e in refusals)
    assert scalar(store, "SELECT count(*) FROM exemptions") == 1


@pytest.mark.parametrize("fresh", [False, True], ids=["existing store", "new store"])
def test_eight_processes_adding_different_students_all_succeed(tmp_path: Path, fresh: bool) -> None:
    store = tmp_path / "new" / "store.db"
    if not fresh:
        Store.open(store, create=True).close()
    results = run_all(
        [
            command(store, "add", f"20123456{i}", "--type", "placement", "--start", "+1w", "--for", "2w")
            for i in range(8)
        ]
    )
    assert [r.returncode for r in results] == [0] * 8, [r.stderr for r in results]
    conn = sqlite3.connect(store)
    assert conn.execute("SELECT count(*) FROM exemptions").fetchone() == (8,)
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone() == (len(schema.NAMES),)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def _cohort(path: Path, count: int) -> Path:
    path.write_text("student_id\n" + "".join(f"{300000000 + i}\n" for i in range(count)))
    return path


def _start_bulk(store: Path | str, cohort: Path, output: int) -> subprocess.Popen[bytes]:
    """A bulk import of `cohort` running in its own process; its output goes to `output`."""
    return subprocess.Popen(
        command(store, "bulk", str(cohort), "--type", "placement", "--start", "+1w", "--for", "2w"),
        stdout=output,
        stderr=output,
    )


def test_a_reader_during_a_bulk_import_sees_none_or_all_of_it(store: Path | str, tmp_path: Path) -> None:
    bulk = _start_bulk(store, _cohort(tmp_path / "big.csv", 20_000), subprocess.PIPE)
    seen = set()
    while bulk.poll() is None:
        listed = subprocess.run(command(store, "list", "--format", "csv"), capture_output=True, text=True)
        assert listed.returncode == 0 and "locked" not in listed.stderr
        seen.add(len(listed.stdout.splitlines()) - 1)
    assert bulk.returncode == 0
    final = subprocess.run(command(store, "list", "--format", "csv"), capture_output=True, text=True)
    seen.add(len(final.stdout.splitlines()) - 1)
    assert seen <= {0, 20_000} and 20_000 in seen


@pytest.mark.sqlite_only("watches the SQLite WAL file grow, then SQLite's integrity_check")
def test_a_killed_bulk_import_leaves_a_sound_store_without_any_of_it(store: Path, tmp_path: Path) -> None:
    bulk = _start_bulk(store, _cohort(tmp_path / "huge.csv", 300_000), subprocess.DEVNULL)
    wal = Path(str(store) + "-wal")
    deadline = time.monotonic() + 120
    # Kill it while it is writing its pages into the WAL: the middle of its transaction.
    while time.monotonic() < deadline and bulk.poll() is None:
        if wal.exists() and wal.stat().st_size > 5_000_000:
            break
        time.sleep(0.005)
    assert bulk.poll() is None, "the import finished before it could be killed"
    bulk.send_signal(signal.SIGKILL)
    bulk.wait()
    check = sqlite3.connect(store)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert check.execute("SELECT count(*) FROM exemptions").fetchone() == (0,)
    check.close()
    after = subprocess.run(
        command(store, "add", "201234567", "--type", "placement", "--start", "+1w", "--for", "2w"),
        capture_output=True,
        text=True,
    )
    assert after.returncode == 0, after.stderr
    assert subprocess.run(command(store, "doctor"), capture_output=True).returncode == 0
