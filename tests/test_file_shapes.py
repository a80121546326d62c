"""Every file shape `bulk` and `check --file` must read (SPEC section 7), with real files in
tests/data written by LibreOffice (see tests/data/README.md)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from helpers import Cli, listed, snapshot, write

DATA = Path(__file__).resolve().parent / "data"
OPTIONS = ["--type", "placement", "--start", "2027-01-11", "--for", "6w"]
# What every cohort file in tests/data holds, as recorded.
COHORT = [
    ("012345678", "placement", "2027-09-06", "2027-10-17", "Ward 4, Hôpital Saint-Éloi"),
    ("201234567", "placement", "2027-09-06", "2027-10-17", "Ward 4, Hôpital Saint-Éloi"),
    ("201234568", "placement", "2027-09-06", "2027-10-17", "Café de la Gare"),
    ("201234569", "placement", "2027-09-13", "2027-10-24", "Community"),
    ("201234570", "placement", "2027-09-13", "2027-10-24", None),
]
RANGES = "  6 Sep 2027 to 17 Oct 2027: 3 students\n  13 Sep 2027 to 24 Oct 2027: 2 students\n"


def recorded(cli: Cli) -> list[tuple[object, ...]]:
    return sorted((r["student_id"], r["type"], r["start"], r["end"], r["reason"]) for r in listed(cli))


# --- header-less cohort lists -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "201234567\n201234568\n",
        "201234567,Ann Smith\n201234568,Bob Jones\n",
        "Ann,201234567\nBob,201234568\n",
    ],
)
def test_a_cohort_without_a_header_loses_no_student(cli: Cli, tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    result = cli.ok("bulk", path, *OPTIONS)
    assert result.stdout.startswith("Batch 1: 2 exemptions created")
    assert result.stderr.startswith(
        f"Warning: {path} has no header row: its line 1 is the student 201234567, so every line is read as a student."
    )
    assert [r[0] for r in recorded(cli)] == ["201234567", "201234568"]


def test_a_header_that_names_a_column_is_a_header_even_beside_an_id(cli: Cli, tmp_path: Path) -> None:
    # `Matric` names no known column and is not a number: a header. `sid` names one.
    cli.ok("bulk", write(tmp_path, "Matric\n201234567\n"), *OPTIONS)
    result = cli.ok("bulk", write(tmp_path, "sid,201234999\n201234568,x\n", name="b.csv"), *OPTIONS)
    assert "no header row" not in result.stderr
    assert [r[0] for r in recorded(cli)] == ["201234567", "201234568"]


def test_a_header_with_a_year_in_it_is_still_a_header(cli: Cli, tmp_path: Path) -> None:
    result = cli("bulk", write(tmp_path, "Matric,2027\n201234567,x\n"), *OPTIONS)
    assert result.stderr == (
        "Error: No student-ID column found among the headers 'Matric', '2027'; "
        "name it student_id or give --column NAME.\n"
    )


def test_a_first_line_reformatted_by_a_spreadsheet_is_a_refused_student(cli: Cli, tmp_path: Path) -> None:
    result = cli("bulk", write(tmp_path, "2.01E+08\n201234568\n"), *OPTIONS)
    assert result.exit_code == 2
    assert "a number a spreadsheet reformatted" in result.stderr and "1 of 2 rows" in result.stderr
    assert snapshot(cli.location).get("exemptions", []) == []


def test_a_headerless_file_needs_its_terms_as_options(cli: Cli, tmp_path: Path) -> None:
    result = cli("bulk", write(tmp_path, "201234567\n"), "--type", "placement")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Nothing gives the start and end of the exemptions: give --start and --end or --for; "
        "the file has no header row, so only options can give them.\n"
    )
    named = cli("bulk", write(tmp_path, "201234567\n"), *OPTIONS, "--start-column", "start")
    assert named.exit_code == 2 and "There is no header row in" in named.stderr


# --- columns by their spreadsheet names ---------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("start", "start"),
        ("Start Date", "start"),
        ("START_DATE", "start"),
        ("from", "start"),
        ("Placement start", "start"),
        ("Placement Start Date", "start"),
        ("placement-start", "start"),
        ("Restart", None),
        ("Start of term notes", None),
        ("end", "end"),
        ("End date", "end"),
        ("to", "end"),
        ("Placement end", "end"),
        ("placement_end_date", "end"),
        ("Weekend", None),
        ("type", "type"),
        ("Exemption Type", "type"),
        ("Student type", None),
        ("reason", "reason"),
        ("Comment", "reason"),
        ("Name", None),
    ],
)
def test_optional_columns_are_found_under_their_spreadsheet_names(header: str, field: str | None) -> None:
    from stream_exempt import cohort

    assert [f for f in cohort.FIELDS if cohort.names_field(header, f)] == ([field] if field else [])


def test_two_candidates_for_one_field_are_one_error_and_an_option_picks_one(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "sid,Start,Placement start\n201234567,2027-01-11,2027-01-12\n")
    result = cli("bulk", path, "--type", "placement", "--for", "1w")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: The columns 'Start', 'Placement start' could each give the start; "
        "name the one to use with --start-column NAME.\n"
    )
    cli.ok("bulk", path, "--type", "placement", "--for", "1w", "--start-column", "placement START")
    assert recorded(cli) == [("201234567", "placement", "2027-01-12", "2027-01-18", None)]


def test_columns_named_outright(cli: Cli, tmp_path: Path) -> None:
    path = write(
        tmp_path, "Matric,Kind,Begins,Finishes,Why\n201234567,dissertation,11/01/2027,20/01/2027,Lab\n"
    )
    cli.ok(
        "bulk",
        path,
        "--column",
        "Matric",
        "--type-column",
        "Kind",
        "--start-column",
        "Begins",
        "--end-column",
        "Finishes",
        "--reason-column",
        "Why",
    )
    assert recorded(cli) == [("201234567", "dissertation", "2027-01-11", "2027-01-20", "Lab")]
    missing = cli(
        "bulk", path, "--column", "Matric", "-t", "placement", "--start-column", "Starts", "--for", "1w"
    )
    assert missing.exit_code == 2
    assert (
        "--start-column 'Starts': there is no such column; the headers are 'Matric', 'Kind'" in missing.stderr
    )


def test_a_field_nothing_gives_is_one_error_naming_the_headers(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "sid,name\n" + "".join(f"{201234500 + i},x\n" for i in range(50)))
    result = cli("bulk", path, "--type", "placement", "--start", "2027-01-11")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: Nothing gives the end of the exemptions: give --end or --for; "
        "no column gives it among the headers 'sid', 'name'.\n"
    )


# --- an option and a column for the same field --------------------------------------------


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        (
            "sid,start\n201234567,2027-01-11\n201234568,12/01/2027\n",
            ["--start", "11/01/2027", "--for", "1w"],
            "--start 11 Jan 2027 and the column 'start' both give the start, and line 3 has '12/01/2027'",
        ),
        (
            "sid,end date\n201234567,2027-01-17\n201234568,2027-01-20\n",
            ["--start", "2027-01-11", "--for", "1w"],
            "--for 1w and the column 'end date' both give the end, and line 3 has '2027-01-20'",
        ),
        (
            "sid,to\n201234567,2027-01-20\n",
            ["--start", "2027-01-11", "--end", "2027-01-19"],
            "--end 19 Jan 2027 and the column 'to' both give the end, and line 2 has '2027-01-20'",
        ),
        (
            "sid,comment\n201234567,Ward 1\n",
            ["--start", "2027-01-11", "--for", "1w", "--reason", "Ward 2"],
            "--reason 'Ward 2' and the column 'comment' both give the reason, and line 2 has 'Ward 1'",
        ),
        (
            "sid,Exemption type\n201234567,Dissertation Period\n",
            ["--start", "2027-01-11", "--for", "1w"],
            "--type placement and the column 'Exemption type' both give the type, and line 2 has "
            "'Dissertation Period'",
        ),
    ],
)
def test_an_option_never_silently_overrides_a_column(
    cli: Cli, tmp_path: Path, text: str, options: list[str], message: str
) -> None:
    options = options if "--type" in options else ["--type", "placement", *options]
    result = cli("bulk", write(tmp_path, text), *options)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {message}; an option never overrides the file, so leave out one of them.\n"
    )
    assert snapshot(cli.location).get("exemptions", []) == []


def test_an_option_that_agrees_with_every_row_is_accepted(cli: Cli, tmp_path: Path) -> None:
    # Same values written differently, and a blank cell that the option fills.
    path = write(
        tmp_path,
        "sid,type,start,end,reason\n"
        "201234567,Practice Placement Block,11/01/2027,17/01/2027,Ward 1\n"
        "201234568,PLACEMENT,2027-01-11,17 Jan 2027,\n",
    )
    cli.ok("bulk", path, "--type", "placement", "--start", "11 Jan 2027", "--for", "1w", "--reason", "Ward 1")
    assert recorded(cli) == [
        ("201234567", "placement", "2027-01-11", "2027-01-17", "Ward 1"),
        ("201234568", "placement", "2027-01-11", "2027-01-17", "Ward 1"),
    ]


@pytest.mark.parametrize(
    ("second", "count"),
    [
        (
            "sid,reason\n201234567,Ward 2\n201234568,Ward 1\n201234569,Ward 3\n",
            "2 rows already recorded give",
        ),
        (
            "sid,reason\n201234567,Ward 2\n201234568,Ward 1\n201234569,Ward 1\n",
            "1 row already recorded gives",
        ),
    ],
)
def test_a_row_already_recorded_with_another_reason_is_counted_in_a_warning(
    cli: Cli, tmp_path: Path, second: str, count: str
) -> None:
    first = "sid,reason\n201234567,Ward 1\n201234568,Ward 1\n201234569,Ward 1\n"
    cli.ok("bulk", write(tmp_path, first), *OPTIONS)
    result = cli.ok("bulk", write(tmp_path, second, name="again.csv"), *OPTIONS)
    assert result.stdout == "Nothing new: all 3 already recorded.\n"
    assert result.stderr == (
        f"Warning: {count} a different reason in the file; the recorded reason was "
        "kept (change it with `stream-exempt edit ID --reason TEXT`).\n"
    )
    assert {r[4] for r in recorded(cli)} == {"Ward 1"}


# --- spreadsheets as they really write files ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("uk_cohort.xlsx", []),
        ("us_cohort.xlsx", []),  # date cells are dates, whatever order they are shown in
        ("uk_cohort.csv", []),
        ("uk_cohort_utf8_bom.csv", []),
        ("uk_cohort_utf16.csv", []),  # read as UTF-16 by its byte-order mark
        ("uk_cohort_cp1252.csv", ["--encoding", "cp1252"]),
        ("uk_cohort_unicode_text.txt", []),  # UTF-16 and tabs, as Excel's "Unicode Text"
        ("uk_cohort_semicolons.csv", []),
        ("us_cohort.csv", ["--month-first"]),
    ],
)
def test_cohorts_written_by_a_spreadsheet(cli: Cli, name: str, extra: list[str]) -> None:
    result = cli.ok("bulk", str(DATA / name), *extra)
    assert result.stdout == "Batch 1: 5 exemptions created, 0 already recorded.\n" + RANGES
    assert recorded(cli) == COHORT


def test_the_dry_run_shows_the_dates_as_read(cli: Cli) -> None:
    result = cli.ok("bulk", str(DATA / "us_cohort.csv"), "--month-first", "--dry-run")
    assert result.stdout == (
        "Dry run: 5 exemptions would be created as one new batch, 0 already recorded; nothing was written.\n"
        + RANGES
    )


def test_a_workbook_sheet_by_name(cli: Cli, tmp_path: Path) -> None:
    path = str(DATA / "uk_cohort.xlsx")
    cli.ok("bulk", path, "--sheet", "Cohort", "--dry-run")
    missing = cli("bulk", path, "--sheet", "Students")
    assert missing.exit_code == 2
    assert missing.stderr == (
        f"Error: --sheet 'Students': {path} has no such sheet; its sheets are 'Cohort', 'Notes'.\n"
    )
    notes = cli("bulk", path, "--sheet", "Notes", *OPTIONS)
    assert notes.exit_code == 2 and "has a header row but no students" in notes.stderr
    csv_sheet = cli("bulk", str(DATA / "uk_cohort.csv"), "--sheet", "Cohort")
    assert csv_sheet.exit_code == 2 and "--sheet applies to a workbook" in csv_sheet.stderr
    broken = cli("bulk", write(tmp_path, b"PK\x03\x04 not really a zip", name="broken.xlsx"), *OPTIONS)
    assert broken.exit_code == 2 and "as a workbook" in broken.stderr


def _workbook_with_dimension(tmp_path: Path, dimension: str) -> str:
    """Ten students in a workbook whose sheet records its size as `dimension` (openpyxl's
    documentation warns that some programs write it wrongly)."""
    import re
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Student ID", "Start", "End"])
    for n in range(10):
        sheet.append([f"2012345{n:02}", date(2027, 9, 6), date(2027, 10, 12)])
    made = tmp_path / "made.xlsx"
    book.save(made)
    path = tmp_path / f"dimension-{dimension.replace(':', '-')}.xlsx"
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data
                )
                assert count == 1
            target.writestr(item, data)
    return str(path)


@pytest.mark.parametrize("dimension", ["A1:C11", "A1:C5", "A1", "A1:B11"])
def test_a_workbook_is_read_whole_whatever_size_it_records(cli: Cli, tmp_path: Path, dimension: str) -> None:
    """A recorded size of A1:C5 once dropped six of ten students without a word; A1, every one."""
    cli.ok("bulk", _workbook_with_dimension(tmp_path, dimension), "--type", "placement")
    assert [row[0] for row in recorded(cli)] == [f"2012345{n:02}" for n in range(10)]


def test_a_hidden_first_sheet_is_not_the_list(cli: Cli, tmp_path: Path) -> None:
    """The first sheet is the first a person sees: a hidden lookup sheet before the cohort is
    passed over, unless named with --sheet."""
    import openpyxl

    book = openpyxl.Workbook()
    lookup = book.active
    assert lookup is not None
    lookup.title = "Lookup"
    lookup.append(["Student ID"])
    lookup.append(["209999999"])
    lookup.sheet_state = "hidden"
    cohort = book.create_sheet("Cohort 2027")
    cohort.append(["Student ID"])
    cohort.append(["201234567"])
    book.active = 1
    path = str(tmp_path / "hidden.xlsx")
    book.save(path)
    cli.ok("bulk", path, *OPTIONS)
    assert [row[0] for row in recorded(cli)] == ["201234567"]
    cli.ok("bulk", path, *OPTIONS, "--sheet", "Lookup")
    assert [row[0] for row in recorded(cli)] == ["201234567", "209999999"]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (
            ["--end-column", "Start Date"],
            "The column 'Start Date' would give both the start and the end; a column gives one field, "
            "so check --end-column.",
        ),
        (
            ["--start-column", "End Date"],
            "The column 'End Date' would give both the start and the end; a column gives one field, "
            "so check --start-column.",
        ),
        (
            ["--end-column", "Student ID"],
            "The column 'Student ID' would give both the student ID and the end; a column gives one field, "
            "so check --end-column.",
        ),
        (
            ["--column", "Start Date"],
            "Nothing gives the start of the exemptions: give --start; no column gives it among the headers "
            "'Student ID', 'Start Date', 'End Date' ('Start Date' is read as the student-ID column).",
        ),
    ],
)
def test_a_column_gives_one_field(cli: Cli, tmp_path: Path, options: list[str], error: str) -> None:
    """`--end-column "Start Date"` once read every placement as one day long, exit 0."""
    path = write(tmp_path, "Student ID,Start Date,End Date\n201234567,06/09/2027,17/10/2027\n")
    result = cli("bulk", path, "--type", "placement", *options)
    assert (result.exit_code, result.stderr) == (2, f"Error: {error}\n")
    assert snapshot(cli.location).get("exemptions", []) == []
    cli.ok("bulk", path, "--type", "placement", "--start-column", "Start Date", "--end-column", "End Date")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("uk_cohort.ods", "an OpenDocument spreadsheet (.ods)"),
        ("uk_cohort.xls", "an old Excel workbook (.xls)"),
    ],
)
def test_spreadsheets_that_are_not_read_say_what_they_are(cli: Cli, name: str, kind: str) -> None:
    path = str(DATA / name)
    result = cli("bulk", path, *OPTIONS)
    assert result.exit_code == 2
    assert result.stderr == f"Error: Cannot read {path}: it is {kind}; open it and save it as .xlsx or CSV.\n"
    feed = cli("check", "--file", path)
    assert feed.exit_code == 2
    assert feed.stderr == f"Error: Cannot read {path}: it is {kind}; open it and save it as CSV.\n"


def test_a_workbook_from_standard_input(cli: Cli) -> None:
    cli.ok("bulk", "-", input=(DATA / "uk_cohort.xlsx").read_bytes())
    assert recorded(cli) == COHORT


def test_a_month_first_csv_is_refused_naming_the_column_and_value(cli: Cli) -> None:
    result = cli("bulk", str(DATA / "us_cohort.csv"))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: The column 'Placement start' has '09/13/2027' (line 5), which can only be read month-first: "
        "the file was written by a month-first (US) spreadsheet, so give --month-first to read every "
        "numeric date in it month-first.\n"
    )
    assert snapshot(cli.location).get("exemptions", []) == []


# A US spreadsheet's CSV: 6 Sep to 12 Oct 2027 is written 09/06/2027 and 10/12/2027, which
# read day-first as 9 Jun and 10 Dec. Only a value such as 10/17/2027 shows the order.
US_PLACEMENTS = (
    "Student Number,Surname,Placement start,Placement end\n201234567,Evans,09/06/2027,10/12/2027\n"
)


@pytest.mark.parametrize(
    ("also", "options", "exit_code", "shown"),
    [
        # Another row can only be month-first: refused, naming the column and the value.
        (
            "201234568,Jones,09/06/2027,10/17/2027\n",
            [],
            2,
            "Error: The column 'Placement end' has '10/17/2027' (line 3), which can only be read "
            "month-first: the file was written by a month-first (US) spreadsheet, so give "
            "--month-first to read every numeric date in it month-first.\n",
        ),
        (
            "201234568,Jones,09/06/2027,10/17/2027\n",
            ["--month-first"],
            0,
            "  6 Sep 2027 to 12 Oct 2027: 1 student\n  6 Sep 2027 to 17 Oct 2027: 1 student\n",
        ),
        # Every date could be either: nothing in the file tells, so they are read day-first (SPEC
        # 7) and the dry run shows them as read, for a person to see the misread.
        ("201234568,Jones,09/06/2027,10/12/2027\n", [], 0, "  9 Jun 2027 to 10 Dec 2027: 2 students\n"),
        (
            "201234568,Jones,09/06/2027,10/12/2027\n",
            ["--month-first"],
            0,
            "  6 Sep 2027 to 12 Oct 2027: 2 students\n",
        ),
    ],
)
def test_ambiguous_month_first_dates_are_refused_or_shown_before_anything_is_written(
    cli: Cli, tmp_path: Path, also: str, options: list[str], exit_code: int, shown: str
) -> None:
    path = write(tmp_path, US_PLACEMENTS + also)
    result = cli("bulk", path, "--type", "placement", "--dry-run", *options)
    assert result.exit_code == exit_code
    if exit_code:
        assert (result.stdout, result.stderr) == ("", shown)
    else:
        assert result.stdout == (
            "Dry run: 2 exemptions would be created as one new batch, 0 already recorded; "
            "nothing was written.\n" + shown
        )
    written = cli("bulk", path, "--type", "placement", *options)  # the same without --dry-run
    assert written.exit_code == exit_code
    if exit_code:
        assert snapshot(cli.location).get("exemptions", []) == []
    else:
        assert written.stdout == "Batch 1: 2 exemptions created, 0 already recorded.\n" + shown


@pytest.mark.parametrize(
    ("options", "advice"),
    [
        # Read month-first, the advice keeps that order: dd/mm/yyyy with --month-first would
        # be read as the day and month swapped (6 Sep written 06/09/2027 read as 9 Jun).
        (["--month-first"], "such as 09/06/2027), for example by formatting the column as mm/dd/yyyy"),
        ([], "such as 06/09/2027), for example by formatting the column as dd/mm/yyyy"),
    ],
)
def test_a_two_digit_year_is_refused_asking_for_the_year_in_full(
    cli: Cli, options: list[str], advice: str
) -> None:
    result = cli("bulk", str(DATA / "us_cohort_two_digit_years.csv"), "--type", "placement", *options)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: The column 'Placement start' has '09/06/27' (line 2), a date with a two-digit year; give years "
        f"in full ({advice} (or yyyy-mm-dd) before saving.\n"
    )
    assert snapshot(cli.location).get("exemptions", []) == []


@pytest.mark.parametrize(
    ("text", "month_first", "read"),
    [
        ("02/03/2027", False, "2027-03-02"),  # day first, as SPEC section 3
        ("02/03/2027", True, "2027-02-03"),
        ("2027-03-02", True, "2027-03-02"),  # ISO is never reordered
        ("2 Mar 2027", True, "2027-03-02"),
    ],
)
def test_month_first_reads_only_the_files_numeric_dates(
    cli: Cli, tmp_path: Path, text: str, month_first: bool, read: str
) -> None:
    path = write(tmp_path, f"sid,start\n201234567,{text}\n")
    cli.ok(
        "bulk",
        path,
        "--type",
        "placement",
        "--end",
        "31/03/2027",
        *(["--month-first"] if month_first else []),
    )
    assert recorded(cli)[0][2:4] == (read, "2027-03-31")  # --end is an option: always day first


def test_a_spreadsheet_number_in_a_workbook_is_its_digits_and_2_01e08_is_refused(
    cli: Cli, tmp_path: Path
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Student ID", "start"])
    sheet.append([201234567, "11/01/2027"])
    sheet.append(["2.01E+08", "11/01/2027"])
    path = tmp_path / "cohort.xlsx"
    book.save(path)
    result = cli("bulk", str(path), "--type", "placement", "--for", "1w")
    assert result.exit_code == 2 and "1 of 2 rows" in result.stderr
    assert "a number a spreadsheet reformatted" in result.stderr and "201234567" not in result.stderr


# --- workbooks written by openpyxl: real date cells, general-format numbers, formulas -------


PLACEMENT_HEADERS = ["Student Number", "Surname", "Forename", "Placement start", "Placement end", "Ward"]


def workbook(tmp_path: Path, rows: list[list[object]], formats: dict[str, str] | None = None) -> str:
    """A placement list saved by openpyxl (as a program, not a person, writes one): a header
    row, then `rows`; `formats` gives a column (`A`, `D`, ...) a number format."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Placements"
    sheet.append(PLACEMENT_HEADERS)
    for row in rows:
        sheet.append(row)
    for column, number_format in (formats or {}).items():
        for (cell,) in sheet.iter_rows(min_col=ord(column) - 64, max_col=ord(column) - 64, min_row=2):
            cell.number_format = number_format
    path = tmp_path / "placements.xlsx"
    book.save(path)
    return str(path)


