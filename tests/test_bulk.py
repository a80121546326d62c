"""`bulk` with real CSV files, all or nothing; batch changes; `check --file` feeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import LONDON, Cli, Clock, ids_in, snapshot, write

OPTIONS = ["--type", "placement", "--start", "2027-01-11", "--for", "6w"]


def test_bulk_creates_one_batch(cli: Cli, tmp_path: Path, login: str) -> None:
    path = write(tmp_path, "Student Number,Name\n201234567,Ann\n201234568,Bob\n")
    result = cli.ok("bulk", path, *OPTIONS, "--reason", "Ward placement")
    assert result.stdout == (
        "Batch 1: 2 exemptions created, 0 already recorded.\n  11 Jan 2027 to 21 Feb 2027: 2 students\n"
    )
    rows = json.loads(cli.ok("list", "--batch", "1", "--format", "json").stdout)
    assert [(r["student_id"], r["batch"], r["end"], r["reason"]) for r in rows] == [
        ("201234567", 1, "2027-02-21", "Ward placement"),
        ("201234568", 1, "2027-02-21", "Ward placement"),
    ]
    events = json.loads(cli.ok("history", "1", "--format", "json").stdout)
    assert [(e["action"], e["actor"], e["actor_for"]) for e in events] == [("bulk", login, None)]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("\ufeffstudent_id,name\n201234567,Zoë\n201234568,Siân\n", "utf-8"),  # BOM from Excel
        ("student_id,name\r\n201234567,Zoë\r\n201234568,Siân\r\n", "cp1252"),
    ],
)
def test_encodings(cli: Cli, tmp_path: Path, text: str, encoding: str) -> None:
    path = write(tmp_path, text, encoding=encoding)
    extra = ["--encoding", "cp1252"] if encoding == "cp1252" else []
    cli.ok("bulk", path, *OPTIONS, *extra)
    assert ids_in(cli) == ["201234567", "201234568"]


def test_undecodable_input_suggests_encoding(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "student_id,name\n201234567,Zoë\n", encoding="cp1252")
    result = cli("bulk", path, *OPTIONS)
    assert result.exit_code == 2 and "--encoding cp1252" in result.stderr
    assert ids_in(cli) == []


def test_quoted_fields_blank_lines_and_stdin(cli: Cli) -> None:
    text = 'name,"student id",note\n"Smith, Ann",201234567,"says ""hi"""\n\n,,\n"Jones, Bob", 201234568 ,x\n'
    result = cli.ok("bulk", "-", *OPTIONS, input=text)
    assert "2 exemptions created" in result.stdout
    assert ids_in(cli) == ["201234567", "201234568"]


def test_per_row_values_fill_what_the_options_did_not_set(cli: Cli, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id,type,start,end,reason\n"
        "201234567,placement,11/01/2027,20/01/2027,Ward 1\n"
        "201234568,Dissertation Period,2027-02-01,2027-03-01,\n",
    )
    cli.ok("bulk", path)
    rows = json.loads(cli.ok("list", "--format", "json").stdout)
    assert [(r["type"], r["start"], r["end"], r["reason"]) for r in rows] == [
        ("placement", "2027-01-11", "2027-01-20", "Ward 1"),
        ("dissertation", "2027-02-01", "2027-03-01", None),
    ]
    before = snapshot(cli.location)
    clash = cli("bulk", path, "--type", "withdrawn")  # an option never silently overrides the file
    assert clash.exit_code == 2 and snapshot(cli.location) == before
    assert clash.stderr == (
        "Error: --type withdrawn and the column 'type' both give the type, and line 2 has 'placement'; "
        "an option never overrides the file, so leave out one of them.\n"
    )


def test_a_re_run_creates_nothing_and_repeats_are_counted_once(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "sid\n201234567\n201234568\n201234567\n")
    first = cli.ok("bulk", path, *OPTIONS)
    assert "2 exemptions created" in first.stdout
    assert "Warning: line 4 repeats line 2 for student 201234567; counted once." in first.stderr
    before = snapshot(cli.location)
    again = cli.ok("bulk", path, *OPTIONS)
    assert again.stdout == "Nothing new: all 2 already recorded.\n"
    assert snapshot(cli.location) == before


