"""Batch changes at size: the same as one change at a time, all or nothing, R7 over the set."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import LONDON, Cli, Clock, exemption, open_location, snapshot
from stream_exempt import rules
from stream_exempt.cli import change
from stream_exempt.cli.session import Session
from stream_exempt.model import Actor, Draft

MEMBERS = 2_000
TODAY = date(2027, 1, 4)


def _cohort_with_neighbours(cli: Cli, tmp_path: Path) -> None:
    """Batch 1: 2,000 placements from 11 Jan to 24 Jan (every tenth member 5 to 7 Jan only, and
    so ended by the 8th); every third student also has a placement of their own from 15 Mar (no clash
    after a week's extension) and an authorised absence over the same days (another type).
    Five members are deleted before the change."""
    rows = [
        f"{300_000_000 + i},{'2027-01-05,2027-01-07' if i % 10 == 0 else '2027-01-11,2027-01-24'}\n"
        for i in range(MEMBERS)
    ]
    (tmp_path / "cohort.csv").write_text("student_id,start,end\n" + "".join(rows))
    cli.ok("bulk", str(tmp_path / "cohort.csv"), "--type", "placement")
    with closing(open_location(cli.location)) as store, store.writing():
        for i in range(0, MEMBERS, 3):
            for type_code, start in (
                ("placement", date(2027, 3, 15)),
                ("authorised-absence", date(2027, 1, 9)),
            ):
                draft = Draft(f"{300_000_000 + i}", type_code, start, start + timedelta(days=20))
                store.insert(
                    draft, actor=Actor("tester"), at="2027-01-04T12:00:00Z", in_force_from=date(2027, 1, 6)
                )
    cli.ok("delete", "2", "3", "5", "7", "11", "--yes")


@pytest.mark.slow
@pytest.mark.parametrize(
    "change_args",
    [["extend", "--by", "1w"], ["move", "--by", "2d"], ["move", "--end", "2027-02-01"], ["delete", "--yes"]],
    ids=["extend", "move-by", "move-end", "delete"],
)
@pytest.mark.sqlite_only("copies the SQLite store file to compare two stores")
def test_a_batch_change_is_the_same_as_one_change_at_a_time(
    cli: Cli, clock: Clock, tmp_path: Path, change_args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _cohort_with_neighbours(cli, tmp_path)
    clock(datetime(2027, 1, 8, 9, 0, tzinfo=LONDON))  # every tenth member has ended
    one_by_one = Cli(tmp_path / "one-by-one.db")
    shutil.copy(cli.store_path, one_by_one.store_path)
    changeable = cli.ok("list", "--batch", "1", "--ids").stdout.split()  # in the batch's order
    assert len(changeable) == MEMBERS - MEMBERS // 10 - 4  # member 1 of the five deleted had ended

    verb, *options = change_args
    batch = cli.ok(verb, "--batch", "1", *options)
    # One at a time: the command itself for each id (without Typer's parsing, which would
    # make this test take minutes), with the store kept open between them.
    session = Session(str(one_by_one.store_path))
    context = SimpleNamespace(obj=session)
    for exemption_id in changeable:
        if verb == "extend":
            change.extend(context, exemption_id, by=options[1])  # type: ignore[arg-type]
        elif verb == "move":
            given = dict(zip(("by" if options[0] == "--by" else "end",), options[1:], strict=True))
            change.move(context, exemption_id, **given)  # type: ignore[arg-type]
        else:
            change.delete(context, [exemption_id], yes=True)  # type: ignore[arg-type]
    session.close()
    capsys.readouterr()

    assert snapshot(cli.location) == snapshot(one_by_one.store_path)
    assert f"{len(changeable):,}" in batch.stderr and "left as they were" in batch.stderr


def test_one_refused_member_refuses_the_whole_batch(cli: Cli, tmp_path: Path) -> None:
    _cohort_with_neighbours(cli, tmp_path)
    # Member 1,501 (exemption 1502) gets a placement of their own from 1 Mar: extended to 2 Mar,
    # their batch placement runs into it (R7); no other member's does (the others' own start
    # on 15 Mar).
    with closing(open_location(cli.location)) as store, store.writing():
        own = store.insert(
            Draft("300001501", "placement", date(2027, 3, 1), date(2027, 3, 5)),
            actor=Actor("tester"),
            at="2027-01-04T12:00:00Z",
            in_force_from=date(2027, 1, 6),
        )
    before = snapshot(cli.location)
    result = cli("extend", "--batch", "1", "--to", "2027-03-02")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: Exemption 1502 cannot change: student 300001501 already has exemption "
    )
    assert f"exemption {own.id} (Practice Placement Block, 1 Mar 2027 to 5 Mar 2027)" in result.stderr
    assert result.stdout == ""
    assert snapshot(cli.location) == before


def test_a_write_between_the_plan_and_the_lock_is_seen(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planned without the write lock: if another process writes before it is taken, the change
    is planned again under the lock, so R7 holds against that write too."""
    cli.ok("add", "201234567", "-t", "placement", "-s", "2027-01-11", "-e", "2027-01-20")
    planned = change._planned
    calls = []

    def and_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        result = planned(*args, **kwargs)
        if len(calls) == 1:  # another process records what the extension would run into
            with closing(open_location(cli.location)) as other, other.writing():
                draft = Draft("201234567", "placement", date(2027, 1, 25), date(2027, 1, 31))
                other.insert(
                    draft, actor=Actor("other"), at="2027-01-04T12:00:00Z", in_force_from=date(2027, 1, 6)
                )
        return result

    monkeypatch.setattr(change, "_planned", and_meanwhile)
    result = cli("extend", "1", "--by", "1w")
    assert len(calls) == 2
    assert result.exit_code == 2
    assert "already has exemption 2 (Practice Placement Block, 25 Jan 2027 to 31 Jan 2027)" in result.stderr


def test_with_no_other_writer_a_change_is_planned_once(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.add()
    planned = change._planned
    calls = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return planned(*args, **kwargs)

    monkeypatch.setattr(change, "_planned", counted)
    cli.ok("extend", "1", "--by", "1w")
    assert len(calls) == 1


days = st.integers(min_value=0, max_value=30).map(lambda n: TODAY + timedelta(days=n))


@st.composite
def records(draw: st.DrawFn) -> tuple[list, list]:  # type: ignore[type-arg]
    """Up to 12 live exemptions of two students and two types, some of them changed."""
    found, changed = [], []
    for number in range(1, draw(st.integers(min_value=1, max_value=12)) + 1):
        start = draw(days)
        end = start + timedelta(days=draw(st.integers(min_value=0, max_value=10)))
        record = exemption(
            start,
            end,
            id=number,
            student_id=draw(st.sampled_from(["201234567", "201234568"])),
            type=draw(st.sampled_from(["placement", "dissertation"])),
        )
        found.append(record)
        if draw(st.booleans()):
            shift = timedelta(days=draw(st.integers(min_value=0, max_value=5)))
            changed.append(
                exemption(
                    start + shift, end + shift, id=number, student_id=record.student_id, type=record.type
                )
            )
    return changed, found


@given(records())
def test_r7_over_a_set_of_changes_finds_a_clash_exactly_when_one_exists(drawn: tuple[list, list]) -> None:  # type: ignore[type-arg]
    changed, recorded = drawn
    after = {e.id: e for e in changed}
    state = [after.get(e.id, e) for e in recorded]
    expected = any(
        rules.find_clash(e.student_id, e.type, e.start, e.end, state, TODAY, ignore_id=e.id) is not None
        for e in changed
    )
    found = rules.clash_among(changed, recorded, TODAY)
    assert (found is not None) == expected
    if found is not None:
        one, other = found
        assert one.id in after and one.id != other.id
        assert (one.student_id, one.type) == (other.student_id, other.type)
        assert one.start <= other.end and other.start <= one.end


@pytest.mark.sqlite_only("reads the SQLite event table's JSON snapshots with sqlite3")
def test_each_event_starts_where_the_last_ended_and_the_last_ends_at_the_record(
    cli: Cli, clock: Clock, tmp_path: Path
) -> None:
    """The event log is a chain: each change's snapshot before is the one after of the change
    before it, and the last snapshot after is the record as stored, value for value and byte for
    byte. Batch changes write their snapshots after before the record itself: this holds them to it."""
    reasons = ['Ward "5", Leeds \u2014 caf\u00e9', "", "back\\slash\ttab"]
    rows = "".join(f"{300_000_000 + i},{json.dumps(reasons[i % 3])}\n" for i in range(30))
    (tmp_path / "cohort.csv").write_text("student_id,reason\n" + rows, encoding="utf-8")
    cli.ok("bulk", str(tmp_path / "cohort.csv"), "-t", "placement", "-s", "2027-01-11", "-e", "2027-01-24")
    single = cli.add("201234567")
    cli.ok("extend", "--batch", "1", "--by", "1w")
    cli.ok("move", "--batch", "1", "--start", "2027-01-12")  # a new start: a new in-force date too
    cli.ok("move", str(single), "--end", "2027-01-20")
    cli.ok("edit", "3", "--reason", "corrected")
    cli.ok("delete", "4", "--yes")  # deleted before it started
    clock(datetime(2027, 1, 13, 9, 0, tzinfo=LONDON))
    cli.ok("move", "--batch", "1", "--end", "2027-02-02")  # from 1 Feb (moved with the start)
    cli.ok("delete", "--batch", "1", "--yes")  # the others, deleted after they started

    fields = (
        "student_id",
        "type",
        "start",
        "end",
        "reason",
        "batch",
        "in_force_from",
        "deleted_at",
        "deleted_on",
    )
    columns = (
        "student_id",
        "type",
        "start_date",
        "end_date",
        "reason",
        "batch",
        "in_force_from",
        "deleted_at",
        "deleted_on",
    )
    as_json = ", ".join(f"'{field}', {column}" for field, column in zip(fields, columns, strict=True))
    with closing(sqlite3.connect(cli.store_path)) as conn:
        stored = {
            row[0]: (dict(zip(fields, row[2:], strict=True)), row[1])
            for row in conn.execute(
                f"SELECT id, json_object({as_json}), {', '.join(columns)} FROM exemptions"
            )
        }
        events = conn.execute("SELECT exemption_id, action, before, after FROM events ORDER BY id").fetchall()
    assert len(stored) == 31
    last: dict[int, str | None] = {}
    for exemption_id, _action, before, after in events:
        assert before == last.get(exemption_id)  # byte for byte: None for the first
        last[exemption_id] = after
    assert last.keys() == stored.keys()
    for exemption_id, (values, text) in stored.items():
        assert json.loads(last[exemption_id] or "null") == values
        assert last[exemption_id] == text
    actions = [action for _, action, _, _ in events]
    assert actions.count("extend") == 30 and actions.count("move") == 60 and actions.count("delete") == 30


def test_a_refusal_names_the_first_member_in_the_batchs_order(cli: Cli, clock: Clock, tmp_path: Path) -> None:
    """Members with the same dates are planned once: the refusal still names the first of them
    in the batch's order (start, student, id), as planning each in turn would, not the lowest id."""
    clock(datetime(2027, 7, 1, 12, 0, tzinfo=LONDON))
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("sid,start\n201234569,2027-07-10\n201234567,2027-07-20\n201234568,2027-07-10\n")
    cli.ok("bulk", str(cohort), "--type", "placement", "--end", "2027-07-31")  # ids 1, 2, 3
    clock(datetime(2027, 7, 10, 12, 0, tzinfo=LONDON))  # 1 and 3 have started
    before = snapshot(cli.location)
    result = cli("move", "--batch", "1", "--by", "1w")
    assert result.exit_code == 2
    error = result.stderr.splitlines()[-1]
    assert error.startswith("Error: Exemption 3 started on 10 Jul 2027, so its start cannot change")
    assert error.endswith(
        "in all, 2 members of batch 1 cannot change (3, 1; listed above), so nothing was changed."
    )
    assert snapshot(cli.location) == before