@pytest.mark.parametrize(
    ("student", "id_format", "start", "end", "date_format", "read"),
    [
        # A student number typed as a number, in the General format: its digits.
        (201234567, "General", date(2027, 9, 6), date(2027, 10, 17), "DD/MM/YYYY", "201234567"),
        # Every number is a double in the file: a whole one is still its digits, not 201234567.0.
        (201234567.0, "General", date(2027, 9, 6), date(2027, 10, 17), "DD/MM/YYYY", "201234567"),
        # Shown as 2.01E+08 by a spreadsheet, but the cell holds the whole number.
        (201234567, "0.00E+00", date(2027, 9, 6), date(2027, 10, 17), "DD/MM/YYYY", "201234567"),
        ("012345678", "@", date(2027, 9, 6), date(2027, 10, 17), "DD/MM/YYYY", "012345678"),
        # Date cells are dates whatever order they are shown in, and a time of day is dropped.
        ("201234567", "@", date(2027, 9, 6), date(2027, 10, 17), "MM/DD/YYYY", "201234567"),
        (
            "201234567",
            "@",
            datetime(2027, 9, 6, 9, 30),
            datetime(2027, 10, 17, 17, 0),
            "D MMM YY",
            "201234567",
        ),
    ],
)
def test_a_workbook_written_by_openpyxl_reads_its_cells_as_held(
    cli: Cli,
    tmp_path: Path,
    student: object,
    id_format: str,
    start: date,
    end: date,
    date_format: str,
    read: str,
) -> None:
    path = workbook(
        tmp_path,
        [[student, "Evans", "Siân", start, end, "Ward 4"]],
        {"A": id_format, "D": date_format, "E": date_format},
    )
    result = cli.ok("bulk", path, "--type", "placement")
    assert result.stdout == (
        "Batch 1: 1 exemption created, 0 already recorded.\n  6 Sep 2027 to 17 Oct 2027: 1 student\n"
    )
    assert recorded(cli) == [(read, "placement", "2027-09-06", "2027-10-17", None)]


