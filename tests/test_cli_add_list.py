"""`add`, `list` and `types` through the CLI (CliRunner), with time frozen on Monday 4 Jan 2027."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from helpers import Cli, Clock, snapshot


def test_add_shows_the_new_exemption(cli: Cli) -> None:
    result = cli.ok(
        "add",
        " 201234567 ",
        "--type",
        "Practice Placement Block",
        "--start",
        "11/01/2027",
        "--for",
        "2w",
        "--reason",
        "Leeds General Infirmary",
    )
    assert result.stdout.splitlines() == [
        "Added exemption 1",
        "  student        201234567",
        "  type           Practice Placement Block",
        "  dates          11 Jan 2027 to 24 Jan 2027 (14 days)",
        "  in force from  6 Jan 2027",
        "  status         pending",
        "  reason         Leeds General Infirmary",
    ]
    assert result.stderr == ""


def test_add_quiet_prints_only_the_id(cli: Cli) -> None:
    assert cli.ok("add", "201234567", "-t", "placement", "-s", "+1w", "-e", "+2w", "-q").stdout == "1\n"
    assert cli.ok("add", "201234568", "-t", "placement", "-s", "+1w", "-e", "+2w", "-q").stdout == "2\n"


@pytest.mark.parametrize(
    ("start", "warned"),
    [("2027-01-05", True), ("2027-01-06", False)],  # tomorrow is before Wednesday's in-force date
)
def test_add_warns_when_notifications_may_still_trigger(cli: Cli, start: str, warned: bool) -> None:
    result = cli.ok("add", "201234567", "-t", "placement", "-s", start, "-e", "2027-01-20")
    assert ("Warning: notifications may still trigger until 6 Jan 2027." in result.stderr) is warned


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2012345678", "-t", "placement", "-s", "+1w", "--for", "1w"], "'2012345678' is not a student ID"),
        (["20123456A", "-t", "placement", "-s", "+1w", "--for", "1w"], "not a student ID"),
        (["２０１２３４５６７", "-t", "placement", "-s", "+1w", "--for", "1w"], "not a student ID"),
        (["2.01E+08", "-t", "placement", "-s", "+1w", "--for", "1w"], "spreadsheet"),
        (["201234567", "-t", "holiday", "-s", "+1w", "--for", "1w"], "'holiday' is not an exemption type"),
        (["201234567", "-t", "placement", "-s", "today", "--for", "1w"], "not in the future"),
        (["201234567", "-t", "placement", "-s", "yesterday", "--for", "1w"], "not in the future"),
        (["201234567", "-t", "placement", "-s", "-1w", "--for", "1w"], "not in the future"),
        (["201234567", "-t", "placement", "-s", "+2w", "-e", "+1w"], "before the start"),
        (["201234567", "-t", "placement", "-s", "+1w"], "--end or the length with --for"),
        (["201234567", "-t", "placement", "-s", "+1w", "-e", "+2w", "--for", "1w"], "not both"),
        (["201234567", "-t", "placement", "-s", "+1w", "--for", "1w", "-r", "x" * 501], "at most 500"),
        (
            ["201234567", "-t", "placement", "-s", "+1w", "--for", "1w", "-r", "a\x1b[31mb"],
            "control characters",
        ),
        (["201234567", "-t", "placement", "-s", "+1w", "--for", "1w", "--as", ""], "cannot be recorded"),
        (["201234567", "-s", "+1w", "--for", "1w"], "Missing option '--type'"),
    ],
)
def test_add_refusals_exit_2_with_one_error_line_and_write_nothing(
    cli: Cli, args: list[str], message: str
) -> None:
    cli.add("209999999")
    before = snapshot(cli.location)
    result = cli("add", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert message in lines[0]
    assert snapshot(cli.location) == before


def test_add_refuses_an_overlap_of_the_same_type_naming_the_existing_one(cli: Cli) -> None:
    first = cli.add("201234567", "--start", "2027-01-11", "--end", "2027-01-24")
    result = cli("add", "201234567", "-t", "placement", "-s", "2027-01-24", "-e", "2027-02-01")
    assert result.exit_code == 2
    assert f"already has exemption {first}" in result.stderr
    assert f"extend {first}" in result.stderr
    cli.add("201234567", "--start", "2027-01-25", "--end", "2027-02-01")  # adjacent is fine
    cli.add("201234567", "--type", "dissertation", "--start", "2027-01-15", "--end", "2027-01-20")


def test_student_id_pattern_can_be_replaced(cli: Cli) -> None:
    env = {"STREAM_EXEMPT_ID_PATTERN": r"[A-Z]{2}[0-9]{4}"}
    assert cli("add", "AB1234", "-t", "placement", "-s", "+1w", "--for", "1w", env=env).exit_code == 0
    assert cli("add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w", env=env).exit_code == 2
    assert cli("add", "AB1234X", "-t", "placement", "-s", "+1w", "--for", "1w", env=env).exit_code == 2


def test_created_by_is_the_login_and_as_is_who_it_was_for(cli: Cli, login: str) -> None:
    cli.add("201234567")
    cli.add("201234568", "--as", "Alice Smith")
    rows = json.loads(cli.ok("list", "--format", "json").stdout)
    assert [(r["created_by"], r["created_for"]) for r in rows] == [(login, None), (login, "Alice Smith")]
    assert rows[0]["created_at"] == "2027-01-04T12:00:00Z"


def _fill(cli: Cli, clock: Clock) -> dict[str, int]:
    """One exemption in each status as of Monday 11 Jan 2027."""
    from datetime import datetime

    from helpers import LONDON

    ids = {
        "expired": cli.add("201000001", "--start", "2027-01-05", "--end", "2027-01-08"),
        "active": cli.add("201000002", "--start", "2027-01-06", "--end", "2027-01-20"),
        "pending": cli.add("201000003", "--start", "2027-01-12", "--end", "2027-01-20"),
        "deleted": cli.add("201000004", "--start", "2027-01-06", "--end", "2027-01-20"),
    }
    cli.ok("delete", str(ids["deleted"]), "--yes")
    clock(datetime(2027, 1, 11, 9, 0, tzinfo=LONDON))
    return ids


def test_list_defaults_to_live_exemptions_ordered_by_start(cli: Cli, clock: Clock) -> None:
    ids = _fill(cli, clock)
    assert cli.ok("list", "--ids").stdout.split() == [str(ids["active"]), str(ids["pending"])]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (["expired"], ["expired"]),
        (["deleted"], ["deleted"]),
        (["active,pending"], ["active", "pending"]),
        (["active", "expired"], ["expired", "active"]),
        (["all"], ["expired", "active", "deleted", "pending"]),
    ],
)
def test_list_status_filter(cli: Cli, clock: Clock, status: list[str], expected: list[str]) -> None:
    ids = _fill(cli, clock)
    args = [a for s in status for a in ("--status", s)]
    assert cli.ok("list", *args, "--ids").stdout.split() == [str(ids[name]) for name in expected]


def test_list_on_another_day(cli: Cli, clock: Clock) -> None:
    ids = _fill(cli, clock)
    rows = json.loads(cli.ok("list", "--status", "all", "--on", "07/01/2027", "--format", "json").stdout)
    assert {r["id"]: r["status"] for r in rows} == {
        ids["expired"]: "active",
        ids["active"]: "active",
        ids["pending"]: "pending",
        ids["deleted"]: "deleted",
    }


def test_list_filters_by_student_and_type(cli: Cli) -> None:
    a = cli.add("201234567")
    b = cli.add("201234567", "--type", "dissertation")
    cli.add("201234568")
    assert cli.ok("list", "--student", "201234567", "--ids").stdout.split() == [str(a), str(b)]
    assert cli.ok(
        "list", "--student", "201234567", "--type", "Dissertation Period", "--ids"
    ).stdout.split() == [str(b)]
    assert cli("list", "--batch", "9").exit_code == 3
    assert cli("list", "--status", "gone").exit_code == 2


FIELDS = "id,student_id,type,start,end,status,in_force_from,batch,reason,created_by,created_at,deleted_on,created_for"


def test_machine_formats_carry_the_fields_in_order(cli: Cli, login: str) -> None:
    cli.add("201234567", "--reason", "Leeds, ward 4")
    cli.add("201234568", "--reason", "Leeds, ward 4", "--as", "Dr Smith")
    cli.ok("delete", "2", "--yes")
    out = cli.ok("list", "--format", "csv", "--status", "all").stdout
    assert out.splitlines() == [
        FIELDS,
        '1,201234567,placement,2027-01-11,2027-01-24,pending,2027-01-06,,"Leeds, ward 4",'
        f"{login},2027-01-04T12:00:00Z,,",
        '2,201234568,placement,2027-01-11,2027-01-24,deleted,2027-01-06,,"Leeds, ward 4",'
        f"{login},2027-01-04T12:00:00Z,2027-01-04,Dr Smith",
    ]
    tsv = cli.ok("list", "--format", "tsv").stdout.splitlines()
    assert tsv[0] == FIELDS.replace(",", "\t")
    assert tsv[1].split("\t")[8] == "Leeds, ward 4"
    (row,) = json.loads(cli.ok("list", "--format", "json").stdout)
    assert list(row) == FIELDS.split(",")
    assert row["batch"] is None and row["id"] == 1 and row["deleted_on"] is None
    (line,) = cli.ok("list", "--format", "jsonl").stdout.splitlines()
    assert json.loads(line) == row


def test_empty_lists_still_have_headers(cli: Cli) -> None:
    assert cli.ok("list", "--format", "csv").stdout == FIELDS + "\n"
    assert cli.ok("list", "--format", "tsv").stdout == FIELDS.replace(",", "\t") + "\n"
    assert json.loads(cli.ok("list", "--format", "json").stdout) == []
    assert cli.ok("list", "--format", "jsonl").stdout == ""
    assert cli.ok("list", "--ids").stdout == ""


@pytest.mark.parametrize("reason", ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"])
def test_csv_cells_that_a_spreadsheet_would_run_are_defused(cli: Cli, reason: str) -> None:
    cli.add("201234567", "--reason", reason, "--as", "=cmd")
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        (row,) = list(
            csv.DictReader(io.StringIO(cli.ok("list", "--format", fmt).stdout), delimiter=delimiter)
        )
        assert row["reason"] == "'" + reason
        assert row["created_for"] == "'=cmd"
    assert json.loads(cli.ok("list", "--format", "json").stdout)[0]["reason"] == reason


def test_tables_show_labels_and_readable_dates(cli: Cli) -> None:
    cli.add("201234567", "--reason", "[bold]not markup[/bold]")
    table = cli.ok("list").stdout
    assert "Practice Placement Block" in table and "11 Jan 2027" in table and "24 Jan 2027" in table
    assert "[bold]not markup[/bold]" in table
    plain = cli.ok("list", "--format", "plain").stdout.splitlines()
    assert plain[0].split()[:3] == ["ID", "Student", "Type"]
    assert "201234567  Practice Placement Block  11 Jan 2027" in plain[1]
    markdown = cli.ok("list", "--format", "markdown").stdout.splitlines()
    assert markdown[0].startswith("| ID") and markdown[1].startswith("|--")


def test_types_lists_the_five(cli: Cli) -> None:
    rows = json.loads(cli.ok("types", "--format", "json").stdout)
    assert [r["code"] for r in rows] == [
        "authorised-absence",
        "break-in-learning",
        "dissertation",
        "placement",
        "withdrawn",
    ]
    assert rows[1]["label"] == "Break in Learning (DA)"
    assert "Practice Placement Block" in cli.ok("types").stdout


@pytest.mark.parametrize("pattern", [".*", r"\s*", "[0-9]*"])
def test_an_empty_student_id_is_refused_whatever_the_pattern(cli: Cli, tmp_path: Path, pattern: str) -> None:
    env = {"STREAM_EXEMPT_ID_PATTERN": pattern}
    for typed in ("", "   "):
        result = cli("add", typed, "-t", "placement", "-s", "+1w", "--for", "1w", env=env)
        assert result.exit_code == 2, result.stdout
        assert "student ID is empty" in result.stderr
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_id,name\n,Ann\n201234567,Bob\n", encoding="utf-8")
    result = cli("bulk", str(cohort), "-t", "placement", "-s", "+1w", "--for", "1w", env=env)
    assert result.exit_code == 2, result.stdout
    assert "student ID is empty" in result.stderr
    assert json.loads(cli.ok("list", "--status", "all", "--format", "json").stdout) == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--all", "--limit", "3"], "Error: Give --limit N or --all, not both.\n"),
        (
            ["--format", "json"],
            "Error: --ids prints only the ids, one a line, so leave out --format (or --ids).\n",
        ),
        (
            ["--format", "table"],
            "Error: --ids prints only the ids, one a line, so leave out --format (or --ids).\n",
        ),
    ],
)
def test_ids_is_checked_as_every_other_listing(cli: Cli, args: list[str], error: str) -> None:
    """`--ids --all --limit 3` listed three ids where the same without --ids is refused, and
    `--ids --format json` printed bare ids."""
    cli.add("201234567")
    result = cli("list", "--ids", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", error)
    assert cli.ok("list", "--ids", "--limit", "1").stdout.split() == ["1"]
    assert cli.ok("list", "--ids", "--all").stdout.split() == ["1"]


def test_a_limit_beyond_any_integer_type_lists_every_row(cli: Cli) -> None:
    cli.add()
    for huge in ("9223372036854775808", "9" * 40):
        assert cli.ok("list", "--limit", huge, "--format", "csv").stdout.count("\n") == 2
        assert cli.ok("list", "--limit", huge, "--ids").stdout == "1\n"


@pytest.mark.parametrize(("limit", "more"), [("2", "1 more not shown"), ("3", ""), ("4", "")])
def test_the_more_line_at_the_limit_s_boundary(cli: Cli, limit: str, more: str) -> None:
    """One row past the limit is one more not shown; a limit of exactly the rows there are, or
    past them, leaves nothing unsaid (SPEC Tables)."""
    for student in ("201234567", "201234568", "201234569"):
        cli.add(student)
    for fmt in ("csv", "table"):
        result = cli.ok("list", "--limit", limit, "--format", fmt)
        assert result.stderr.startswith(more) and bool(result.stderr) is bool(more), result.stderr


def test_the_more_line_of_a_machine_format_does_not_advise_a_machine_format(cli: Cli) -> None:
    for student in ("201234567", "201234568", "201234569"):
        cli.add(student)
    said = cli.ok("list", "--limit", "2", "--format", "csv").stderr
    assert (
        said
        == "1 more not shown; see them all with --all (or without --limit), more with a larger --limit N.\n"
    )


@pytest.mark.parametrize(
    ("value", "code", "shown"), [("", 2, ""), (" ", 2, ""), (",", 2, ""), ("pending,", 0, "1\n")]
)
def test_an_empty_status_is_refused_a_trailing_comma_is_not(
    cli: Cli, value: str, code: int, shown: str
) -> None:
    """SPEC 7: `--status` takes one of a fixed set of values and refuses any other with exit 2;
    an empty value is not one of them (it used to list the default, live, statuses)."""
    cli.add()  # exemption 1, pending
    result = cli("list", "--status", value, "--ids")
    assert (result.exit_code, result.stdout) == (code, shown)
    if code:
        assert result.stderr == "Error: --status is empty; use active, pending, expired, deleted or all.\n"
