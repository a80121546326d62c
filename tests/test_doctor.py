"""`doctor`: counts by status as `list` counts them, computed in SQL exactly as `rules.status`."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta
from itertools import product
from pathlib import Path

import pytest

from helpers import LONDON, Cli, Clock, write
from stream_exempt import rules
from stream_exempt.store import STATUS_SQL, Store

DAY = date(2027, 1, 11)
AROUND = (DAY - timedelta(days=1), DAY, DAY + timedelta(days=1))  # the day before, of, after


def _every_boundary(path: Path) -> Store:
    """A store holding one exemption for each start, end, in-force date and deletion around DAY."""
    store = Store.open(path, create=True)
    rows = []
    for start, end, in_force, deleted in product(AROUND, AROUND, AROUND, (None, *AROUND)):
        if start <= end:
            at = None if deleted is None else f"{deleted.isoformat()}T12:00:00Z"
            on = None if deleted is None else deleted.isoformat()
            rows.append((start.isoformat(), end.isoformat(), in_force.isoformat(), at, on))
    with store.writing():
        store.conn.executemany(
            "INSERT INTO exemptions (student_id, type, start_date, end_date, in_force_from, deleted_at, "
            "deleted_on, created_by, created_at) VALUES ('201234567', 'placement', ?, ?, ?, ?, ?, 'tester', "
            "'2027-01-01T12:00:00Z')",
            rows,
        )
    return store


def test_status_in_sql_is_the_status_of_the_rules_at_every_boundary(tmp_path: Path) -> None:
    store = _every_boundary(tmp_path / "s.db")
    exemptions = store.select()
    assert len(exemptions) == 72
    for day in AROUND:
        in_sql = dict(
            store.conn.execute(f"SELECT id, {STATUS_SQL} FROM exemptions", (day.isoformat(),)).fetchall()
        )
        assert in_sql == {e.id: rules.status(e, day) for e in exemptions}
        counts = store.status_counts(day)
        assert counts == {s: sum(rules.status(e, day) == s for e in exemptions) for s in rules.STATUSES}


def test_doctor_counts_are_the_counts_of_list_status(cli: Cli, clock: Clock) -> None:
    first = cli.add("201234567", "--start", "2027-01-06", "--end", "2027-01-08")  # expired by the 11th
    cli.add("201234568", "--start", "2027-01-06", "--end", "2027-01-31")  # active
    cli.add("201234569", "--start", "2027-01-20", "--end", "2027-01-31")  # pending
    deleted = cli.add("201234570", "--start", "2027-01-20", "--end", "2027-01-31")
    cli.ok("delete", str(deleted), "--yes")
    clock(datetime(2027, 1, 11, 9, 0, tzinfo=LONDON))
    cli.add("201234571", "--start", "2027-01-12", "--end", "2027-01-31")  # pending: in force 13 Jan
    report = json.loads(cli.ok("doctor", "--json").stdout)
    listed = {
        status: len(cli.ok("list", "--status", status, "--ids").stdout.split()) for status in rules.STATUSES
    }
    assert report["counts"] == listed == {"active": 1, "pending": 2, "expired": 1, "deleted": 1}
    assert first in map(int, cli.ok("list", "--status", "expired", "--ids").stdout.split())


def test_doctor_and_bulk_write_large_counts_with_thousands_separators(
    cli: Cli, clock: Clock, tmp_path: Path
) -> None:
    students = "".join(f"{200_000_000 + n}\n" for n in range(1_234))
    cohort = write(tmp_path, "student_id\n" + students)
    imported = cli.ok("bulk", cohort, "--type", "placement", "--start", "2027-01-20", "--for", "1w")
    assert imported.stdout == (
        "Batch 1: 1,234 exemptions created, 0 already recorded.\n  20 Jan 2027 to 26 Jan 2027: 1,234 students\n"
    )
    again = cli.ok("bulk", cohort, "--type", "placement", "--start", "2027-01-20", "--for", "1w")
    assert again.stdout == "Nothing new: all 1,234 already recorded.\n"
    lines = dict(line.split(maxsplit=1) for line in cli.ok("doctor").stdout.splitlines())
    assert lines["exemptions"] == "0 active, 1,234 pending, 0 expired, 0 deleted"
    assert json.loads(cli.ok("doctor", "--json").stdout)["counts"]["pending"] == 1_234  # numbers stay numbers


@pytest.mark.sqlite_only("the facts of a store file")
def test_doctor_on_a_narrow_screen_wraps_each_fact_under_itself(cli: Cli) -> None:
    cli.add("201234567")
    wide = cli.ok("doctor").stdout  # not a terminal, no COLUMNS: a fact a line
    assert "integrity      ok (quick check; --full for the complete one)\n" in wide
    narrow = cli.ok("doctor", env={"COLUMNS": "40"}).stdout
    assert "integrity      ok (quick check; --full\n               for the complete one)\n" in narrow
    assert all(len(line) <= 40 for line in narrow.splitlines() if " " in line[15:])  # not the long path
    assert narrow.replace("\n               ", " ") == wide


@pytest.mark.parametrize(("options", "check"), [((), "quick"), (("--full",), "full")])
@pytest.mark.sqlite_only("SQLite's quick_check / integrity_check")
def test_doctor_runs_the_quick_check_unless_full(cli: Cli, options: tuple[str, ...], check: str) -> None:
    cli.add()
    report = json.loads(cli.ok("doctor", "--json", *options).stdout)
    assert (report["integrity"], report["integrity_check"], report["healthy"]) == ("ok", check, True)


@pytest.mark.sqlite_only("breaks the SQLite file to test SQLite's integrity_check")
def test_only_the_full_check_finds_a_broken_constraint(cli: Cli) -> None:
    """The quick check leaves CHECK constraints (enforced on every write) to `--full`."""
    cli.add()
    conn = sqlite3.connect(cli.store_path)
    conn.execute("PRAGMA ignore_check_constraints = ON")  # what no write of stream-exempt does
    conn.execute("UPDATE exemptions SET type = 'holiday'")
    conn.commit()
    conn.close()
    assert json.loads(cli.ok("doctor", "--json").stdout)["integrity"] == "ok"
    full = cli("doctor", "--json", "--full")
    assert full.exit_code == 4
    assert "CHECK constraint failed in exemptions" in json.loads(full.stdout)["integrity"][0]


@pytest.mark.sqlite_only("the SQLite file's and folder's permissions")
def test_doctor_on_a_private_store_that_others_may_read_gives_no_sharing_advice(cli: Cli) -> None:
    cli.store_path.chmod(0o644)
    cli.store_path.parent.chmod(0o755)
    result = cli("doctor")
    assert "init --group" not in result.stderr and "members" not in result.stderr
    assert "anyone on this host can open the store" in result.stderr  # still true, still said