@pytest.mark.parametrize(
    ("student", "id_format", "read"),
    [
        # The cell shows every digit it holds, in a scientific format: it may well be what a
        # spreadsheet made of the text 2.01E+08, and it is refused as that text.
        (201000000, "0.00E+00", "2.01E+08"),
        (201230000, "0.0000E+00", "2.0123E+08"),
        (201000000.0, "0.00E+00", "2.01E+08"),
        # More digits than it shows: the whole number, typed or pasted as such.
        (201230000, "0.00E+00", None),
        (201234567, "0.00E+00", None),
        # Not a scientific format: a number shown as itself.
        (201000000, "General", None),
        (201000000, "0", None),
    ],
)
def test_a_student_number_a_spreadsheet_may_have_rounded_is_refused(
    cli: Cli, tmp_path: Path, student: object, id_format: str, read: str | None
) -> None:
    path = workbook(
        tmp_path,
        [[student, "Byrne", "Niamh", date(2027, 9, 6), date(2027, 10, 17), "Ward 4"]],
        {"A": id_format},
    )
    result = cli("bulk", path, "--type", "placement")
    if read is None:
        assert result.exit_code == 0, result.stderr
        assert [row[0] for row in recorded(cli)] == [str(int(float(str(student))))]
    else:
        assert result.exit_code == 2
        assert f"{read!r} is a number a spreadsheet reformatted, not a student ID" in result.stderr
        assert snapshot(cli.location).get("exemptions", []) == []


