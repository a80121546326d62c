"""R5b, contract v3: a deletion made on day D keeps the answer for D and every day before it.

Status `deleted` starts the next day (or on every day for one deleted before it started); for
R4 and R7 it is deleted from the moment of deletion. Every place that says it (the rules, and
each SQL restatement in the store) is held to the same table of boundary days.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import LONDON, Cli, exemption
from stream_exempt import rules
from stream_exempt.store import Filters, Store

START, IN_FORCE, END = date(2027, 1, 11), date(2027, 1, 13), date(2027, 1, 24)
EARLY = date(2027, 1, 6)  # an in-force date before the start
DAY = timedelta(days=1)

# (in force from, deleted on, day asked about, status as of that day): the day before the
# deletion, the deletion day and the day after, for one deleted before its start, on its start,
# on the day it comes into force, and while in force. The exemption runs 11-24 Jan.
BOUNDARIES = [
    # deleted before it started: deleted on every day, the deletion day included
    (IN_FORCE, date(2027, 1, 9), date(2027, 1, 8), "deleted"),
    (IN_FORCE, date(2027, 1, 9), date(2027, 1, 9), "deleted"),
    (IN_FORCE, date(2027, 1, 9), date(2027, 1, 10), "deleted"),
    (IN_FORCE, date(2027, 1, 10), date(2027, 1, 11), "deleted"),  # the day before its start
    # deleted on its start: that day keeps its answer
    (IN_FORCE, START, START - DAY, "pending"),
    (IN_FORCE, START, START, "pending"),
    (IN_FORCE, START, START + DAY, "deleted"),
    # recorded well before its start (in force from 6 Jan), deleted on its start: active that day
    (EARLY, START, START - DAY, "pending"),
    (EARLY, START, START, "active"),
    (EARLY, START, START + DAY, "deleted"),
    # deleted on the day it comes into force: in force that day, never after
    (IN_FORCE, IN_FORCE, IN_FORCE - DAY, "pending"),
    (IN_FORCE, IN_FORCE, IN_FORCE, "active"),
    (IN_FORCE, IN_FORCE, IN_FORCE + DAY, "deleted"),
    # deleted while in force
    (IN_FORCE, date(2027, 1, 15), date(2027, 1, 14), "active"),
    (IN_FORCE, date(2027, 1, 15), date(2027, 1, 15), "active"),
    (IN_FORCE, date(2027, 1, 15), date(2027, 1, 16), "deleted"),
    (IN_FORCE, date(2027, 1, 15), END + DAY, "deleted"),  # deleted comes before expired
]


@pytest.mark.parametrize(("in_force", "deleted_on", "day", "status"), BOUNDARIES)
def test_the_rules_say_deleted_from_the_day_after_the_deletion(
    in_force: date, deleted_on: date, day: date, status: str
) -> None:
    e = exemption(START, END, in_force_from=in_force, deleted_on=deleted_on)
    assert rules.status(e, day) == status
    assert (rules.suppressing([e], day) is not None) == (status == "active")
    assert rules.verdict("201234567", [e], day).suppressed == (status == "active")
    span = rules.in_force_days(e)
    assert (span is not None and span[0] <= day <= span[1]) == (status == "active")
    # R4 and R7: deleted from the moment of deletion, whatever the day's status.
    assert not rules.is_live(e, min(day, deleted_on))


def test_every_sql_restatement_of_status_agrees_with_the_table(tmp_path: Path) -> None:
    """STATUS_SQL (list, summary, doctor), the live condition searched through the index
    (`list`'s default), and the rows `check --file` reads: one exemption per row of the table,
    each asked about on its own day."""
    store = Store.open(tmp_path / "s.db", create=True)
    with store.writing():
        store.conn.executemany(
            "INSERT INTO exemptions (student_id, type, start_date, end_date, in_force_from, deleted_at, "
            "deleted_on, created_by, created_at) VALUES (?, 'placement', ?, ?, ?, ?, ?, 'tester', "
            "'2027-01-01T12:00:00Z')",
            [
                (
                    f"2010000{n:02d}",
                    START.isoformat(),
                    END.isoformat(),
                    in_force.isoformat(),
                    f"{deleted_on.isoformat()}T12:00:00Z",
                    deleted_on.isoformat(),
                )
                for n, (in_force, deleted_on, _, _) in enumerate(BOUNDARIES)
            ],
        )
    answering = store.answering_by_student()
    for n, (_, _, day, status) in enumerate(BOUNDARIES):
        student = f"2010000{n:02d}"
        mine = Filters(student_id=student)
        (row,) = store.listed(day, rules.STATUSES, mine)
        assert row[5] == status, (n, day)
        live = store.count_listed(day, rules.LIVE, mine)
        assert live == (status in rules.LIVE), (n, day)
        (line,) = store.listed(day, rules.STATUSES, mine, delimiter=",")
        assert line[0].split(",")[5] == status
        (text,) = store.listed(day, rules.STATUSES, mine, as_json=True)
        assert json.loads(text[0])["status"] == status
        suppressed = rules.suppressing(answering.get(student, []), day) is not None
        assert suppressed == (status == "active"), (n, day)
    for day in sorted({day for _, _, day, _ in BOUNDARIES}):
        expected = {s: 0 for s in rules.STATUSES}
        for e in store.select():
            expected[rules.status(e, day)] += 1
        assert store.status_counts(day) == expected
    store.close()


def test_the_issue_s_scenario_keeps_the_answer_the_feed_used(cli: Cli, clock) -> None:  # type: ignore[no-untyped-def]
    """Issue 18 item 2, step by step, with the clock frozen at each moment."""
    clock(datetime(2027, 3, 1, 9, 0, tzinfo=LONDON))
    cli.ok("add", "201800001", "--type", "placement", "--start", "03/03/2027", "--for", "2w")
    feed = "student_id,date\n201800001,2027-03-05\n"
    clock(datetime(2027, 3, 5, 6, 0, tzinfo=LONDON))
    assert cli.ok("check", "--file", "-", input=feed).stdout.splitlines()[1] == "201800001,2027-03-05,true,1"
    clock(datetime(2027, 3, 5, 10, 0, tzinfo=LONDON))
    cli.ok("delete", "1", "--yes")
    assert cli.ok("check", "--file", "-", input=feed).stdout.splitlines()[1] == "201800001,2027-03-05,true,1"
    assert cli("check", "201800001").exit_code == 0  # today, after the deletion: as this morning
    clock(datetime(2027, 3, 8, 9, 0, tzinfo=LONDON))
    result = cli("check", "201800001", "--on", "05/03/2027", "--format", "json")
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert (answer["suppressed"], answer["exemption"]) == (True, 1)
    assert "deleted on 5 Mar 2027 and covers nothing after that day" in answer["why"]
    assert cli.ok("check", "--file", "-", input=feed).stdout.splitlines()[1] == "201800001,2027-03-05,true,1"
    assert cli("check", "201800001", "--on", "06/03/2027").exit_code == 1
    assert cli("check", "201800001").exit_code == 1


def test_tables_show_the_deletion_day_and_machine_formats_the_plain_status(cli: Cli, clock) -> None:  # type: ignore[no-untyped-def]
    active = cli.add("201234567", "--start", "2027-01-06", "--end", "2027-01-31")
    pending = cli.add("201234568", "--start", "2027-01-20", "--end", "2027-01-31")
    clock(datetime(2027, 1, 11, 23, 30, tzinfo=LONDON))  # summer or not: late in London
    cli.ok("delete", str(active), "--yes")
    cli.ok("move", str(pending), "--start", "2027-01-12")  # started tomorrow, in force 13 Jan
    clock(datetime(2027, 1, 12, 9, 0, tzinfo=LONDON))
    cli.ok("delete", str(pending), "--yes")
    clock(datetime(2027, 1, 12, 18, 0, tzinfo=LONDON))
    plain = cli.ok("list", "--status", "all", "--format", "plain").stdout
    assert "pending (deleted today)" in plain
    assert "active (deleted" not in plain  # deleted yesterday: deleted today
    rows = {
        r["id"]: r
        for r in csv.DictReader(io.StringIO(cli.ok("list", "--status", "all", "--format", "csv").stdout))
    }
    assert (rows[str(active)]["status"], rows[str(active)]["deleted_on"]) == ("deleted", "2027-01-11")
    assert (rows[str(pending)]["status"], rows[str(pending)]["deleted_on"]) == ("pending", "2027-01-12")
    on_the_11th = cli.ok("list", "--status", "all", "--on", "2027-01-11", "--format", "markdown").stdout
    assert "active (deleted on 11 Jan 2027)" in on_the_11th
    table = cli.ok("list", "--format", "table").stdout
    assert "pending (deleted today)" in table
    (record,) = json.loads(cli.ok("list", "--format", "json").stdout)
    assert (record["status"], record["deleted_on"]) == ("pending", "2027-01-12")
    assert list(record)[-2:] == ["deleted_on", "created_for"]  # contract v3: created_for is the last


def test_a_deletion_blocks_nothing_new_from_its_moment(cli: Cli, clock) -> None:  # type: ignore[no-untyped-def]
    """R7 compares live exemptions: one deleted today, still active today, blocks nothing."""
    first = cli.add("201234567", "--start", "2027-01-06", "--end", "2027-01-31")
    clock(datetime(2027, 1, 11, 9, 0, tzinfo=LONDON))
    cli.ok("delete", str(first), "--yes")
    assert cli("check", "201234567").exit_code == 0
    again = cli.add("201234567", "--start", "2027-01-12", "--end", "2027-01-31")
    assert again > first
