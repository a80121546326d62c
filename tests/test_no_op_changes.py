"""SPEC 10 "A change that changes nothing is not a change", and batch refusals that name every
refused member (SPEC 7, Batches). Time frozen on Monday 4 Jan 2027 unless moved."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from helpers import LONDON, Cli, Clock, scalar, snapshot


def _events(cli: Cli, action: str) -> int:
    return int(scalar(cli.location, f"SELECT count(*) FROM events WHERE action = '{action}'"))


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (["extend", "1", "--to", "24/01/2027"], "already ends on 24 Jan 2027"),
        (["move", "1", "--end", "2027-01-24"], "already ends on 24 Jan 2027"),
        (["move", "1", "--start", "11 Jan 2027"], "already starts on 11 Jan 2027"),
        (
            ["move", "1", "--start", "2027-01-11", "--end", "2027-01-24"],
            "already runs from 11 Jan 2027 to 24 Jan 2027",
        ),
        (["edit", "1", "--reason", "Leeds"], "already has the reason 'Leeds'"),
    ],
)
def test_a_change_to_what_it_already_is_says_so_and_records_nothing(
    cli: Cli, change: list[str], said: str
) -> None:
    cli.add("201234567", "--reason", "Leeds")  # 11-24 Jan
    before = snapshot(cli.location)
    result = cli.ok(*change)
    assert result.stdout == f"Nothing to change: exemption 1 {said}.\n"
    assert snapshot(cli.location) == before


def test_a_started_exemption_given_its_own_start_and_end_is_no_change(cli: Cli, clock: Clock) -> None:
    cli.add("201234567", "--start", "2027-01-06", "--end", "2027-01-31")
    clock(datetime(2027, 1, 11, 9, 0, tzinfo=LONDON))
    before = snapshot(cli.location)
    result = cli.ok("move", "1", "--start", "2027-01-06", "--end", "2027-01-31")
    assert result.stdout == "Nothing to change: exemption 1 already runs from 6 Jan 2027 to 31 Jan 2027.\n"
    assert snapshot(cli.location) == before


def test_edit_to_no_reason_when_it_has_none(cli: Cli) -> None:
    cli.add("201234567")
    before = snapshot(cli.location)
    assert (
        cli.ok("edit", "1", "--reason", "").stdout
        == "Nothing to change: exemption 1 already has no reason.\n"
    )
    assert snapshot(cli.location) == before


def _batch(cli: Cli, tmp_path: Path, ends: list[str], start: str = "2027-01-11") -> None:
    """Batch 1: one placement per end date given, for students 300000000 on, from `start`."""
    rows = "".join(f"{300_000_000 + n},{end}\n" for n, end in enumerate(ends))
    (tmp_path / "cohort.csv").write_text("student_id,end\n" + rows, encoding="utf-8")
    cli.ok("bulk", str(tmp_path / "cohort.csv"), "--type", "placement", "--start", start)


@pytest.mark.parametrize(
    ("verb", "option", "done"), [("move", "--end", "moved"), ("extend", "--to", "extended")]
)
def test_a_batch_leaves_members_already_as_asked_alone_and_counts_them(
    cli: Cli, tmp_path: Path, verb: str, option: str, done: str
) -> None:
    _batch(cli, tmp_path, ["2027-01-24"] * 20 + ["2027-02-28"] * 10)
    result = cli.ok(verb, "--batch", "1", option, "2027-02-28")
    assert (
        result.stderr.splitlines()[-1] == f"Batch 1: 20 exemptions {done}, 10 already ended on 28 Feb 2027."
    )
    assert len(result.stdout.splitlines()) == 20
    assert _events(cli, verb) == 20
    assert {line.split()[2] for line in result.stdout.splitlines()} == {str(n) for n in range(1, 21)}


def test_a_batch_already_as_asked_records_nothing_and_says_so(cli: Cli, tmp_path: Path, clock: Clock) -> None:
    rows = "300000000,2027-01-05,2027-01-07\n" + "".join(
        f"30000000{n},2027-01-11,2027-02-28\n" for n in (1, 2, 3)
    )
    (tmp_path / "cohort.csv").write_text("student_id,start,end\n" + rows, encoding="utf-8")
    cli.ok("bulk", str(tmp_path / "cohort.csv"), "--type", "placement")  # the first ends on the 7th
    clock(datetime(2027, 1, 8, 9, 0, tzinfo=LONDON))
    before = snapshot(cli.location)
    for change in (["move", "--end", "28/02/2027"], ["extend", "--to", "2027-02-28"]):
        result = cli.ok(change[0], "--batch", "1", *change[1:])
        assert result.stdout == (
            "Nothing to change: batch 1: 3 already ended on 28 Feb 2027; 1 left as they were (ended or deleted).\n"
        )
        assert snapshot(cli.location) == before


def test_extend_batch_to_a_day_refuses_only_members_ending_after_it(cli: Cli, tmp_path: Path) -> None:
    _batch(cli, tmp_path, ["2027-01-24"] * 3 + ["2027-02-10"] * 2 + ["2027-02-28"] * 2)
    before = snapshot(cli.location)
    result = cli("extend", "--batch", "1", "--to", "2027-02-10")
    assert result.exit_code == 2
    error = result.stderr.splitlines()[-1]
    assert error.startswith("Error: Exemption 6 already ends on 28 Feb 2027; extend needs a later end")
    assert error.endswith(
        "in all, 2 members of batch 1 cannot change (6, 7; listed above), so nothing was changed."
    )
    assert snapshot(cli.location) == before
    # Without them, the members ending on the day are left alone and the others extended.
    cli.ok("move", "6", "--end", "2027-02-09")
    cli.ok("move", "7", "--end", "2027-02-09")
    result = cli.ok("extend", "--batch", "1", "--to", "2027-02-10")
    assert result.stderr.splitlines()[-1] == "Batch 1: 5 exemptions extended, 2 already ended on 10 Feb 2027."


def test_a_batch_refusal_names_the_first_twenty_refused_members_and_how_many_more(
    cli: Cli, tmp_path: Path, clock: Clock
) -> None:
    """`move --batch --by` on a half-started batch: every started member is refused by R5."""
    rows = "".join(f"{300_000_000 + n},{'2027-01-05' if n < 25 else '2027-01-20'}\n" for n in range(30))
    (tmp_path / "cohort.csv").write_text("student_id,start\n" + rows, encoding="utf-8")
    cli.ok("bulk", str(tmp_path / "cohort.csv"), "--type", "placement", "--end", "2027-02-28")
    clock(datetime(2027, 1, 6, 9, 0, tzinfo=LONDON))  # 25 have started
    before = snapshot(cli.location)
    result = cli("move", "--batch", "1", "--by", "1w")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("Error: Exemption 1 started on 5 Jan 2027, so its start cannot change")
    ids = ", ".join(str(n) for n in range(1, 21))
    assert lines[-1].endswith(
        f"in all, 25 members of batch 1 cannot change ({ids} and 5 more; the first twenty listed above), "
        "so nothing was changed."
    )
    table = "\n".join(lines[:-1])
    for n in range(1, 21):  # each named with its own reason
        assert f"exemption {n} started on 5 Jan 2027" in table
    assert "exemption 21 started" not in table
    assert snapshot(cli.location) == before


def test_a_batch_refused_by_r7_names_every_clashing_member(cli: Cli, tmp_path: Path) -> None:
    _batch(cli, tmp_path, ["2027-01-24"] * 4)
    for student in ("300000001", "300000003"):  # their own placement from 1 Feb
        cli.add(student, "--start", "2027-02-01", "--end", "2027-02-10")
    result = cli("extend", "--batch", "1", "--to", "2027-02-02")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].endswith(
        "in all, 2 members of batch 1 cannot change (2, 4; listed above), so nothing was changed."
    )
    assert "student 300000001 already has exemption 5" in result.stderr
    assert "student 300000003 already has exemption 6" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["list", "--batch", "999"],
        ["extend", "--batch", "999", "--by", "1w"],
        ["move", "--batch", "999", "--end", "2027-02-01"],
        ["delete", "--batch", "999", "--yes"],
        ["timeline", "--batch", "999"],
    ],
)
def test_an_unknown_batch_is_exit_3_pointing_to_batches(cli: Cli, command: list[str]) -> None:
    cli.add()
    result = cli(*command)
    assert result.exit_code == 3
    assert result.stderr == "Error: There is no batch 999; `stream-exempt batches` lists every batch.\n"