def test_a_rounded_student_number_from_libreoffice_is_refused(cli: Cli) -> None:
    """A CSV holding 2.01E+08, opened in LibreOffice and saved as a workbook (tests/data): the
    cell is the number 201000000, once recorded as that student without a word."""
    result = cli("bulk", str(DATA / "uk_rounded_ids.xlsx"), "--type", "placement")
    assert result.exit_code == 2
    text = " ".join(result.stderr.replace("│", " ").split())
    assert "3 2.01E+08 '2.01E+08' is a number a spreadsheet reformatted, not a student ID" in text
    assert "Error: 1 of 2 rows of" in text
    assert snapshot(cli.location).get("exemptions", []) == []


def test_a_workbook_reads_rich_text_as_its_plain_text(cli: Cli, tmp_path: Path) -> None:
    """A cell with text in two styles (saved as runs of rich text) is the text of its runs."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    bold = InlineFont(b=True)
    path = workbook(
        tmp_path,
        [
            [
                CellRichText(("2012", TextBlock(bold, "34567"))),
                "Evans",
                "Siân",
                date(2027, 9, 6),
                date(2027, 10, 17),
                CellRichText((TextBlock(bold, "Ward 4"), ", Royal Infirmary")),
            ]
        ],
    )
    cli.ok("bulk", path, "--type", "placement", "--reason-column", "Ward")
    assert recorded(cli) == [
        ("201234567", "placement", "2027-09-06", "2027-10-17", "Ward 4, Royal Infirmary")
    ]


@pytest.mark.parametrize(
    ("student", "why"),
    [
        # A leading zero lost to a number cell: eight digits, refused rather than guessed.
        (
            12345678,
            "'12345678' is not a student ID; student IDs are nine digits, such as 201234567 (a spreadsheet "
            "drops the leading zeros of a number: format the column as text and type the IDs again).",
        ),
        (201234567.5, "'201234567.5' is not a student ID; student IDs are nine digits, such as 201234567."),
        ("2.01E+08", "'2.01E+08' is a number a spreadsheet reformatted, not a student ID"),
    ],
)
def test_a_workbook_number_that_is_not_a_student_id_is_refused_as_such(
    cli: Cli, tmp_path: Path, student: object, why: str
) -> None:
    path = workbook(tmp_path, [[student, "Evans", "Siân", date(2027, 9, 6), date(2027, 10, 17), "Ward 4"]])
    result = cli("bulk", path, "--type", "placement")
    assert result.exit_code == 2
    assert why in " ".join(result.stderr.replace("│", " ").split())
    assert snapshot(cli.location).get("exemptions", []) == []


@pytest.mark.parametrize(
    ("start", "why"),
    [
        # A day number in a cell not formatted as a date (a date computed in a General column).
        (
            46636,
            "'46636' is a number, not a date: its cell is not formatted as a date (as one it would be "
            "6 Sep 2027); format the column as dates in the workbook, save it, and import it again.",
        ),
        # Not a day number of these years: the plain message.
        (123, "'123' is not a date"),
    ],
)
def test_a_date_column_of_numbers_is_refused_saying_what_they_are(
    cli: Cli, tmp_path: Path, start: int, why: str
) -> None:
    path = workbook(tmp_path, [["201234567", "Evans", "Siân", start, date(2027, 10, 17), "Ward 4"]])
    result = cli("bulk", path, "--type", "placement")
    assert result.exit_code == 2
    assert why in " ".join(result.stderr.replace("│", " ").split())
    assert snapshot(cli.location).get("exemptions", []) == []


def test_a_number_in_a_csv_date_column_is_not_read_as_a_day_number(cli: Cli, tmp_path: Path) -> None:
    """Only a workbook counts days: in a CSV file 46636 is text, and no advice about cells."""
    result = cli(
        "bulk", write(tmp_path, "sid,start,end\n201234567,46636,17/10/2027\n"), "--type", "placement"
    )
    assert result.exit_code == 2
    assert "'46636' is not a date" in result.stderr and "cell" not in result.stderr


def test_month_first_leaves_a_workbooks_date_cells_as_they_are(cli: Cli, tmp_path: Path) -> None:
    path = workbook(tmp_path, [["201234567", "Evans", "Siân", date(2027, 9, 6), date(2027, 10, 12), ""]])
    result = cli.ok("bulk", path, "--type", "placement", "--month-first", "--dry-run")
    assert result.stdout.endswith("  6 Sep 2027 to 12 Oct 2027: 1 student\n")


def test_a_formula_in_a_column_not_imported_is_no_obstacle(cli: Cli, tmp_path: Path) -> None:
    """openpyxl saves no computed value for a formula: in a column the import does not read
    (here the ward), that does not matter."""
    path = workbook(
        tmp_path,
        [
            ["201234567", "Evans", "Siân", date(2027, 9, 6), date(2027, 10, 17), '="Ward "&4'],
            ["201234568", "Ó Briain", "Seán", date(2027, 9, 6), date(2027, 10, 17), "=F2"],
        ],
    )
    cli.ok("bulk", path, "--type", "placement")
    assert [r[0] for r in recorded(cli)] == ["201234567", "201234568"]


def test_a_formula_is_its_last_computed_value() -> None:
    """The end dates of the LibreOffice workbook are formulas whose computed values were saved
    (see tests/data/README.md): the imports above read those values."""
    import openpyxl

    book = openpyxl.load_workbook(DATA / "uk_cohort.xlsx")
    sheet = book["Cohort"]
    assert sheet["D1"].value == "Placement end"
    assert [sheet[f"D{row}"].value for row in range(2, 7)] == [f"=C{row}+41" for row in range(2, 7)]


def test_a_list_that_starts_below_and_right_of_a1_is_refused_by_the_rows_the_sheet_shows(
    cli: Cli, tmp_path: Path
) -> None:
    """A list typed from B3: a refused row is named by its row in the spreadsheet."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["B3"], sheet["B4"], sheet["B5"] = "Student Number", "201234567", "20123456"
    path = tmp_path / "typed.xlsx"
    book.save(path)
    result = cli("bulk", str(path), *OPTIONS)
    assert result.exit_code == 2
    refused = " ".join(result.stderr.replace("│", " ").split())
    assert "5 20123456 '20123456' is not a student ID" in refused and "1 of 2 rows" in refused