def test_a_refused_import_lists_every_bad_row_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.add("201234570", "--start", "2027-01-20", "--end", "2027-01-30")
    before = snapshot(cli.location)
    path = write(
        tmp_path,
        "student_id,start\n"
        "201234567,2027-01-11\n"  # fine
        "2.01E+08,2027-01-11\n"  # reformatted by a spreadsheet
        "20123,2027-01-11\n"  # too short
        "201234568,31/02/2027\n"  # no such date
        "201234569,\n"  # no start
        "201234570,2027-01-11\n"  # overlaps exemption 1 in the store
        "201234571,2027-01-11\n"
        "201234571,2027-01-12\n"  # overlaps the row above
        "201234572,2027-01-04\n",  # today: not in the future
    )
    result = cli("bulk", path, "--type", "placement", "--for", "2w")
    assert result.exit_code == 2
    assert snapshot(cli.location) == before
    err = result.stderr
    assert "Error: 7 of 9 rows of" in err and "nothing was written" in err
    for line, text in [
        ("3", "spreadsheet reformatted"),
        ("4", "not a student ID"),
        ("5", "not a real calendar date"),
        ("6", "no start"),
        ("7", "already has exemption 1"),
        ("9", "shares days with line 8"),
        ("10", "not in the future"),
    ]:
        assert any(row.strip("│ ").startswith(line) and text in row for row in err.splitlines()), (line, err)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("student_id\n", "no students"),
        ("\n\n", "is empty"),
        ("name,surname\nAnn,Smith\n", "No student-ID column found among the headers 'name', 'surname'"),
    ],
)
def test_files_that_cannot_be_a_cohort(cli: Cli, tmp_path: Path, text: str, message: str) -> None:
    result = cli("bulk", write(tmp_path, text), *OPTIONS)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert result.stderr.startswith("Error: ")


def test_column_option_and_the_only_column(cli: Cli, tmp_path: Path) -> None:
    cli.ok("bulk", write(tmp_path, "Matric\n201234567\n"), *OPTIONS)
    cli.ok("bulk", write(tmp_path, "a,Matric\nx,201234568\n"), *OPTIONS, "--column", "Matric")
    assert cli("bulk", write(tmp_path, "a,b\nx,201234569\n"), *OPTIONS, "--column", "c").exit_code == 2
    assert ids_in(cli) == ["201234567", "201234568"]


def test_dry_run_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "sid\n201234567\n")
    cli.ok("list")
    before = snapshot(cli.location)
    result = cli.ok("bulk", path, *OPTIONS, "--dry-run")
    assert result.stdout.startswith("Dry run: 1 exemption would be created")
    assert snapshot(cli.location) == before


def test_a_dry_run_on_a_store_not_made_yet_checks_against_an_empty_one(clock: object, tmp_path: Path) -> None:
    # SPEC 10: the README recommends a dry run before the first import; it must not be exit 4.
    cli = Cli(tmp_path / "new" / "exemptions.db")
    result = cli("bulk", write(tmp_path, "sid\n201234567\n201234568\n"), *OPTIONS, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "Dry run: 2 exemptions would be created as one new batch, 0 already recorded"
    )
    assert result.stderr == (
        f"There is no store at {cli.shown} yet: the file was checked as if against an empty store, "
        "and nothing was created.\n"
    )
    assert not (tmp_path / "new").exists()
    refused = cli("bulk", write(tmp_path, "sid\n201234567\nnot-an-id\n"), *OPTIONS, "--dry-run")
    assert refused.exit_code == 2 and "not-an-id" in refused.stderr
    assert not (tmp_path / "new").exists()


def test_bulk_warns_when_notifications_may_still_trigger(cli: Cli, tmp_path: Path) -> None:
    result = cli.ok(
        "bulk",
        write(tmp_path, "sid\n201234567\n"),
        "--type",
        "placement",
        "--start",
        "tomorrow",
        "--for",
        "1w",
    )
    assert "notifications may still trigger until 6 Jan 2027 for 1 of these exemption" in result.stderr


