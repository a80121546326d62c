"""Hostile input everywhere: exit 2 (or 3) with one `Error:` line, nothing written, no traceback."""

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from helpers import Cli, snapshot
from stream_exempt import dates, schema, validate
from stream_exempt.cli.app import app
from stream_exempt.errors import Refused

CORPUS = [
    "",
    " ",
    "\x00",
    "2012\x0034567",
    "201234567\u200f",
    "\u202e765432102",
    "٢٠١٢٣٤٥٦٧",
    "'; DROP TABLE exemptions; --",
    "$(rm -rf /)",
    "`id`",
    "x" * 100_000,
    "9" * 400,
    "\x1b[2J\x1b[31m",
    "[bold red]markup[/]",
    "2.01E+08",
    "201234567.0",
]


@pytest.mark.parametrize("value", CORPUS)
def test_hostile_student_ids(cli: Cli, value: str) -> None:
    cli.add("209999999")
    before = snapshot(cli.location)
    for args in (
        ["add", value, "-t", "placement", "-s", "+1w", "--for", "1w"],
        ["check", value],
        ["list", "--student", value],
    ):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.stderr
        assert "\x1b" not in result.stderr and "\x00" not in result.stderr
    assert snapshot(cli.location) == before


@pytest.mark.parametrize("value", [*CORPUS, "29/02/2027", "+99999999d", "31/12/9999", "+1000000m"])
def test_hostile_dates(cli: Cli, value: str) -> None:
    result = cli("add", "201234567", "-t", "placement", "-s", value, "--for", "1w")
    assert result.exit_code == 2 and result.stderr.startswith("Error: ")
    assert len(result.stderr.splitlines()) == 1


def test_the_last_day_of_the_calendar(cli: Cli) -> None:
    result = cli("add", "201234567", "-t", "placement", "-s", "2027-01-11", "--end", "31/12/9999")
    assert result.exit_code == 0
    result = cli("extend", "1", "--by", "1d")
    assert result.exit_code == 2 and result.stderr == (
        "Error: 9999-12-31 + 1d is past the last date the calendar holds (31 Dec 9999).\n"
    )


@pytest.mark.parametrize(
    "value",
    ["\x1b[31mred", "a\x00b", "line\nbreak", "x" * 501, "line\u2028separator", "para\u2029graph", "n\x85el"],
)
def test_hostile_reasons(cli: Cli, value: str) -> None:
    result = cli("add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w", "-r", value)
    assert result.exit_code == 2 and result.stderr.startswith("Error: ")
    assert json.loads(cli.ok("list", "--format", "json").stdout) == []


@pytest.mark.parametrize(
    "content",
    [
        b"student_id\n\xff\xfe\x00bad\n",
        b"student_id\n2012\x0034567\n",
        b"\x00\x00\x00",
        b"sid\n" + b"9" * 300_000 + b"\n",
    ],
)
def test_hostile_csv_files(cli: Cli, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = cli("bulk", str(path), "-t", "placement", "-s", "+1w", "--for", "1w")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "Error: " in result.stderr
    assert json.loads(cli.ok("list", "--format", "json").stdout) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=40))
def test_any_text_as_a_student_id_is_accepted_only_if_nine_ascii_digits(cli: Cli, value: str) -> None:
    result = cli("check", "--", value)  # `--`: a value such as -h is an ID here, not an option
    if value.strip().isascii() and value.strip().isdigit() and len(value.strip()) == 9:
        assert result.exit_code == 1
    else:
        assert result.exit_code == 2
        assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=30) | st.integers().map(str))
