"""SPEC 10: running an import again never brings back what was deleted. Time frozen on
Monday 4 Jan 2027 unless moved."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from helpers import LONDON, Cli, Clock, snapshot

COHORT = "student_id\n" + "".join(f"{203_100_000 + n}\n" for n in range(1, 31))
OPTIONS = ("--type", "placement", "--start", "2027-01-11", "--for", "3w")


def _imported(cli: Cli, tmp_path: Path, text: str = COHORT) -> Path:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(text, encoding="utf-8")
    cli.ok("bulk", str(cohort), *OPTIONS)
    return cohort


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_re_run_does_not_bring_back_a_deleted_exemption(cli: Cli, tmp_path: Path, dry_run: bool) -> None:
    cohort = _imported(cli, tmp_path)
    cli.ok("delete", "5", "--yes")  # a student who withdrew
    before = snapshot(cli.location)
    result = cli.ok("bulk", str(cohort), *OPTIONS, *(["--dry-run"] if dry_run else []))
    assert result.stderr == (
        "Warning: 1 row matches a deleted exemption (5), not recreated: use add to exempt that student again.\n"
    )
    first = result.stdout.splitlines()[0]
    if dry_run:
        assert first.startswith(
            "Dry run: 0 exemptions would be created as one new batch, 29 already recorded"
        )
    else:
        assert first == "Nothing new: 29 already recorded, 1 deleted and not recreated."
    assert snapshot(cli.location) == before


def test_a_re_run_with_a_new_student_names_every_deleted_row(cli: Cli, tmp_path: Path, clock: Clock) -> None:
    cohort = _imported(cli, tmp_path)
    cli.ok("delete", "5", "7", "--yes")
    clock(datetime(2027, 1, 5, 9, 0, tzinfo=LONDON))  # deleted yesterday: status deleted now
    cohort.write_text(COHORT + "203100099\n", encoding="utf-8")
    result = cli.ok("bulk", str(cohort), *OPTIONS)
    assert result.stdout.splitlines()[0] == "Batch 2: 1 exemption created, 28 already recorded."
    assert result.stderr == (
        "Warning: 2 rows match deleted exemptions (5, 7), not recreated: use add to exempt those students again.\n"
    )
    batch = json.loads(cli.ok("list", "--batch", "2", "--format", "json").stdout)
    assert [row["student_id"] for row in batch] == ["203100099"]
    # Exempting the student again is what `add` is for.
    cli.ok("add", "203100005", *OPTIONS[:2], "--start", "2027-01-11", "--for", "3w")


def test_a_re_run_after_the_start_has_passed_still_does_not_bring_it_back(
    cli: Cli, tmp_path: Path, clock: Clock
) -> None:
    cohort = _imported(cli, tmp_path)
    clock(datetime(2027, 1, 12, 9, 0, tzinfo=LONDON))  # started on the 11th
    cli.ok("delete", "3", "--yes")
    before = snapshot(cli.location)
    result = cli.ok("bulk", str(cohort), *OPTIONS)
    assert result.stdout.splitlines()[0] == "Nothing new: 29 already recorded, 1 deleted and not recreated."
    assert "1 row matches a deleted exemption (3), not recreated" in result.stderr
    assert snapshot(cli.location) == before


def test_the_warning_names_the_first_twenty_and_how_many_more(cli: Cli, tmp_path: Path) -> None:
    cohort = _imported(cli, tmp_path)
    cli.ok("delete", "--batch", "1", "--yes")
    result = cli.ok("bulk", str(cohort), *OPTIONS)
    ids = ", ".join(str(n) for n in range(1, 21))
    assert result.stderr == (
        f"Warning: 30 rows match deleted exemptions ({ids} and 10 more), not recreated: use add to "
        "exempt those students again.\n"
    )