def _batch(cli: Cli, tmp_path: Path) -> None:
    cli.ok(
        "bulk",
        write(tmp_path, "sid\n201234567\n201234568\n201234569\n"),
        "--type",
        "placement",
        "--start",
        "2027-01-11",
        "--end",
        "2027-01-20",
    )


def test_batch_extend_move_delete(cli: Cli, tmp_path: Path) -> None:
    _batch(cli, tmp_path)
    cli.ok("delete", "3", "--yes")
    extended = cli.ok("extend", "--batch", "1", "--by", "1w")
    assert "Batch 1: 2 exemptions extended; 1 left as they were" in extended.stderr
    rows = json.loads(cli.ok("list", "--batch", "1", "--status", "all", "--format", "json").stdout)
    assert [(r["end"], r["status"]) for r in rows] == [
        ("2027-01-27", "pending"),
        ("2027-01-27", "pending"),
        ("2027-01-20", "deleted"),
    ]
    cli.ok("move", "--batch", "1", "--start", "2027-02-01")
    assert cli.ok("list", "--batch", "1", "--format", "csv").stdout.count("2027-02-01,2027-02-17") == 2
    cli.ok("delete", "--batch", "1", "--yes")
    assert cli.ok("list", "--batch", "1", "--ids").stdout == ""


def test_a_batch_change_is_all_or_nothing(cli: Cli, tmp_path: Path) -> None:
    _batch(cli, tmp_path)
    cli.add("201234569", "--start", "2027-01-25", "--end", "2027-01-30")
    before = snapshot(cli.location)
    result = cli("extend", "--batch", "1", "--to", "2027-01-26")
    assert result.exit_code == 2 and "Exemption 3 cannot change" in result.stderr
    assert snapshot(cli.location) == before
    assert cli("extend", "--batch", "7", "--by", "1w").exit_code == 3


FEED = (
    "student_id,date,notification\n"
    "201234567,2027-01-15,No Digital Engagement\n"
    "201234568,2027-01-15,No Digital Engagement\n"
    "201234567,2027-01-30,No Digital Engagement\n"
    "bogus,2027-01-15,No Digital Engagement\n"
    "201234567,someday,No Digital Engagement\n"
)


def test_check_file_appends_suppressed_and_exemption_in_order(cli: Cli) -> None:
    cli.add("201234567", "--start", "2027-01-11", "--end", "2027-01-20")
    result = cli("check", "--file", "-", input=FEED)
    assert result.exit_code == 2  # two unreadable rows
    assert result.stdout.splitlines() == [
        "student_id,date,notification,suppressed,exemption",
        "201234567,2027-01-15,No Digital Engagement,true,1",
        "201234568,2027-01-15,No Digital Engagement,false,",
        "201234567,2027-01-30,No Digital Engagement,false,",
        "bogus,2027-01-15,No Digital Engagement,false,",
        "201234567,someday,No Digital Engagement,false,",
    ]
    assert "Line 5 of standard input" in result.stderr and "Line 6 of standard input" in result.stderr


def test_check_file_jsonl_and_no_date_column(cli: Cli, tmp_path: Path, clock: Clock) -> None:
    from datetime import datetime

    cli.add("201234567", "--start", "2027-01-11", "--end", "2027-01-20")
    clock(datetime(2027, 1, 12, 23, 30, tzinfo=LONDON))
    path = write(tmp_path, "sid,kind\n201234567,NDE\n201234568,NDE\n", name="feed.csv")
    result = cli.ok("check", "--file", path, "--format", "jsonl")
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"sid": "201234567", "kind": "NDE", "suppressed": True, "exemption": 1},
        {"sid": "201234568", "kind": "NDE", "suppressed": False, "exemption": None},
    ]


def test_check_file_header_only_is_an_empty_answer(cli: Cli) -> None:
    result = cli.ok("check", "--file", "-", input="student_id,date\n")
    assert result.stdout == "student_id,date,suppressed,exemption\n"
    assert cli("check", "--file", "-", input="").exit_code == 2


