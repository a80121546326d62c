"""`list` streamed from the query: SQLite's statuses and JSON are the model's, guards and counts hold."""

from __future__ import annotations

import csv
import io
import json
from contextlib import closing
from datetime import date, datetime

import pytest

from helpers import LONDON, Cli, Clock, open_location
from stream_exempt import rules
from stream_exempt.output import record
from stream_exempt.output.delimited import defuse
from stream_exempt.store import Filters

DAY = date(2027, 1, 11)
REASONS = ['Leeds "General" Infirmary', "Café \\ Zürich – 東京", "=HYPERLINK()", "-1", "@me", None]


def _varied(cli: Cli, clock: Clock) -> None:
    """Exemptions of every status as of 11 Jan 2027, with awkward reasons."""
    for n, reason in enumerate(REASONS):
        extra = ["--reason", reason] if reason is not None else []
        start, end = (6, 8) if n == 0 else (15, 20) if n == len(REASONS) - 1 else (6 + n, 20)
        cli.add(f"20123456{n}", "--start", f"2027-01-{start:02d}", "--end", f"2027-01-{end:02d}", *extra)
    cli.ok("delete", "2", "--yes")
    clock(datetime(2027, 1, 11, 9, 0, tzinfo=LONDON))


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_made_by_sqlite_is_the_record_of_the_model(cli: Cli, clock: Clock, fmt: str) -> None:
    _varied(cli, clock)
    out = cli.ok("list", "--status", "all", "--format", fmt).stdout
    rows = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    with closing(open_location(cli.location)) as store:
        expected = [record(e, rules.status(e, DAY)) for e in store.select()]
    assert rows == expected
    assert [list(row) for row in rows] == [list(e) for e in expected]  # the same keys in the same order


def test_machine_rows_are_the_rows_of_the_model_for_every_filter(cli: Cli, clock: Clock) -> None:
    _varied(cli, clock)
    with closing(open_location(cli.location)) as store:
        everything = store.select()
        for statuses in (rules.LIVE, {"deleted"}, {"expired", "pending"}, set(rules.STATUSES)):
            listed = [list(row) for row in store.listed(DAY, statuses, Filters())]
            expected = [
                list(record(e, s).values()) for e in everything if (s := rules.status(e, DAY)) in statuses
            ]
            assert listed == expected and expected
            assert store.count_listed(DAY, statuses, Filters()) == len(expected)


