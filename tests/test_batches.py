"""`batches`: every bulk import, what it created and how much of it is live (time frozen)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from helpers import LONDON, Cli, Clock, write


def test_batches_shows_each_import_with_its_live_count_types_and_dates(
    cli: Cli, tmp_path: Path, clock: Clock, login: str
) -> None:
    same = write(tmp_path, "student_id\n201000001\n201000002\n201000003\n", name="nursing.csv")
    cli.ok("bulk", same, "--type", "placement", "--start", "2027-01-11", "--for", "2w", "--as", "alice")
    mixed = write(
        tmp_path,
        "student_id,type,start,end\n201000004,dissertation,2027-01-12,2027-02-01\n"
        "201000005,placement,2027-01-13,2027-02-01\n",
        name="mixed.csv",
    )
    cli.ok("bulk", mixed, "--as", "bob")
    cli.ok("delete", "2", "--yes")  # a member of batch 1 is no longer live
    rows = json.loads(cli.ok("batches", "--format", "json").stdout)
    assert rows == [
        {
            "id": 1,
            "created_at": "2027-01-04T12:00:00Z",
            "created_by": login,
            "source": same,
            "created": 3,
            "live": 2,
            "types": ["placement"],
            "start": "2027-01-11",
            "end": "2027-01-24",
            "created_for": "alice",
            "repeats": None,
        },
        {
            "id": 2,
            "created_at": "2027-01-04T12:00:00Z",
            "created_by": login,
            "source": mixed,
            "created": 2,
            "live": 2,
            "types": ["dissertation", "placement"],
            "start": "mixed",
            "end": "2027-02-01",
            "created_for": "bob",
            "repeats": None,
        },
    ]
    # Live is as of today: once the first batch has ended, none of it is.
    clock(datetime(2027, 1, 25, 9, 0, tzinfo=LONDON))
    assert [r["live"] for r in json.loads(cli.ok("batches", "--format", "json").stdout)] == [0, 2]
    # Wide enough for every cell on one line, whatever the login (`postgres for bob` on PostgreSQL).
    table = cli.ok("batches", env={"COLUMNS": "260"}).stdout
    assert "Practice Placement Block" in table and "Dissertation Period, Practice Placement Block" in table
    assert "11 Jan 2027" in table and "mixed" in table and "2027-01-04 12:00 GMT" in table
    assert f"{login} for alice" in table and f"{login} for bob" in table


def test_no_batches(cli: Cli) -> None:
    assert "No batches" in cli.ok("batches").stdout
    assert json.loads(cli.ok("batches", "--format", "json").stdout) == []
    header = next(csv.reader(io.StringIO(cli.ok("batches", "--format", "csv").stdout)))
    assert header == [
        "id",
        "created_at",
        "created_by",
        "source",
        "created",
        "live",
        "types",
        "start",
        "end",
        "created_for",
        "repeats",
    ]


def test_batches_never_creates_a_store(bare_cli: Cli) -> None:
    result = bare_cli("batches")
    assert result.exit_code == 4
    assert bare_cli.shown in result.stderr
    assert not bare_cli.has_store()


def test_a_bad_format_is_refused(cli: Cli) -> None:
    result = cli("batches", "--format", "xml")
    assert result.exit_code == 2 and "xml" in result.stderr