def test_long_files_show_progress_on_stderr_only(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("stream_exempt.output.reporter._stderr_is_terminal", lambda: True)
    monkeypatch.setattr("stream_exempt.cli.bulk.PROGRESS_FROM", 10)
    path = write(tmp_path, "sid\n" + "".join(f"{201234500 + i}\n" for i in range(50)))
    result = cli.ok("bulk", path, *OPTIONS)
    assert result.stdout.startswith("Batch 1: 50 exemptions created, 0 already recorded.\n")
    assert "Checking rows" in result.stderr
    assert "Writing 50 exemptions" in result.stderr


@pytest.mark.parametrize(
    ("headers", "column"),
    [
        ("Student Number,Name", 0),
        ("name,STUDENT_ID", 1),
        ("Name,Student No", 1),
        # two usual names ("id,student_id") are refused: tests/test_feed_dates.py (SPEC v3, 10)
        ("Name,SID", 1),
        ("Student ID,x", 0),
        ("studentid", 0),
        ("matric", 0),  # the only column
    ],
)
def test_the_student_id_column_is_found_by_its_usual_names(headers: str, column: int) -> None:
    from stream_exempt.csvio import find_column

    assert find_column(headers.split(","), None) == column


@pytest.mark.parametrize(
    ("today", "first_changes", "second_changes"),
    [
        ("2027-01-19", True, True),  # the day before the first member's end
        ("2027-01-20", False, True),  # the day it ends: left as it was (R4)
        ("2027-01-21", False, True),
        ("2027-01-25", False, False),  # the second member's last day
    ],
)
def test_batch_changes_leave_members_that_have_ended(
    cli: Cli, tmp_path: Path, clock: Clock, today: str, first_changes: bool, second_changes: bool
) -> None:
    from datetime import date, datetime, time

    path = write(tmp_path, "sid,end\n201234567,2027-01-20\n201234568,2027-01-25\n")
    cli.ok("bulk", path, "--type", "placement", "--start", "2027-01-11")
    clock(datetime.combine(date.fromisoformat(today), time(9, 0), tzinfo=LONDON))
    result = cli.ok("extend", "--batch", "1", "--by", "1w")
    changed = first_changes + second_changes
    assert f"Batch 1: {changed} exemption" in result.stderr
    if changed < 2:
        assert f"{2 - changed} left as they were" in result.stderr
    rows = json.loads(cli.ok("list", "--batch", "1", "--status", "all", "--format", "json").stdout)
    assert [r["end"] for r in rows] == [
        "2027-01-27" if first_changes else "2027-01-20",
        "2027-02-01" if second_changes else "2027-01-25",
    ]


def test_rows_with_different_terms_are_recorded_in_file_order(cli: Cli, tmp_path: Path) -> None:
    # Runs of rows sharing their terms are written together; ids still follow the file.
    path = write(
        tmp_path,
        "id,type,reason\n"
        "201234561,placement,Ward 1\n"
        "201234562,placement,Ward 1\n"
        "201234563,dissertation,\n"
        "201234564,placement,Ward 1\n"
        "201234565,placement,Ward 2\n",
    )
    cli.ok("bulk", path, "--start", "2027-01-11", "--for", "1w")
    rows = json.loads(cli.ok("list", "--format", "json").stdout)
    by_id = sorted(rows, key=lambda r: r["id"])
    assert [(r["student_id"], r["type"], r["reason"]) for r in by_id] == [
        ("201234561", "placement", "Ward 1"),
        ("201234562", "placement", "Ward 1"),
        ("201234563", "dissertation", None),
        ("201234564", "placement", "Ward 1"),
        ("201234565", "placement", "Ward 2"),
    ]
    assert {r["end"] for r in rows} == {"2027-01-17"}
    history = cli.ok("history", str(by_id[2]["id"])).stdout
    assert "bulk" in history and "Dissertation Period" in history


def test_a_row_overlapping_one_already_recorded_is_refused(cli: Cli, tmp_path: Path) -> None:
    cli.ok("add", "201234567", "--type", "placement", "--start", "2027-01-11", "--end", "2027-01-31")
    path = write(
        tmp_path,
        "id,start,end\n"
        "201234567,2027-01-11,2027-01-31\n"  # already recorded
        "201234567,2027-01-20,2027-02-10\n",  # shares days with it
    )
    result = cli("bulk", path, "--type", "placement")
    assert result.exit_code == 2
    assert "3" in result.stderr and "already has exemption 1" in result.stderr
    assert "1 of 2 rows" in result.stderr


def test_options_that_break_r2_are_one_error_not_a_row_each(bare_cli: Cli, tmp_path: Path) -> None:
    cli = bare_cli
    path = write(tmp_path, "sid\n201234567\n201234568\n")
    result = cli("bulk", path, "--type", "placement", "--start", "2027-01-20", "--end", "2027-01-19")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: The end 19 Jan 2027 is before the start 20 Jan 2027; give an end on or after the start.\n"
    )
    assert snapshot(cli.location) == {}  # refused before the store was opened


