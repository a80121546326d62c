"""A day that has passed is shown as it stood (SPEC 7): `list --on D` and `summary --on D` for a
day D before today show the store as it was at the end of D (in the University's time zone),
rebuilt from the event log; `--on` today or later shows today's data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from contextlib import closing
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlite_utils import Database, Migrations

from helpers import LONDON, Cli
from stream_exempt import rules, schema
from stream_exempt.dates import local_day
from stream_exempt.model import Exemption
from stream_exempt.store import Store

Clock = Callable[[datetime], None]


def _ids(cli: Cli, *args: str) -> list[int]:
    return [int(line) for line in cli.ok("list", *args, "--ids").stdout.split()]


def _json(cli: Cli, *args: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(cli.ok("list", *args, "--format", "json").stdout)
    return rows


# -- the two cases of issue 18, item 6 ----------------------------------------------------


def test_summary_of_a_day_before_an_exemption_was_recorded_does_not_count_it(cli: Cli, clock: Clock) -> None:
    clock(datetime(2027, 1, 4, 10, 0, tzinfo=LONDON))
    cli.add("201800001", "--start", "2027-01-11", "--for", "2w")
    clock(datetime(2027, 1, 5, 9, 0, tzinfo=LONDON))
    before = json.loads(cli.ok("summary", "--on", "01/01/2027", "--format", "json").stdout)
    assert before["totals"]["total"] == 0 and before["totals"]["pending"] == 0
    assert before["by_type"][3]["type"] == "placement" and before["by_type"][3]["pending"] == 0
    recorded = json.loads(cli.ok("summary", "--on", "04/01/2027", "--format", "json").stdout)
    assert recorded["totals"]["pending"] == 1 and recorded["totals"]["total"] == 1
    assert recorded["starting"]["count"] == 1  # starts 11 Jan: within a week of 4 Jan


def test_list_of_a_day_before_a_move_shows_the_end_it_had_then(cli: Cli, clock: Clock) -> None:
    clock(datetime(2027, 1, 4, 10, 0, tzinfo=LONDON))
    moved = cli.add("201800001", "--start", "2027-01-11", "--end", "2027-02-20")
    deleted = cli.add("201800002", "--start", "2027-01-11", "--end", "2027-02-20")
    clock(datetime(2027, 2, 10, 10, 0, tzinfo=LONDON))
    cli.ok("move", str(moved), "--end", "2027-03-20")
    cli.ok("delete", str(deleted), "--yes")
    clock(datetime(2027, 2, 11, 9, 0, tzinfo=LONDON))
    before = {row["id"]: row for row in _json(cli, "--on", "09/02/2027", "--status", "all")}
    assert before[moved]["end"] == "2027-02-20" and before[moved]["status"] == "active"
    # Deleted on 10 Feb: on the 9th it was not, and it was active.
    assert before[deleted]["status"] == "active" and before[deleted]["deleted_on"] is None
    # Its deletion day keeps its status (R5b), the deletion recorded beside it.
    that_day = {row["id"]: row for row in _json(cli, "--on", "10/02/2027", "--status", "all")}
    assert that_day[moved]["end"] == "2027-03-20"
    assert (that_day[deleted]["status"], that_day[deleted]["deleted_on"]) == ("active", "2027-02-10")
    table = cli.ok("list", "--on", "10/02/2027", "--format", "plain").stdout
    assert "active (deleted on 10 Feb 2027)" in table
    after = {row["id"]: row for row in _json(cli, "--on", "11/02/2027", "--status", "all")}
    assert after[moved]["end"] == "2027-03-20"
    assert (after[deleted]["status"], after[deleted]["deleted_on"]) == ("deleted", "2027-02-10")
    # Today and later: today's data, statuses as of that day (unchanged).
    assert {row["id"]: row["end"] for row in _json(cli, "--on", "12/02/2027")} == {moved: "2027-03-20"}


def test_a_reason_edited_later_is_shown_as_it_was(cli: Cli, clock: Clock) -> None:
    exemption = cli.add("201800001", "--reason", "Ward 7 placement")
    clock(datetime(2027, 1, 6, 10, 0, tzinfo=LONDON))
    cli.ok("edit", str(exemption), "--reason", "Ward 9 placement")
    clock(datetime(2027, 1, 8, 10, 0, tzinfo=LONDON))
    assert [row["reason"] for row in _json(cli, "--on", "05/01/2027")] == ["Ward 7 placement"]
    assert [row["reason"] for row in _json(cli, "--on", "06/01/2027")] == ["Ward 9 placement"]


# -- every filter, sort, limit and format on the view of a day that has passed ---------------

ASKED_ON = datetime(2027, 1, 7, 12, 0, tzinfo=LONDON)
PAST = "05/01/2027"  # Tuesday: the day asked about; the changes below were made on the 6th
# The ids, in the order they are recorded.
F, A, B, C, D, E = 1, 2, 3, 4, 5, 6


@pytest.fixture
def changed_since(cli: Cli, clock: Clock) -> Cli:
    """Exemptions recorded up to Monday 4 Jan 2027 and changed on Wednesday the 6th, asked
    about on Thursday the 7th; each change alters what some filter finds on Tuesday the 5th."""
    clock(datetime(2026, 12, 28, 10, 0, tzinfo=LONDON))
    assert cli.add("201000006", "--type", "withdrawn", "--start", "2026-12-30", "--end", "2027-01-10") == F
    clock(datetime(2027, 1, 4, 10, 0, tzinfo=LONDON))
    assert cli.add("201000001", "--start", "2027-01-11", "--end", "2027-01-31") == A
    assert (
        cli.add(
            "201000002",
            "--type",
            "dissertation",
            "--start",
            "2027-01-18",
            "--end",
            "2027-02-28",
            "--reason",
            "as asked",
        )
        == B
    )
    cohort = "student_id\n201000003\n201000004\n"
    options = ("--type", "authorised-absence", "--start", "2027-02-01", "--end", "2027-02-15")
    cli.ok("bulk", "-", *options, input=cohort)  # batch 1: C and D
    clock(datetime(2027, 1, 6, 10, 0, tzinfo=LONDON))
    cli.ok("extend", str(F), "--to", "2027-01-20")
    cli.ok("move", str(A), "--end", "2027-02-20")
    cli.ok("edit", str(B), "--reason", "as corrected")
    cli.ok("delete", str(C), "--yes")
    cli.ok("move", str(D), "--start", "2027-02-08")
    assert cli.add("201000005", "--start", "2027-01-12", "--end", "2027-01-25") == E
    clock(ASKED_ON)
    return cli


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), [F, A, B, C, D]),  # today's data: F, A, E, B, D (C deleted, E recorded on the 6th)
        (("--status", "all"), [F, A, B, C, D]),
        (("--status", "active"), [F]),
        (("--status", "pending,deleted"), [A, B, C, D]),
        (("--status", "deleted"), []),  # C was deleted on the 6th
        (("--student", "201000005"), []),  # E was recorded on the 6th
        (("--student", "201000003"), [C]),
        (("--type", "placement"), [A]),
        (("--batch", "1"), [C, D]),
        (("--ending-within", "1w"), [F]),  # 5-12 Jan: F ended on the 10th until it was extended
        (("--starting-within", "4w"), [A, B, C, D]),  # 5 Jan - 2 Feb: D started on 1 Feb then
        (("--in-force-within", "1w"), [A]),  # 5-12 Jan: A on the 11th (E's 12th came later)
        (("--deleted-within", "1w"), []),
        (("--sort", "end"), [F, A, C, D, B]),  # 10 Jan, 31 Jan, 15 Feb, 15 Feb, 28 Feb
        (("--sort", "student"), [A, B, C, D, F]),
        (("--sort", "id"), [F, A, B, C, D]),
        (("--limit", "3"), [F, A, B]),  # today: F, A, E
        (("--status", "all", "--sort", "end", "--limit", "3"), [F, A, C]),
    ],
)
def test_every_filter_works_on_the_day_as_it_stood(
    changed_since: Cli, args: tuple[str, ...], expected: list[int]
) -> None:
    assert _ids(changed_since, "--on", PAST, *args) == expected


def test_the_windows_and_deletions_of_a_later_past_day(changed_since: Cli) -> None:
    cli = changed_since
    assert _ids(cli, "--on", "06/01/2027", "--deleted-within", "1w") == [C]
    assert _ids(cli, "--on", "06/01/2027", "--ending-within", "1w") == []  # F now ends on the 20th
    assert _ids(cli, "--on", "06/01/2027", "--student", "201000005") == [E]


# What Tuesday the 5th looked like, field by field (the rows in `list`'s order).
AS_IT_STOOD = [
    (F, "201000006", "withdrawn", "2026-12-30", "2027-01-10", "active", "2026-12-30", "", ""),
    (A, "201000001", "placement", "2027-01-11", "2027-01-31", "pending", "2027-01-06", "", ""),
    (B, "201000002", "dissertation", "2027-01-18", "2027-02-28", "pending", "2027-01-06", "", "as asked"),
    (C, "201000003", "authorised-absence", "2027-02-01", "2027-02-15", "pending", "2027-01-06", "1", ""),
    (D, "201000004", "authorised-absence", "2027-02-01", "2027-02-15", "pending", "2027-01-06", "1", ""),
]
_KEYS = ("id", "student_id", "type", "start", "end", "status", "in_force_from", "batch", "reason")


def _shown(value: object) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_delimited_formats_show_the_day_as_it_stood(changed_since: Cli, fmt: str) -> None:
    text = changed_since.ok("list", "--on", PAST, "--status", "all", "--format", fmt).stdout
    rows = list(csv.DictReader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
    assert [tuple(row[key] for key in _KEYS) for row in rows] == [
        tuple(str(value) for value in row) for row in AS_IT_STOOD
    ]
    assert {row["created_at"] for row in rows} == {"2026-12-28T10:00:00Z", "2027-01-04T10:00:00Z"}


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_formats_show_the_day_as_it_stood(changed_since: Cli, fmt: str) -> None:
    text = changed_since.ok("list", "--on", PAST, "--status", "all", "--format", fmt).stdout
    rows = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    assert [tuple(_shown(row[key]) for key in _KEYS) for row in rows] == [
        tuple(str(value) for value in row) for row in AS_IT_STOOD
    ]
    assert all(isinstance(row["id"], int) for row in rows) and rows[3]["batch"] == 1


@pytest.mark.parametrize("fmt", ["table", "markdown", "plain"])
def test_table_formats_show_the_day_as_it_stood(changed_since: Cli, fmt: str) -> None:
    text = changed_since.ok("list", "--on", PAST, "--status", "all", "--format", fmt).stdout
    assert "31 Jan 2027" in text and "10 Jan 2027" in text and "as asked" in text
    for later in ("20 Feb 2027", "20 Jan 2027", "22 Feb 2027", "as corrected", "201000005", "deleted"):
        assert later not in text, later
    assert text.count("Pending") + text.count("pending") == 4


def test_more_rows_than_the_limit_are_counted_as_they_stood(changed_since: Cli) -> None:
    result = changed_since.ok("list", "--on", PAST, "--status", "all", "--limit", "2", "--format", "csv")
    assert len(result.stdout.splitlines()) == 3
    assert "3 more not shown" in result.stderr


# -- the day ends at midnight in London (or STREAM_EXEMPT_TZ), not in UTC -----------------------


@pytest.mark.parametrize(
    ("zone", "recorded", "day", "shown"),
    [
        # Summer: 23:30 BST is 22:30 UTC the same day; 00:30 BST is 23:30 UTC the day before.
        (None, datetime(2027, 6, 1, 23, 30), "2027-05-31", False),
        (None, datetime(2027, 6, 1, 23, 30), "2027-06-01", True),
        (None, datetime(2027, 6, 2, 0, 30), "2027-06-01", False),
        (None, datetime(2027, 6, 2, 0, 30), "2027-06-02", True),
        # Winter: London keeps UTC.
        (None, datetime(2027, 12, 1, 23, 30), "2027-11-30", False),
        (None, datetime(2027, 12, 1, 23, 30), "2027-12-01", True),
        (None, datetime(2027, 12, 2, 0, 30), "2027-12-01", False),
        (None, datetime(2027, 12, 2, 0, 30), "2027-12-02", True),
        # Another zone: 23:30 in New York is 04:30 the next day in London.
        ("America/New_York", datetime(2027, 6, 1, 23, 30), "2027-06-01", True),
        ("America/New_York", datetime(2027, 6, 2, 0, 30), "2027-06-01", False),
    ],
)
def test_a_day_ends_at_midnight_where_the_university_is(
    cli: Cli,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    zone: str | None,
    recorded: datetime,
    day: str,
    shown: bool,
) -> None:
    if zone is not None:
        monkeypatch.setenv("STREAM_EXEMPT_TZ", zone)
    where = ZoneInfo(zone) if zone else LONDON
    clock(recorded.replace(tzinfo=where))
    exemption = cli.add("201800001", "--start", "+1w", "--for", "2w")
    clock(recorded.replace(tzinfo=where) + timedelta(days=5))
    assert _ids(cli, "--on", day, "--status", "all") == ([exemption] if shown else [])
    counted = json.loads(cli.ok("summary", "--on", day, "--format", "json").stdout)["totals"]["total"]
    assert counted == (1 if shown else 0)


@pytest.mark.parametrize(
    ("moved", "day", "end"),
    [
        (datetime(2027, 6, 1, 23, 30, tzinfo=LONDON), "2027-06-01", "2027-07-31"),  # moved that day
        (datetime(2027, 6, 2, 0, 30, tzinfo=LONDON), "2027-06-01", "2027-06-30"),  # moved the next
        (datetime(2027, 6, 2, 0, 30, tzinfo=LONDON), "2027-06-02", "2027-07-31"),
    ],
)
def test_a_change_at_either_side_of_midnight_belongs_to_its_london_day(
    cli: Cli, clock: Clock, moved: datetime, day: str, end: str
) -> None:
    clock(datetime(2027, 5, 20, 10, 0, tzinfo=LONDON))
    exemption = cli.add("201800001", "--start", "2027-05-25", "--end", "2027-06-30")
    clock(moved)
    cli.ok("move", str(exemption), "--end", "2027-07-31")
    clock(datetime(2027, 6, 5, 10, 0, tzinfo=LONDON))
    assert [row["end"] for row in _json(cli, "--on", day)] == [end]


# -- asked on any later day, a day is the view asked at the end of it ---------------------------

SUMMER = date(2027, 6, 7)  # a Monday in British Summer Time, so that UTC's day ends an hour late


def _at(day_offset: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(SUMMER + timedelta(days=day_offset), time(hour, minute, second), tzinfo=LONDON)


# A fortnight of an office's changes: every kind of change, some at 23:30 and 00:30 London time.
CHANGES: list[tuple[datetime, tuple[str, ...], str | None]] = [
    (
        _at(0, 9),
        ("add", "201000001", "-t", "placement", "-s", "2027-06-09", "-e", "2027-06-20", "--reason", "first"),
        None,
    ),
    (
        _at(0, 9, 5),
        ("bulk", "-", "-t", "dissertation", "-s", "2027-06-14", "-e", "2027-06-30"),
        "student_id\n201000002\n201000003\n",
    ),
    (_at(0, 23, 30), ("add", "201000004", "-t", "withdrawn", "-s", "2027-06-11", "-e", "2027-06-12"), None),
    (_at(1, 10), ("extend", "1", "--to", "2027-06-25"), None),
    (_at(1, 10, 10), ("edit", "2", "--reason", "corrected"), None),
    (
        _at(1, 11),
        ("request", "201000005", "-t", "placement", "-s", "2027-06-15", "--for", "1w", "--from", "Dr Tutor"),
        None,
    ),
    (_at(2, 0, 30), ("move", "3", "--start", "2027-06-17"), None),
    (_at(2, 9, 30), ("delete", "4", "--yes"), None),  # before it started
    (_at(2, 10), ("approve", "R1"), None),  # exemption 5
    (_at(3, 10), ("delete", "1", "--yes"), None),  # after it started
    (_at(3, 23, 30), ("move", "2", "--end", "2027-07-14"), None),
    (_at(4, 0, 30), ("edit", "5", "--reason", "late night"), None),
    (_at(4, 10), ("move", "--batch", "1", "--by", "1w"), None),
    (_at(7, 10), ("delete", "5", "--yes"), None),  # on its first day in force
    (_at(8, 10), ("add", "201000006", "-t", "placement", "-s", "2027-06-20", "--for", "2w"), None),
    (_at(9, 10), ("extend", "3", "--by", "1w"), None),
]
DAYS = 11  # Monday 7 June to Thursday 17 June


def _views(cli: Cli, day: date) -> tuple[str, ...]:
    on = day.isoformat()
    return (
        cli.ok("list", "--on", on, "--status", "all", "--format", "json").stdout,
        cli.ok("list", "--on", on, "--format", "csv").stdout,
        cli.ok("summary", "--on", on, "--format", "json").stdout,
    )


def _replay(cli: Cli, clock: Clock, at_end_of_day: Callable[[date], None]) -> None:
    """Make `CHANGES` in order, calling `at_end_of_day(D)` at 23:59 London time of each day D."""
    pending = list(CHANGES)
    for offset in range(DAYS):
        day = SUMMER + timedelta(days=offset)
        while pending and pending[0][0] < _at(offset, 23, 59):
            moment, args, stdin = pending.pop(0)
            clock(moment)
            cli.ok(*args, input=stdin)
        clock(_at(offset, 23, 59))
        at_end_of_day(day)


def test_a_day_asked_on_any_later_day_is_the_view_asked_at_its_end(cli: Cli, clock: Clock) -> None:
    seen: dict[date, tuple[str, ...]] = {}

    def capture(day: date) -> None:
        seen[day] = _views(cli, day)

    _replay(cli, clock, capture)
    assert json.loads(seen[SUMMER + timedelta(days=3)][0])  # the views hold rows: they can differ
    # Each later day: the day just ended at once after midnight; every day before, at noon.
    for offset in range(1, DAYS + 3):
        clock(_at(offset, 0, 0, 30))
        yesterday = SUMMER + timedelta(days=offset - 1)
        if yesterday in seen:
            assert _views(cli, yesterday) == seen[yesterday], yesterday
        clock(_at(offset, 12))
        for day, views in seen.items():
            if day < SUMMER + timedelta(days=offset):
                assert _views(cli, day) == views, (day, offset)


@pytest.mark.sqlite_only("runs SQL on the SQLite store's own connection")
def test_the_statuses_of_a_past_day_are_those_rules_status_gives_the_exemptions_as_they_stood(
    cli: Cli, clock: Clock, store_path: Path
) -> None:
    """An oracle in Python: each exemption rebuilt from its events up to the end of the day
    (their London day), given to `rules.status`; on every day of the fortnight and around it."""
    _replay(cli, clock, lambda day: None)
    clock(_at(DAYS + 20, 12))
    with closing(Store.open(store_path)) as store:
        rows = store.conn.execute("SELECT id, created_by, created_at FROM exemptions").fetchall()
        history = {id: (created_by, created_at, store.events(id)) for id, created_by, created_at in rows}
    for offset in range(-2, DAYS + 18):
        day = SUMMER + timedelta(days=offset)
        expected = []
        for id, (created_by, created_at, events) in history.items():
            stood = [
                e.after
                for e in events
                if e.action not in ("request", "reject") and local_day(e.at, LONDON) <= day
            ]
            if not stood:
                continue
            last = stood[-1]
            assert last is not None
            exemption = Exemption(
                id=id,
                student_id=last["student_id"],
                type=last["type"],
                start=date.fromisoformat(last["start"]),
                end=date.fromisoformat(last["end"]),
                reason=last["reason"],
                batch=last["batch"],
                created_by=created_by,
                created_at=created_at,
                in_force_from=date.fromisoformat(last["in_force_from"]),
                deleted_on=None if last["deleted_on"] is None else date.fromisoformat(last["deleted_on"]),
            )
            expected.append(
                (
                    id,
                    exemption.start.isoformat(),
                    exemption.end.isoformat(),
                    exemption.reason,
                    rules.status(exemption, day),
                )
            )
        listed = _json(cli, "--on", day.isoformat(), "--status", "all", "--sort", "id")
        assert [(r["id"], r["start"], r["end"], r["reason"], r["status"]) for r in listed] == expected, day


@pytest.mark.sqlite_only("runs SQLite's rebuilding query on its own connection")
def test_the_store_as_it_stood_after_its_last_event_is_the_store_itself(
    cli: Cli, clock: Clock, store_path: Path
) -> None:
    """Every column of every row, rebuilt from the event log, is as the table holds it: a change
    that altered a column the rebuild keeps from the row (not `_CHANGEABLE`) would show here."""
    _replay(cli, clock, lambda day: None)
    with closing(Store.open(store_path)) as store:
        args: list[object] = []
        rebuilt = store._run(
            f"SELECT * FROM {store._as_it_stood('9999-12-31T00:00:00Z', args)} ORDER BY id", args
        ).fetchall()
        table = store.conn.execute("SELECT * FROM exemptions ORDER BY id").fetchall()
        (deleted,) = store.conn.execute(
            "SELECT count(*) FROM exemptions WHERE deleted_on IS NOT NULL"
        ).fetchone()
    assert len(table) == 6 and deleted == 3
    assert rebuilt == table


@pytest.mark.sqlite_only("SQLite's EXPLAIN QUERY PLAN")
def test_the_rebuild_reads_the_last_events_from_the_index_alone(cli: Cli, store_path: Path) -> None:
    """One grouped scan of the index of events by exemption and time (migration 0007), whatever
    the size of the event log: no event is read but the last of each exemption."""
    cli.add("201800001")
    with closing(Store.open(store_path)) as store:
        args: list[object] = []
        plan = " ".join(
            row[3]
            for row in store._run(
                f"EXPLAIN QUERY PLAN SELECT * FROM {store._as_it_stood('2027-01-05T00:00:00Z', args)}", args
            )
        )
    assert "COVERING INDEX events_by_exemption" in plan, plan


def test_a_store_of_the_previous_version_gets_the_index_with_the_time(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(path)
    earlier = Migrations(schema.MIGRATION_SET)
    for name, function in schema.MIGRATIONS:
        if name != "0007_event_time":
            earlier(name=name)(function)
    earlier.apply(db)
    db.close()
    with closing(Store.open(path)) as store:
        assert set(store.applied_migrations()) == set(schema.NAMES)
        columns = [row[2] for row in store.conn.execute("PRAGMA index_info(events_by_exemption)")]
        assert columns == ["exemption_id", "at"]
        assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