def test_the_example_workbook_is_what_its_script_writes() -> None:
    """examples/placements.xlsx, which the README imports, is made by examples/make_workbook.py:
    the committed file holds what the script writes (cell by cell, with number formats)."""
    import runpy

    import openpyxl

    examples = Path(__file__).resolve().parent.parent / "examples"
    made = runpy.run_path(str(examples / "make_workbook.py"))["workbook"]()

    def cells(source: str | io.BytesIO) -> list[list[tuple[object, str]]]:
        sheet = openpyxl.load_workbook(source)["Placements"]
        return [[(cell.value, cell.number_format) for cell in row] for row in sheet.iter_rows()]

    committed = cells(str(examples / "placements.xlsx"))
    assert committed == cells(io.BytesIO(made))
    assert committed[0][0] == ("Student Number", "General") and committed[4][0] == ("012345680", "@")
    assert committed[1][3] == (datetime(2027, 9, 6), "DD/MM/YYYY")


def test_a_workbook_is_refused_row_by_row_as_the_same_rows_in_csv(cli: Cli, tmp_path: Path) -> None:
    """All or nothing, and refused rows named by their line (the sheet's row), exactly as for
    CSV: a blank row still counts."""
    rows: list[list[object]] = [
        ["201234567", "Evans", "Siân", date(2027, 9, 6), date(2027, 10, 17), "Ward 4"],
        ["20123456", "Jones", "Bob", date(2027, 9, 6), date(2027, 10, 17), "Ward 4"],
        [None, None, None, None, None, None],
        ["201234569", "Ó Briain", "Seán", date(2026, 12, 1), date(2027, 1, 17), "Ward 5"],
    ]
    book = cli("bulk", workbook(tmp_path, rows), "--type", "placement")
    text = "Student Number,Surname,Forename,Placement start,Placement end,Ward\n" + "".join(
        ",".join(value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value or "") for value in row)
        + "\n"
        for row in rows
    )
    csv_file = cli("bulk", write(tmp_path, text, name="placements.csv"), "--type", "placement")
    assert book.exit_code == csv_file.exit_code == 2
    assert book.stderr.replace("placements.xlsx", "placements.csv") == csv_file.stderr
    refused = " ".join(book.stderr.replace("│", " ").split())
    assert "3 20123456 '20123456' is not a student ID" in refused
    assert "5 201234569 " in refused and "Error: 2 of 3 rows of" in refused
    assert snapshot(cli.location).get("exemptions", []) == []


# --- encodings ----------------------------------------------------------------------------


def test_cp1252_without_encoding_names_its_line_and_suggests_cp1252(cli: Cli) -> None:
    path = str(DATA / "uk_cohort_cp1252.csv")
    result = cli("bulk", path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: Line 2 of {path} is not valid UTF-8 text (byte 0xEB); "
        "if it came from an older spreadsheet, give --encoding cp1252.\n"
    )


def test_an_undecodable_byte_is_reported_on_its_own_line(cli: Cli, tmp_path: Path) -> None:
    lines = ["sid,name"] + [f"{201234500 + i},Ann" for i in range(89)] + ["201234999,Zo\xeb"]
    path = write(tmp_path, "\n".join(lines) + "\n", encoding="cp1252")
    result = cli("bulk", path, *OPTIONS)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: Line 91 of {path} is not valid UTF-8 text (byte 0xEB)")


@pytest.mark.parametrize(
    ("data", "options", "advice"),
    [
        # Valid UTF-8 read as ASCII: never told to use cp1252.
        (
            "sid,name\n201234567,Zoë\n".encode(),
            ["--encoding", "ascii"],
            "it reads as UTF-8, so leave out --encoding",
        ),
        # Issue 14's case: UTF-8 saved by a spreadsheet, imported with --encoding cp1252 (0x81,
        # the second byte of Ł, is no cp1252 character): told to leave it out, not to give it.
        (
            "sid,name\n201234567,Łukasz\n".encode(),
            ["--encoding", "cp1252"],
            "it reads as UTF-8, so leave out --encoding",
        ),
        # UTF-16 forced to be read as UTF-8 (--encoding wins over the byte-order mark).
        (
            "sid\n201234567\n".encode("utf-16"),
            ["--encoding", "utf-8"],
            "it begins with a UTF-16 byte-order mark, so leave out --encoding.",
        ),
        # Bytes that no common encoding reads.
        (b"sid,name\n201234567,\x81\x8d\n", [], "give --encoding with the encoding it was saved in"),
    ],
)
def test_encoding_advice_only_where_it_helps(
    cli: Cli, tmp_path: Path, data: bytes, options: list[str], advice: str
) -> None:
    result = cli("bulk", write(tmp_path, data), *OPTIONS, *options)
    assert result.exit_code == 2 and advice in result.stderr, result.stderr
    assert "give --encoding cp1252" not in result.stderr


@pytest.mark.parametrize("encoding", ["rot13", "hex", "idna", "punycode", "base64", "no-such-codec", ""])
@pytest.mark.parametrize("command", ["bulk", "check"])
def test_encodings_that_are_not_text_encodings_are_exit_2(
    cli: Cli, tmp_path: Path, encoding: str, command: str
) -> None:
    path = write(tmp_path, "sid,date\n201234567,2027-01-11\n")
    args = ["bulk", path, *OPTIONS] if command == "bulk" else ["check", "--file", path]
    result = cli(*args, "--encoding", encoding)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --encoding {encoding!r} is not a text encoding a file can be written in; "
        "give one such as utf-8, cp1252 or utf-16.\n"
    )


@pytest.mark.parametrize("command", ["bulk", "check"])
def test_a_bomless_utf16_read_of_utf8_text_is_exit_2(cli: Cli, tmp_path: Path, command: str) -> None:
    path = write(tmp_path, "sid,date\n201234567,2027-01-11\n201234568,2027-01-11\n")
    args = ["bulk", path, *OPTIONS] if command == "bulk" else ["check", "--file", path]
    result = cli(*args, "--encoding", "utf-16")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr


def test_a_bomless_utf16_file_gets_utf16_advice(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "sid\n201234567\n".encode("utf-16-le"))
    result = cli("bulk", path, *OPTIONS)
    assert result.exit_code == 2
    assert "looks like UTF-16 text without a byte-order mark; give --encoding utf-16." in result.stderr
    cli.ok("bulk", path, *OPTIONS, "--encoding", "utf-16")


def test_a_utf8_bom_with_an_explicit_utf8_is_still_read(cli: Cli) -> None:
    cli.ok("bulk", str(DATA / "uk_cohort_utf8_bom.csv"), "--encoding", "UTF-8")
    assert recorded(cli) == COHORT


