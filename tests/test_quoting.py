"""Text from outside, as messages and tables show it (SPEC 10): a value quoted in a refusal is
shortened past 80 characters, with its length; control and terminal escape characters are
escaped in every format but the machine formats' own quoting."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from helpers import Cli
from stream_exempt import errors

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
    assert errors.printable("7" * length) == shown


def test_a_shortened_value_keeps_its_escapes() -> None:
    assert errors.printable("\x1b[31m" + "x" * 100) == "'\\x1b[31m" + "x" * 74 + "…' (105 characters)"


@pytest.mark.parametrize(
    "args",
    [
        ["add", LONG_ID, "--type", "placement", "--start", "2027-01-11", "--for", "2w"],
        ["add", "201234567", "--type", "placement", "--start", "1" * 5000, "--for", "2w"],
        ["add", "201234567", "--type", "p" * 5000, "--start", "2027-01-11", "--for", "2w"],
        ["add", "201234567", "--type", "placement", "--start", "2027-01-11", "--for", "9" * 5000 + "x"],
        ["list", "--status", "a" * 5000],
        ["check", LONG_ID],
        ["list", "--format", "x" * 5000],
        ["list", "--sort", "y" * 5000],
    ],
    ids=["id", "date", "type", "duration", "status", "check", "format", "sort"],
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
        "201234567; it is passed through as not suppressed.\n"
    )
    assert result.stdout.splitlines()[1] == f"{LONG_ID},2027-01-11,false,"  # the feed's own row stays whole


# --- escaped text in tables (SPEC 10) -------------------------------------------------------

EVIL = "ward\x1b[2J\x1b]0;pwned\x07\nnext\u202eline\x9b.csv"  # clears the screen, retitles, splits
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def _evil_batch(cli: Cli, tmp_path: Path) -> Path:
    path = tmp_path / EVIL
    path.write_text("student_id\n201234567\n201234568\n")
    cli.ok("bulk", str(path), "--type", "placement", "--start", "2027-01-11", "--for", "2w")
    return path


@pytest.mark.parametrize("fmt", ["table", "plain", "markdown"])
def test_a_file_name_with_escape_codes_is_escaped_in_batches_tables(
    cli: Cli, tmp_path: Path, fmt: str
) -> None:
    _evil_batch(cli, tmp_path)
    shown = cli.ok("batches", "--format", fmt).stdout
    assert not any(char in shown for char in RAW), repr(shown)
    assert "\\x1b" in shown
    body = [line for line in shown.splitlines() if line.strip()]
    if fmt == "markdown":  # the heading, its rule and one row: the newline did not split it
        assert len(body) == 3 and all(line.startswith("|") and line.endswith("|") for line in body)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_machine_formats_keep_the_file_name_in_their_own_quoting(cli: Cli, tmp_path: Path, fmt: str) -> None:
    _evil_batch(cli, tmp_path)
    shown = cli.ok("batches", "--format", fmt).stdout
    if fmt == "csv":
        source = next(iter(csv.DictReader(io.StringIO(shown))))["source"]
    elif fmt == "json":
        source = json.loads(shown)[0]["source"]
    else:
        source = json.loads(shown.splitlines()[0])["source"]
    assert source.endswith(EVIL)


@pytest.mark.parametrize("fmt", ["table", "plain", "markdown"])
def test_every_table_escapes_control_characters(fmt: str) -> None:
    """Whatever a command puts in a table for people, the table format escapes it: the
    renderer is one for every command (list, requests, history, batches, types)."""
    from stream_exempt import output

    table = output.Table(
        ("id", "text"), ("ID", "Text"), [("1", EVIL), ("2", "plain")], machine=list, human=list
    )
    out = io.StringIO()
    output.render(table, fmt, out)
    shown = out.getvalue()
    assert not any(char in shown for char in RAW), repr(shown)
    assert "next" in shown and "2" in shown
    if fmt == "markdown":
        assert len(shown.splitlines()) == 4


def test_a_file_name_with_escape_codes_is_escaped_in_warnings_and_reports(cli: Cli, tmp_path: Path) -> None:
    """Messages on stderr too: the note that a feed has no date column, a bad row's report,
    and the warning that a cohort list has no header row."""
    feed = tmp_path / EVIL
    feed.write_text("student_id\n201234567\nnot-an-id\n")
    checked = cli("check", "--file", str(feed))
    assert checked.exit_code == 2
    assert not any(char in checked.stderr for char in RAW), repr(checked.stderr)
    assert len(checked.stderr.splitlines()) == 2  # the note and the bad row: the newline escaped
    cohort = tmp_path / ("x" + EVIL)
    cohort.write_text("201234567\n201234568\n")
    imported = cli("bulk", str(cohort), "--type", "placement", "--start", "2027-01-11", "--for", "2w")
    assert imported.exit_code == 0, imported.stderr
    assert not any(char in imported.stderr for char in RAW), repr(imported.stderr)
    assert imported.stderr.startswith("Warning: ") and len(imported.stderr.splitlines()) == 1