def test_the_garbage_collector_is_back_on_after_an_import(cli: Cli, tmp_path: Path) -> None:
    import gc

    cli.ok("bulk", write(tmp_path, "sid\n201234567\n"), *OPTIONS)
    assert gc.isenabled()
    assert cli("bulk", write(tmp_path, "sid\n2.01E+08\n", name="bad.csv"), *OPTIONS).exit_code == 2
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("now", "start", "created"),
    [
        ((2027, 1, 4, 12, 0), "2027-01-03", False),  # the day before today
        ((2027, 1, 4, 12, 0), "2027-01-04", False),  # today
        ((2027, 1, 4, 12, 0), "2027-01-05", True),  # the day after
        ((2027, 7, 14, 23, 30), "2027-07-14", False),  # a summer night in London: still the 14th
        ((2027, 7, 14, 23, 30), "2027-07-15", True),
        ((2027, 7, 15, 0, 30), "2027-07-15", False),  # the 15th in London, still the 14th in UTC
        ((2027, 7, 15, 0, 30), "2027-07-16", True),
    ],
)
def test_r3_for_a_whole_cohort_at_its_boundary(
    cli: Cli, tmp_path: Path, clock: Clock, now: tuple[int, int, int, int, int], start: str, created: bool
) -> None:
    from datetime import datetime

    clock(datetime(*now, tzinfo=LONDON))
    path = write(tmp_path, "sid\n201234567\n201234568\n")
    result = cli("bulk", path, "--type", "placement", "--start", start, "--for", "1w")
    if created:
        assert result.exit_code == 0 and "2 exemptions created" in result.stdout, result.stderr
    else:  # one error for the option, not one refused row per student
        assert result.exit_code == 2 and snapshot(cli.location).get("exemptions", []) == []
        assert result.stderr.startswith(f"Error: --start {result_day(start)} is not after today")
        assert "rows" not in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("now", "options"),
    [
        ((2027, 1, 10, 12, 0), OPTIONS),  # the day before the start: --start is still after today
        ((2027, 1, 11, 9, 0), OPTIONS),  # the day of the start
        ((2027, 1, 12, 9, 0), OPTIONS),  # the day after
        ((2027, 1, 12, 9, 0), ["--type", "placement", "--start", "2027-01-11", "--end", "2027-02-21"]),
        ((2027, 2, 21, 9, 0), OPTIONS),  # the last day: still live, still recorded
    ],
)
def test_a_re_run_of_an_import_whose_start_has_passed_creates_nothing_new(
    cli: Cli, tmp_path: Path, clock: Clock, now: tuple[int, int, int, int, int], options: list[str]
) -> None:
    """SPEC 7: running the same import twice creates nothing new, whether its dates are options
    or columns; an option no new row could pass is still one error when any row is new."""
    from datetime import datetime

    cli.ok("bulk", write(tmp_path, "sid\n201234567\n201234568\n"), *OPTIONS)  # starts 11 Jan
    clock(datetime(*now, tzinfo=LONDON))
    before = snapshot(cli.location)
    same = write(tmp_path, "sid\n201234568\n201234567\n201234567\n", name="again.csv")
    assert cli.ok("bulk", same, *options).stdout == "Nothing new: all 2 already recorded.\n"
    dry = cli.ok("bulk", same, *options, "--dry-run").stdout
    assert dry.startswith("Dry run: 0 exemptions would be created as one new batch, 2 already recorded")
    assert snapshot(cli.location) == before
    grown = cli("bulk", write(tmp_path, "sid\n201234567\n201234568\n201234569\n", name="grown.csv"), *options)
    if now[2] == 10:  # before the start, the new student is simply added
        assert grown.exit_code == 0 and "1 exemption created, 2 already recorded" in grown.stdout
        return
    assert grown.exit_code == 2 and snapshot(cli.location) == before
    today = f"{now[2]} {'Jan' if now[1] == 1 else 'Feb'} 2027"
    assert grown.stderr == (
        f"Error: --start 11 Jan 2027 is not after today ({today}), so no student could be exempted: "
        "an exemption can only cover future days; give a --start after today.\n"
    )
    # A start column in the past is judged the same way: rows already recorded are skipped.
    per_row = "sid,start\n201234567,2027-01-11\n201234568,2027-01-11\n"
    again = cli.ok("bulk", write(tmp_path, per_row, name="columns.csv"), "--type", "placement", "--for", "6w")
    assert again.stdout == "Nothing new: all 2 already recorded.\n"