def test_old_mac_line_ends_and_a_crlf_split_across_reads(cli: Cli, tmp_path: Path) -> None:
    rows = "".join(f"{201200000 + i},{'x' * 60}\r\n" for i in range(2000))  # > 64 KiB: several reads
    cli.ok("bulk", write(tmp_path, "sid,pad\r\n" + rows), *OPTIONS)
    cli.ok("bulk", write(tmp_path, "sid\r301234567\r301234568\r", name="mac.csv"), *OPTIONS)
    assert len(recorded(cli)) == 2002


# --- check --file -------------------------------------------------------------------------


def test_check_file_short_and_long_rows_keep_their_columns(cli: Cli) -> None:
    cli.add("201234567", "--start", "2027-01-11", "--end", "2027-01-20")
    feed = (
        "student_id,date,kind\n"
        "201234567,2027-01-15,NDE\n"
        "201234567,2027-01-15\n"  # short: padded, and bad
        "201234567,2027-01-15,NDE,extra1,extra2\n"  # long: extras follow, and bad
    )
    result = cli("check", "--file", "-", input=feed)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "student_id,date,kind,suppressed,exemption",
        "201234567,2027-01-15,NDE,true,1",
        "201234567,2027-01-15,,false,",
        "201234567,2027-01-15,NDE,false,,extra1,extra2",
    ]
    assert result.stderr.splitlines() == [
        "Error: Line 3 of standard input: it has 2 cells where the header has 3; check for a missing or "
        "extra comma or quote; it is passed through as not suppressed.",
        "Error: Line 4 of standard input: it has 5 cells where the header has 3; check for a missing or "
        "extra comma or quote; it is passed through as not suppressed.",
    ]
    jsonl = cli("check", "--file", "-", "--format", "jsonl", input=feed)
    assert [json.loads(line) for line in jsonl.stdout.splitlines()] == [
        {"student_id": "201234567", "date": "2027-01-15", "kind": "NDE", "suppressed": True, "exemption": 1},
        {"student_id": "201234567", "date": "2027-01-15", "kind": "", "suppressed": False, "exemption": None},
        {
            "student_id": "201234567",
            "date": "2027-01-15",
            "kind": "NDE",
            "suppressed": False,
            "exemption": None,
            "extra": ["extra1", "extra2"],
        },
    ]


@pytest.mark.parametrize("separator", ["\t", ";", ","])
def test_check_file_answers_with_the_feeds_own_separator(cli: Cli, tmp_path: Path, separator: str) -> None:
    """What wrote a tab- or semicolon-separated feed reads the answer back: same separator, and
    a cell quoted only where it holds that separator."""
    cli.add("201234567", "--start", "2027-01-11", "--end", "2027-01-20")
    s = separator
    cell = '"a, b"' if s == "," else "a, b"
    feed = write(
        tmp_path,
        f'student_id{s}date{s}kind\n201234567{s}2027-01-15{s}{cell}\n201234568{s}2027-01-15{s}"x{s}y"\n',
    )
    result = cli.ok("check", "--file", feed)
    assert result.stdout.splitlines() == [
        f"student_id{s}date{s}kind{s}suppressed{s}exemption",
        f"201234567{s}2027-01-15{s}" + ('"a, b"' if s == "," else "a, b") + f"{s}true{s}1",
        f'201234568{s}2027-01-15{s}"x{s}y"{s}false{s}',
    ]


@pytest.mark.parametrize("header", ["Notif Date", "date_sent", "Sent-Date", "DATE OF NOTIFICATION"])
def test_a_header_with_the_word_date_needs_date_column(cli: Cli, header: str) -> None:
    cli.add("201234567", "--start", "2027-01-11", "--end", "2027-01-20")
    feed = f"student_id,{header}\n201234567,2027-01-15\n"
    result = cli("check", "--file", "-", input=feed)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"Error: There is no column named date in standard input, but {header!r} looks like one; "
        f"give --date-column {header!r} to check each row on its own date.\n"
    )
    named = cli.ok("check", "--file", "-", "--date-column", header, input=feed)
    assert named.stdout.splitlines()[1] == "201234567,2027-01-15,true,1"


@pytest.mark.parametrize("header", ["Update", "dated", "kind"])
def test_no_date_column_is_a_notice_naming_today(cli: Cli, header: str) -> None:
    result = cli.ok("check", "--file", "-", input=f"student_id,{header}\n201234567,x\n")
    assert result.stderr == (
        "Note: standard input has no date column, so every row is checked against today's date, "
        "4 Jan 2027 (give --date-column NAME to use one).\n"
    )
    with_date = cli.ok("check", "--file", "-", input="student_id,Date\n201234567,2027-01-15\n")
    assert with_date.stderr == ""


@pytest.mark.parametrize("encoding", [None, "cp1252"])
def test_a_cp1252_feed_as_jsonl_is_strict_utf8_json(cli: Cli, encoding: str | None) -> None:
    cli.add("201234567", "--start", "2027-01-11", "--end", "2027-01-20")
    options = ["--encoding", encoding] if encoding else []
    result = cli("check", "--file", str(DATA / "feed_cp1252.csv"), "--format", "jsonl", *options)
    assert result.exit_code == 0
    text = result.stdout_bytes.decode("utf-8", "strict")
    records = [json.loads(line) for line in text.splitlines()]
    assert [(r["student_id"], r["suppressed"], r["exemption"]) for r in records] == [
        ("201234567", True, 1),
        ("201234568", False, None),
        ("012345678", False, None),
    ]
    names = [r["Name"] for r in records]
    if encoding:
        assert names == ["Siân Evans", "Seán Ó Briain", "Zoë Ashworth"]
        assert result.stderr == ""
    else:  # undecodable bytes become U+FFFD, with a warning; the CSV form passes them through
        assert names == ["Si\ufffdn Evans", "Se\ufffdn \ufffd Briain", "Zo\ufffd Ashworth"]
        assert "give --encoding with the feed's encoding" in result.stderr
        as_csv = cli("check", "--file", str(DATA / "feed_cp1252.csv"))
        assert "Siân".encode("cp1252") in as_csv.stdout_bytes