def test_csv_defuses_every_free_text_column(cli: Cli, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAM_EXEMPT_ID_PATTERN", r"[-+]?\d{3}")
    cli.ok(
        "add",
        "-t",
        "placement",
        "-s",
        "2027-01-11",
        "--for",
        "1w",
        "--as",
        "@admin",
        "--reason",
        "+x",
        "--",
        "-123",
    )
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        out = cli.ok("list", "--format", fmt).stdout
        (row,) = list(csv.DictReader(io.StringIO(out), delimiter=delimiter))
        assert (row["student_id"], row["reason"], row["created_for"]) == ("'-123", "'+x", "'@admin")
        assert row["id"] == "1" and row["start"] == "2027-01-11"


def test_a_limited_list_says_how_many_more_counted_by_sqlite(cli: Cli, clock: Clock) -> None:
    _varied(cli, clock)
    live = len(cli.ok("list", "--ids").stdout.split())
    result = cli.ok("list", "--limit", "2", "--format", "csv")
    assert len(result.stdout.splitlines()) == 3  # the header and two rows
    assert result.stderr.startswith(f"{live - 2} more not shown")
    assert (
        cli.ok("list", "--ids", "--limit", "2").stdout.split() == cli.ok("list", "--ids").stdout.split()[:2]
    )


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_lines_made_by_sqlite_are_the_csv_modules_lines(
    cli: Cli, clock: Clock, fmt: str, delimiter: str
) -> None:
    """Plain rows are written as SQLite made them, the others by the csv module: byte for byte
    what the csv module makes of the model's records, formulas defused."""
    _varied(cli, clock)
    for n, reason in enumerate(["a,b", 'say "hi"', "semi;colon", "=1+1", "plain words"]):
        cli.add(f"20999999{n}", "--start", "2027-01-20", "--end", "2027-01-30", "--reason", reason)
    with closing(open_location(cli.location)) as store:
        records = [record(e, rules.status(e, DAY)) for e in store.select()]
    expected = io.StringIO()
    writer = csv.writer(expected, delimiter=delimiter, lineterminator="\n")
    writer.writerow(records[0].keys())
    writer.writerows([defuse(v) for v in r.values()] for r in records)
    assert cli.ok("list", "--status", "all", "--format", fmt).stdout == expected.getvalue()


# Reasons `add` takes, and cells only a hostile copy could hold (control characters), written
# into the table directly.
AWKWARD = [
    "+plus",
    "back\\slash \\. and \\N",
    "naïve 東京 😀",
    'quote " and comma, and semi;colon',
    "  spaces  ",
    None,
]
HOSTILE = [
    "tab\tinside",
    "line\nbreak",
    "carriage\rreturn",
    "\ttab first",
    "\rreturn first",
    "ctrl \x01 \x7f",
    "",
]


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv_of_awkward_rows_are_the_same_bytes_on_both_stores(
    cli: Cli, clock: Clock, monkeypatch: pytest.MonkeyPatch, fmt: str, delimiter: str
) -> None:
    """Every store writes what the csv module makes of the model's records, formulas defused,
    byte for byte (the test runs on each store): every row, a limited list, and the rows of a
    student whose ID holds a quote (written into PostgreSQL's COPY as a literal)."""
    monkeypatch.setenv("STREAM_EXEMPT_ID_PATTERN", r"[-+=@'\w ,]{2,12}")
    students = [f"2012345{n:02d}" for n in range(len(AWKWARD))] + ["O'Brien 1", "-42", "1,2", "@1 2"]
    for n, student in enumerate(students):
        reason = AWKWARD[n] if n < len(AWKWARD) else "=SUM(A1)"
        extra = ["--reason", reason] if reason is not None else []
        if n % 3 == 0:
            extra += ["--as", "=cmd|' /C calc'!A0" if n % 2 else "tutor, a"]
        cli.ok("add", "-t", "placement", "-s", "2027-01-12", "--for", "1w", *extra, "--", student)
    cli.ok("delete", "3", "--yes")
    with closing(open_location(cli.location)) as store, store.writing():
        for n, text in enumerate(HOSTILE, start=100):
            values = (n, f"2099999{n}" if n % 2 else text, text, "tutor" if n % 3 else text, text or None)
            marks = ", ".join(f"${i}" if cli.postgres else "?" for i in range(1, 6))
            store.conn.execute(
                "INSERT INTO exemptions (id, student_id, reason, created_by, created_for, type, start_date, "
                f"end_date, created_at, in_force_from) VALUES ({marks}, 'placement', '2027-01-12', '2027-01-20', "
                "'2027-01-10T10:00:00Z', '2027-01-12')",
                values,
            )
    clock(datetime(2027, 1, 14, 9, 0, tzinfo=LONDON))

    def expected(*, student: str | None = None, limit: int | None = None) -> str:
        with closing(open_location(cli.location)) as store:
            records = [
                record(e, rules.status(e, date(2027, 1, 14))) for e in store.select(student_id=student)
            ]
        made = io.StringIO()
        writer = csv.writer(made, delimiter=delimiter, lineterminator="\n")
        writer.writerow(records[0].keys())
        writer.writerows([defuse(v) for v in r.values()] for r in records[:limit])
        return made.getvalue()

    listed = ("list", "--status", "all", "--format", fmt)
    assert cli.ok(*listed).stdout == expected()
    assert cli.ok(*listed, "--limit", "5").stdout == expected(limit=5)
    assert cli.ok(*listed, "--student", "O'Brien 1").stdout == expected(student="O'Brien 1")
