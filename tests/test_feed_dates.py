"""`check --file` reads a feed's dates as `bulk` reads a file's (SPEC 10): numeric dates
day-first; a feed whose dates show month-first order is refused whole, before any output;
`--month-first` reads them month-first."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers import Cli, command, write

FEED = "student_id,date\n201234567,02/16/2027\n201234567,03/09/2027\n201234567,09/03/2027\n"
REFUSAL = (
    "Error: The column 'date' has '02/16/2027' (line 2), which can only be read month-first: the file "
    "was written by a month-first (US) spreadsheet, so give --month-first to read every numeric date "
    "in it month-first.\n"
)


@pytest.fixture
def march(cli: Cli) -> Cli:
    """A store with one exemption covering 1 to 20 March 2027 (exemption 1)."""
    cli.add("201234567", "--start", "2027-03-01", "--end", "2027-03-20")
    return cli


def feed(tmp_path: Path, text: str) -> str:
    return write(tmp_path, text, name="feed.csv")


def test_a_month_first_feed_is_refused_whole(march: Cli, tmp_path: Path) -> None:
    result = march("check", "--file", feed(tmp_path, FEED))
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", REFUSAL)


def test_month_first_reads_the_feed_month_first(march: Cli, tmp_path: Path) -> None:
    result = march("check", "--file", feed(tmp_path, FEED), "--month-first")
    assert (result.exit_code, result.stderr) == (0, "")
    # 16 Feb (before the exemption), 9 March (in it), 3 September (after it).
    assert result.stdout == (
        "student_id,date,suppressed,exemption\n"
        "201234567,02/16/2027,false,\n"
        "201234567,03/09/2027,true,1\n"
        "201234567,09/03/2027,false,\n"
    )


def test_a_day_first_feed_is_read_day_first(march: Cli, tmp_path: Path) -> None:
    text = "student_id,date\n201234567,16/02/2027\n201234567,03/09/2027\n201234567,09/03/2027\n"
    result = march("check", "--file", feed(tmp_path, text))
    assert (result.exit_code, result.stderr) == (0, "")
    assert [line.split(",")[2] for line in result.stdout.splitlines()[1:]] == ["false", "false", "true"]


def test_the_refusal_on_the_last_row_comes_before_any_output(march: Cli, tmp_path: Path) -> None:
    """Nothing on standard output and no bad-row reports: the one error alone, even when the
    month-first date is the last of many rows and earlier rows were bad."""
    rows = ["201234567,10/03/2027"] * 3000 + ["not-an-id,10/03/2027"] + ["201234567,12/31/2027"]
    text = "student_id,date\n" + "\n".join(rows) + "\n"
    result = march("check", "--file", feed(tmp_path, text))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: The column 'date' has '12/31/2027' (line 3003), which can only be read month-first: the "
        "file was written by a month-first (US) spreadsheet, so give --month-first to read every numeric "
        "date in it month-first.\n"
    )


def test_a_month_first_feed_on_standard_input_is_refused_in_a_real_process(
    march: Cli, tmp_path: Path
) -> None:
    process = subprocess.run(
        command(march.location, "check", "--file", "-"),
        input=FEED.replace("02/16/2027", "03/10/2027") + "201234567,10/17/2027\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (process.returncode, process.stdout) == (2, "")
    assert process.stderr.startswith("Error: The column 'date' has '10/17/2027' (line 5), which can only")


def test_bad_rows_are_still_reported_when_the_feed_is_accepted(march: Cli, tmp_path: Path) -> None:
    text = "student_id,date\n201234567,10/03/2027\nnot-an-id,10/03/2027\n"
    result = march("check", "--file", feed(tmp_path, text))
    assert result.exit_code == 2
    assert result.stdout.splitlines()[1:] == ["201234567,10/03/2027,true,1", "not-an-id,10/03/2027,false,"]
    assert result.stderr.startswith("Error: Line 3 of ")
    assert result.stderr.endswith("; it is passed through as not suppressed.\n")


def test_a_two_digit_year_refuses_the_feed(march: Cli, tmp_path: Path) -> None:
    result = march("check", "--file", feed(tmp_path, "student_id,date\n201234567,09/03/27\n"))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(
        "Error: The column 'date' has '09/03/27' (line 2), a date with a two-digit"
    )


def test_month_first_applies_only_to_a_feed(march: Cli) -> None:
    result = march("check", "201234567", "--month-first")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: --month-first applies only with --file")


# --- two student-ID columns (SPEC 10) ------------------------------------------------------


@pytest.mark.parametrize(
    "headers", ["student_id,Student ID", "Student ID,name,student_id", "sid,Student Number", "id,student_id"]
)
@pytest.mark.parametrize("command", ["bulk", "check"])
def test_two_student_id_columns_are_refused_naming_both(
    cli: Cli, tmp_path: Path, headers: str, command: str
) -> None:
    names = headers.split(",")
    cells = ",".join("201234567" if n != "name" else "Ann" for n in names)
    path = feed(tmp_path, f"{headers}\n{cells}\n")
    if command == "bulk":
        args = ["bulk", path, "--type", "placement", "--start", "2027-01-11", "--for", "2w"]
    else:
        args = ["check", "--file", path]
    result = cli(*args)
    ids = [n for n in names if n != "name"]
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: The columns {', '.join(repr(n) for n in ids)} could each give the student ID; "
        "name the one to use with --column NAME.\n"
    )
    chosen = cli(*args, "--column", ids[1])
    assert chosen.exit_code == 0, chosen.stderr