def test_a_cp1252_feed_as_jsonl_in_a_real_process(tmp_path: Path, project_root: Path) -> None:
    import os
    import subprocess
    import sys

    store = tmp_path / "store.db"
    env = {**os.environ, "STREAM_EXEMPT_DB": str(store), "PYTHONPATH": str(project_root / "src")}
    run = [sys.executable, "-m", "stream_exempt"]
    subprocess.run(
        [*run, "add", "201234567", "-t", "placement", "-s", "+1d", "--for", "12m"], env=env, check=True
    )
    done = subprocess.run(
        [*run, "check", "--file", str(DATA / "feed_cp1252.csv"), "--format", "jsonl"],
        env=env,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode("utf-8", "strict").splitlines()
    assert [json.loads(line)["student_id"] for line in lines] == ["201234567", "201234568", "012345678"]


def test_bulk_opens_the_store_before_reading_the_file(tmp_path: Path, bare_cli: Cli) -> None:
    """SPEC 10: values typed, then the store (exit 4), then the file's contents (exit 2); a
    refused file never leaves a new store behind."""
    bad = write(tmp_path, "sid\n2.01E+08\n")
    missing = bare_cli("bulk", bad, *OPTIONS, "--dry-run")  # checked as if against an empty store
    assert missing.exit_code == 2 and not bare_cli.has_store()
    refused = bare_cli("bulk", bad, *OPTIONS)
    assert refused.exit_code == 2 and not bare_cli.has_store()
    (tmp_path / "folder.db").mkdir()
    folder = Cli(tmp_path / "folder.db")("bulk", bad, *OPTIONS)
    assert folder.exit_code == 4, folder.stderr
    typed = bare_cli("bulk", bad, *OPTIONS, "--dry-run", "--encoding", "rot13")
    assert typed.exit_code == 2 and "--encoding 'rot13'" in typed.stderr


@pytest.mark.parametrize("chunk", [7, 64, 1 << 16])
def test_valid_utf8_is_never_told_to_use_cp1252_wherever_a_read_ends(
    cli: Cli, tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("stream_exempt.csvio.encodings.CHUNK", chunk)
    names = "".join(f"{201234500 + i},Zoë Siân Ægir Łukasz\n" for i in range(40))
    path = write(tmp_path, "sid,name\n" + names)
    result = cli("bulk", path, *OPTIONS, "--encoding", "ascii")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: Line 2 of {path} is not valid ascii text (byte 0xC3)")
    assert result.stderr.endswith("it reads as UTF-8, so leave out --encoding.\n")


def test_check_file_passes_every_cell_through_unchanged(cli: Cli) -> None:
    """A feed is passed through, not rendered: no `'` before cells a spreadsheet would run."""
    feed = "student_id,date,phone,amount\n201234567,2027-01-15,+44 1234,=SUM(A1)\n201234568,2027-01-15,-,@x\n"
    result = cli.ok("check", "--file", "-", input=feed)
    assert result.stdout.splitlines() == [
        "student_id,date,phone,amount,suppressed,exemption",
        "201234567,2027-01-15,+44 1234,=SUM(A1),false,",
        "201234568,2027-01-15,-,@x,false,",
    ]


# --- quotes left open, and very long cells ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('student_id,note\n201234791,"unclosed\n201234792,x\n201234793,y\n', 2),
        ('student_id,reason\n201234791,"unclosed\n201234792,x\n201234793,y\n', 2),
        ('student_id,note\n201234790,a\n201234791,"two\nlines",\n201234792,"open\n201234793,x', 5),
        ('student_id,note\n201234790,a\n201234791,"open""quote\n', 3),
    ],
)
def test_bulk_refuses_a_quote_never_closed_naming_the_line_it_opens(
    cli: Cli, tmp_path: Path, text: str, line: int
) -> None:
    path = write(tmp_path, text)
    for dry in ([], ["--dry-run"]):
        result = cli("bulk", path, *OPTIONS, *dry)
        assert result.exit_code == 2, result.stdout
        assert result.stderr.startswith(f"Error: Line {line} of {path} opens a quoted cell"), result.stderr
        assert "never closed" in result.stderr and len(result.stderr.splitlines()) == 1
    assert snapshot(cli.location).get("exemptions", []) == []


def test_bulk_reads_a_quoted_cell_over_two_lines_that_closes(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, 'student_id,note\n201234791,"two\nlines"\n201234792,"""quoted"""\n')
    assert cli.ok("bulk", path, *OPTIONS).stdout.startswith("Batch 1: 2 exemptions created")


def test_check_file_passes_every_line_after_an_open_quote_through(cli: Cli, tmp_path: Path) -> None:
    cli.add("201234568", "--start", "2027-01-11", "--end", "2027-01-20")
    feed = write(
        tmp_path,
        'student_id,date,note\n201234567,2027-01-15,ok\n201234567,2027-01-15,"unclosed\n'
        "201234568,2027-01-15,x\n\n201234569,2027-01-15,y\n201234568,2027-01-15,z\n",
    )
    result = cli("check", "--file", feed)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "student_id,date,note,suppressed,exemption",
        "201234567,2027-01-15,ok,false,",
        "201234567,2027-01-15,unclosed,false,",
        "201234568,2027-01-15,x,false,",  # covered, but it may be part of the open cell: not suppressed
        "201234569,2027-01-15,y,false,",
        "201234568,2027-01-15,z,false,",
    ]
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"Error: Line 3 of {feed}: a quoted cell opens in it")
    assert [e.split(":")[1] for e in errors] == [f" Line {n} of {feed}" for n in (3, 4, 6, 7)]
    assert all(
        "left open on line 3" in e and e.endswith("passed through as not suppressed.") for e in errors[1:]
    )
    jsonl = cli("check", "--file", feed, "--format", "jsonl")
    assert jsonl.exit_code == 2 and len(jsonl.stdout.splitlines()) == 5


def test_check_file_an_open_quote_that_runs_on_stops_and_the_rest_is_checked(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stream_exempt.csvio import delimited

    monkeypatch.setattr(delimited, "RUN_ON", 100)  # the same as a megabyte, in a small file
    cli.add("201234568", "--start", "2027-01-11", "--end", "2027-01-20")
    rows = [f"2012345{n:02d},2027-01-15,n{n}" for n in range(70)]
    feed = write(tmp_path, 'student_id,date,note\n201234567,2027-01-15,"open\n' + "\n".join(rows) + "\n")
    result = cli("check", "--file", feed)
    assert result.exit_code == 2
    out = result.stdout.splitlines()
    assert len(out) == 1 + 1 + 70 and out[1] == "201234567,2027-01-15,open,false,"
    assert [line.split(",")[0] for line in out[2:]] == [r.split(",")[0] for r in rows]
    assert "201234568,2027-01-15,n68,true,1" in out  # past the run-on, rows are checked again
    bulk = cli("bulk", feed, *OPTIONS)
    assert bulk.exit_code == 2 and bulk.stderr.startswith(f"Error: Line 2 of {feed} opens a quoted cell")
    assert "is not closed by line" in bulk.stderr


def test_a_cell_longer_than_the_csv_modules_limit_stops_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.add("201234569", "--start", "2027-01-11", "--end", "2027-01-20")
    huge = "x" * 200_000
    feed = write(
        tmp_path,
        "student_id,date,note\n201234567,2027-01-15,a\n"
        f'201234568,2027-01-15,{huge}\n201234569,2027-01-15,"{huge}\n{huge}"\n201234569,2027-01-15,c\n',
    )
    result = cli("check", "--file", feed)
    assert result.exit_code == 0, result.stderr
    assert [row[3:] for row in csv.reader(io.StringIO(result.stdout))] == [
        ["suppressed", "exemption"],
        ["false", ""],
        ["false", ""],
        ["true", "1"],
        ["true", "1"],
    ]
    assert len(result.stdout) > 600_000
    cohort = write(tmp_path, f"student_id,note\n201234570,{huge}\n201234571,b\n", name="big.csv")
    assert cli.ok("bulk", cohort, *OPTIONS).stdout.startswith("Batch 1: 2 exemptions created")


# --- workbooks whose formulas were never computed -----------------------------------------


@pytest.mark.parametrize("given", ["path", "standard input"])
def test_a_formula_with_no_saved_value_is_named_for_what_it_is(cli: Cli, tmp_path: Path, given: str) -> None:
    """A workbook written by a program (here openpyxl), never opened in a spreadsheet: its
    formulas have no saved value, and the refusal says so rather than "no start". The sheet is
    read for its formulas only after its rows were read and the file closed; from standard
    input it is held in memory."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["student_id", "name", "start", "reason"])
    sheet.append(["201234590", "a", "2027-01-11", "ok"])
    sheet.append(["201234591", "b", "=C2", None])
    sheet.append(['="2012"&"34592"', "c", "2027-01-11"])
    sheet.append(["201234593", "d", "2027-01-12", '=UPPER("x")'])
    sheet.append(["201234594", "e", None])  # truly empty: the old message
    path = tmp_path / "made.xlsx"
    book.save(path)
    args = ("-t", "placement", "--for", "1w", "--dry-run")
    if given == "path":
        result = cli("bulk", str(path), *args)
    else:
        result = cli("bulk", "-", *args, input=path.read_bytes())
    assert result.exit_code == 2
    text = " ".join(result.stderr.replace("│", " ").split())  # the table's rows, wrapping undone
    assert "Error: 4 of 5 rows of" in text
    assert "3 201234591 the start is a formula (=C2) with no saved value, so it reads as empty" in text
    assert '4 the student ID is a formula (="2012"&"34592") with no saved value' in text
    assert '5 201234593 the reason is a formula (=UPPER("x")) with no saved value' in text
    assert text.count("open the workbook in a spreadsheet program (Excel, LibreOffice) and save it") == 3
    assert "6 201234594 no start: give --start or fill in the start column" in text


def test_a_row_of_formulas_with_no_saved_values_is_not_a_blank_row(cli: Cli, tmp_path: Path) -> None:
    """Every cell of the row reads as empty, but the row is not blank: it is refused, not skipped."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["student_id", "name"])
    sheet.append(["201234590", "a"])
    sheet.append([])  # a blank row: skipped
    sheet.append(['="2012"&"34595"', '="f"'])
    path = tmp_path / "made.xlsx"
    book.save(path)
    result = cli("bulk", str(path), "-t", "placement", "--start", "2027-01-11", "--for", "1w")
    assert result.exit_code == 2
    text = " ".join(result.stderr.replace("│", " ").split())
    assert "Error: 1 of 2 rows of" in text
    assert '4 the student ID is a formula (="2012"&"34595") with no saved value' in text
    assert snapshot(cli.location).get("exemptions", []) == []


@pytest.mark.parametrize("columns", ["80", "40"])
def test_the_refused_rows_table_shows_an_id_as_the_file_wrote_it(
    cli: Cli, tmp_path: Path, columns: str
) -> None:
    """Full-width digits take two cells each, and were cut to five of their nine in the table;
    a NUL (or an escape sequence) was printed raw, moving the border or restyling the terminal."""
    path = write(tmp_path, "sid\n２０１２３４６７３\n2012\x0034567\n2012\x1b[31m3\n")
    result = cli("bulk", path, *OPTIONS, env={"COLUMNS": columns})
    assert result.exit_code == 2
    assert "\x00" not in result.stderr and "\x1b" not in result.stderr
    lines = result.stderr.splitlines()
    in_table = [
        line.split("│")[2].strip() for line in lines if line.startswith("│ ") and line.split("│")[1].strip()
    ]
    in_blocks = [line.removeprefix("Student ID").strip() for line in lines if line.startswith("Student ID ")]
    # 80 columns: a table; 40: a block a row (the table would cut every reason's words).
    assert (in_table if columns == "80" else in_blocks) == [
        "２０１２３４６７３",
        "2012\\x0034567",
        "2012\\x1b[31m3",
    ]


@pytest.mark.parametrize(
    "command", [["bulk", "-t", "placement", "--start", "2027-09-06", "--for", "1w"], ["check", "--file"]]
)
def test_a_workbook_saved_with_a_password_is_named_for_what_it_is(cli: Cli, command: list[str]) -> None:
    """Encrypted, an .xlsx is an OLE compound file as an old .xls is: it was called one."""
    cli.ok("add", "201234567", "-t", "placement", "--start", "2027-09-06", "--for", "1w")
    path = str(DATA / "uk_cohort_password.xlsx")
    result = cli(command[0], path, *command[1:]) if command[0] == "bulk" else cli(*command, path)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: Cannot read {path}: it is a workbook saved with a password; open it, remove the password"
    )