def test_any_text_as_an_id_or_date_never_crashes(cli: Cli, value: str) -> None:
    """On an empty store: an id is not found (3), anything else is refused (2); a date is
    answered "not suppressed" (1), anything else is refused (2) (SPEC 7 Exit codes)."""
    is_id = _accepted(validate.exemption_id, value)
    is_date = _accepted(lambda text: dates.parse_date(text, date(2027, 1, 4)), value)
    for args, expected in (
        (["history", value], 3 if is_id else 2),
        (["extend", value, "--by", "1w"], 3 if is_id else 2),
        (["check", "201234567", "--on", value], 1 if is_date else 2),
    ):
        result = cli(*args)
        assert result.exit_code == expected, (args, result.stderr)
        assert "Traceback" not in result.stderr
        if expected != 1:
            assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


def _accepted(parse: Callable[[str], object], value: str) -> bool:
    try:
        parse(value)
    except Refused:
        return False
    return True


def test_doctor_reports_a_healthy_store(cli: Cli) -> None:
    cli.add()
    report = json.loads(cli.ok("doctor", "--json").stdout)
    assert report["healthy"] is True
    if not cli.postgres:  # SQLite's journal; a PostgreSQL store has none of its own
        assert report["journal_mode"] == "wal"
    assert report["counts"]["pending"] == 1 and report["schema_version"] == len(schema.NAMES)


def test_option_text_that_is_not_utf8_is_refused_as_such_never_70(cli: Cli, tmp_path: Path) -> None:
    latin1 = "caf\udce9"  # what Python makes of `caf\xe9` typed at a Latin-1 terminal
    cli.add()
    cli.ok("request", "201234568", "-t", "placement", "-s", "+1w", "--for", "1w", "--from", "Dr A")
    cases = {
        "the reason": [
            ["add", "201234569", "-t", "placement", "-s", "+1w", "--for", "1w", "-r", latin1],
            ["edit", "1", "--reason", latin1],
            ["reject", "R1", "--reason", latin1],
        ],
        "the name given with --as": [
            ["add", "201234569", "-t", "placement", "-s", "+1w", "--for", "1w", "--as", latin1]
        ],
        "the name given with --from": [
            ["request", "201234569", "-t", "placement", "-s", "+1w", "--for", "1w", "--from", latin1]
        ],
    }
    for what, commands in cases.items():
        for command in commands:
            result = cli(*command)
            assert result.exit_code == 2, (command, result.output)
            assert result.stderr.startswith(f"Error: {what.capitalize()} is not valid UTF-8 text; "), (
                result.stderr
            )
    folder = tmp_path / "bk"
    folder.mkdir()
    cohort = folder / "f\udce9.csv"
    cohort.write_bytes(b"student_id\n201234570\n")
    cli.ok("bulk", str(cohort), "-t", "placement", "-s", "+1w", "--for", "1w")
    assert "f\ufffd.csv" in cli.ok("batches", "--format", "csv").stdout


@pytest.mark.sqlite_only("a store file's own name")
def test_a_store_path_with_control_characters_is_shown_escaped(tmp_path: Path) -> None:
    """`init`, `doctor` and `copy-store` name the store in their answer on standard output: a
    path holding an escape sequence, a line break or a bidi mark is shown escaped on one line
    (SPEC 10), as the notes on standard error always showed it."""
    odd = tmp_path / "a\x1b[31mb\nc.db"
    shown = str(odd).replace("\x1b", "\\x1b").replace("\n", "\\n")
    first = Cli(odd)
    created = first.ok("init").stdout
    assert created.startswith(f"Created the store at {shown} (owner ")
    doctor = first.ok("doctor").stdout
    assert doctor.startswith(f"store          {shown}\n")
    copy = tmp_path / "copy\u200f.db"
    copied = CliRunner().invoke(app, ["copy-store", str(odd), str(copy)], catch_exceptions=False)
    assert copied.exit_code == 0
    assert f"from {shown} to {tmp_path}/copy\\u200f.db, at schema version" in copied.stdout
    assert f"Created a new store at {tmp_path}/copy\\u200f.db." in copied.stderr
    for output in (created, doctor, copied.stdout, copied.stderr):
        assert "\x1b" not in output and "\u200f" not in output