def test_a_re_run_after_the_end_has_passed_is_one_error_for_the_option(
    cli: Cli, tmp_path: Path, clock: Clock
) -> None:
    from datetime import datetime

    path = write(tmp_path, "sid\n201234567\n")
    cli.ok("bulk", path, *OPTIONS)  # 11 Jan to 21 Feb
    clock(datetime(2027, 2, 22, 9, 0, tzinfo=LONDON))  # expired: no longer a live exemption
    result = cli("bulk", path, *OPTIONS)
    assert result.exit_code == 2 and result.stderr.startswith("Error: --start 11 Jan 2027 is not after today")
    assert len(result.stderr.splitlines()) == 1


def test_a_past_start_with_a_file_that_cannot_be_read_is_the_options_error(cli: Cli, tmp_path: Path) -> None:
    cli.add("201234567")
    result = cli(
        "bulk", write(tmp_path, "name,surname\nAnn,Smith\n"), "-t", "placement", "-s", "today", "--for", "1w"
    )
    assert result.exit_code == 2 and result.stderr.startswith("Error: --start 4 Jan 2027 is not after today")


def result_day(iso: str) -> str:
    from datetime import date

    from stream_exempt.dates import show

    return show(date.fromisoformat(iso))


# Today is Monday 4 Jan 2027: what is recorded today comes into force on 6 Jan.
@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        (
            "sid\n201234567\n201234568\n",
            ["--start", "2027-01-05", "--for", "1d"],
            "this import would end on 5 Jan",
        ),
        ("sid\n201234567\n201234568\n", ["--start", "2027-01-05", "--for", "2d"], None),
        ("sid,start\n201234567,2027-01-05\n", ["--end", "2027-01-05"], "this import would end on 5 Jan"),
        ("sid,start\n201234567,2027-01-05\n", ["--end", "2027-01-06"], None),
        ("sid,start,end\n201234567,2027-01-05,2027-01-05\n", [], "before it comes into force on 6 Jan"),
        ("sid,start,end\n201234567,2027-01-05,2027-01-06\n", [], None),
    ],
)
def test_r5c_a_cohort_that_would_suppress_nothing_is_refused(
    cli: Cli, tmp_path: Path, text: str, options: list[str], message: str | None
) -> None:
    result = cli("bulk", write(tmp_path, text), "--type", "placement", *options)
    if message is None:
        assert result.exit_code == 0, result.stderr
    else:
        assert result.exit_code == 2
        assert message in result.stderr
        assert snapshot(cli.location).get("exemptions", []) == []