def test_text_saved_under_a_workbooks_name_is_read_as_csv_with_a_warning(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "sid\n201234567\n", name="cohort.xlsx")
    result = cli.ok("bulk", path, *OPTIONS)
    assert (
        result.stderr
        == f"Warning: the file {path} is named as a workbook but holds text, so it is read as CSV.\n"
    )
    assert [row[0] for row in recorded(cli)] == ["201234567"]
    broken = cli("bulk", write(tmp_path, b"\x00\x01binary", name="broken.xlsx"), *OPTIONS)
    assert broken.exit_code == 2 and "as a workbook" in broken.stderr


@pytest.mark.parametrize(
    ("order", "encoding", "error"),
    [
        ("utf-16-le", "utf-16", None),
        ("utf-16-be", "utf-16", None),
        ("utf-16-le", "utf-16-le", None),
        ("utf-16-be", "utf-16-be", None),
        # The other order reads every character as another (`猀椀搀`): refused, not misread.
        (
            "utf-16-be",
            "utf-16-le",
            "is UTF-16 in the other byte order (utf-16-be), so --encoding utf-16-le would",
        ),
        (
            "utf-16-le",
            "utf-16-be",
            "is UTF-16 in the other byte order (utf-16-le), so --encoding utf-16-be would",
        ),
        ("utf-16-le", None, "it looks like UTF-16 text without a byte-order mark; give --encoding utf-16."),
    ],
)
def test_utf16_without_a_byte_order_mark(
    cli: Cli, tmp_path: Path, order: str, encoding: str | None, error: str | None
) -> None:
    """`--encoding utf-16` finds the byte order of a file with no mark (Python's codec alone
    refuses it), and advice never goes round in a circle."""
    path = write(tmp_path, "sid\tstart\n201234567\t06/09/2027\n", name="cohort.txt", encoding=order)
    result = cli(
        "bulk", path, "--type", "placement", "--for", "1w", *(["--encoding", encoding] if encoding else [])
    )
    if error is None:
        assert result.exit_code == 0, result.stderr
        assert recorded(cli) == [("201234567", "placement", "2027-09-06", "2027-09-12", None)]
    else:
        assert result.exit_code == 2 and error in result.stderr
        assert snapshot(cli.location).get("exemptions", []) == []


@pytest.mark.parametrize("hide", ["by hand", "by a filter"])
def test_a_sheet_with_hidden_rows_is_refused(cli: Cli, tmp_path: Path, hide: str) -> None:
    """A list filtered to one ward and saved still holds every student: imported, the students
    filtered out were exempted too, without a word."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Placements"
    sheet.append(["Student ID", "Ward"])
    for n in range(10):
        sheet.append([f"2012345{n:02}", "Ward 4" if n % 3 else "Ward 7"])
    if hide == "by a filter":
        sheet.auto_filter.ref = "A1:B11"
        sheet.auto_filter.add_filter_column(1, ["Ward 4"])
    for row in (2, 5, 8, 11):  # the Ward 7 students
        sheet.row_dimensions[row].hidden = True
    path = tmp_path / "filtered.xlsx"
    book.save(path)
    result = cli("bulk", str(path), *OPTIONS)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: The sheet 'Placements' of {path} has hidden rows (2, 5, 8, 11), filtered out or hidden by "
        "hand, and an import reads every row; show them and delete the students you do not mean, save, and "
        "import again.\n"
    )
    assert snapshot(cli.location).get("exemptions", []) == []
    for row in (2, 5, 8, 11):
        sheet.row_dimensions[row].hidden = False
    book.save(path)
    cli.ok("bulk", str(path), *OPTIONS)
    assert len(recorded(cli)) == 10


def test_a_hidden_row_of_another_sheet_is_no_obstacle(cli: Cli, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    cohort = book.active
    assert cohort is not None
    cohort.append(["Student ID"])
    cohort.append(["201234567"])
    notes = book.create_sheet("Notes")
    notes.append(["a note"])
    notes.row_dimensions[1].hidden = True
    path = tmp_path / "two.xlsx"
    book.save(path)
    cli.ok("bulk", str(path), *OPTIONS)
    assert cli("bulk", str(path), *OPTIONS, "--sheet", "Notes").exit_code == 2


def test_an_empty_file_given_utf16_is_an_empty_file(cli: Cli, tmp_path: Path) -> None:
    result = cli("bulk", write(tmp_path, b""), *OPTIONS, "--encoding", "utf-16")
    assert result.exit_code == 2 and "is empty" in result.stderr


def test_a_workbook_gone_before_its_formulas_are_read_leaves_the_plain_refusal(tmp_path: Path) -> None:
    """The formulas are read only to explain an empty cell, after the rows were read and the
    file closed: a file removed in between gives no explanation, and no error of its own."""
    import openpyxl

    from stream_exempt import csvio

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["student_id", "start"])
    sheet.append(["201234567", "=TODAY()"])
    path = tmp_path / "made.xlsx"
    book.save(path)
    table = csvio.open_table(str(path), workbooks=True)
    rows = list(table)
    table.close()
    path.unlink()
    assert csvio.unsaved_formula(rows[0][1], 1, "start") is None
