"""Text from outside, as messages and tables show it (SPEC 10): a value quoted in a refusal is
shortened past 80 characters, with its length; control and terminal escape characters are
escaped in every format but the machine formats' own quoting."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import Cli
from stream_exempt import validate

LONG_ID = "2" + "0" * 1_999_999  # a 2,000,000-digit "student ID"
SHORT = "2" + "0" * 78 + "…' (2,000,000 characters)"  # how it is quoted


@pytest.mark.parametrize(
    ("length", "shown"),
    [
        (79, "'" + "7" * 79 + "'"),
        (80, "'" + "7" * 80 + "'"),
        (81, "'" + "7" * 79 + "…' (81 characters)"),
        (2_000_000, "'" + "7" * 79 + "…' (2,000,000 characters)"),
    ],
)
def test_a_quoted_value_is_shortened_past_80_characters(length: int, shown: str) -> None:
    assert validate.printable("7" * length) == shown


def test_a_shortened_value_keeps_its_escapes() -> None:
    assert validate.printable("\x1b[31m" + "x" * 100) == "'\\x1b[31m" + "x" * 74 + "…' (105 characters)"


@pytest.mark.parametrize(
    "args",
    [
        ["add", LONG_ID, "--type", "placement", "--start", "2027-01-11", "--for", "2w"],
        ["add", "201234567", "--type", "placement", "--start", "1" * 5000, "--for", "2w"],
        ["add", "201234567", "--type", "p" * 5000, "--start", "2027-01-11", "--for", "2w"],
        ["add", "201234567", "--type", "placement", "--start", "2027-01-11", "--for", "9" * 5000 + "x"],
        ["list", "--status", "a" * 5000],
        ["check", LONG_ID],
    ],
    ids=["id", "date", "type", "duration", "status", "check"],
)
def test_a_long_value_typed_is_shortened_in_the_refusal(cli: Cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert len(result.stderr) < 400, result.stderr[:400]
    assert "characters)" in result.stderr


def test_a_long_id_in_a_cohort_list_is_shortened_in_the_refused_rows(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "cohort.csv"
    path.write_text(f"student_id\n{LONG_ID}\n201234567\n")
    result = cli("bulk", str(path), "--type", "placement", "--start", "2027-01-11", "--for", "2w")
    assert result.exit_code == 2
    assert len(result.stderr) < 2000
    assert "2" + "0" * 78 + "… (2,000,000 characters)" in result.stderr  # the Student ID cell
    assert LONG_ID[:200] not in result.stderr


def test_a_long_id_in_a_feed_is_shortened_in_its_bad_row_report(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text(f"student_id,date\n{LONG_ID},2027-01-11\n")
    result = cli("check", "--file", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: Line 2 of {path}: '{SHORT} is not a student ID; student IDs are nine digits, such as "
        "201234567. It is passed through as not suppressed.\n"
    )
    assert result.stdout.splitlines()[1] == f"{LONG_ID},2027-01-11,false,"  # the feed's own row stays whole
