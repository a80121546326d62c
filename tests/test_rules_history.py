"""The past never changes (R5, R5b, R6): a stateful test through the real commands.

Whatever sequence of add, bulk, extend, move and delete is applied, on a real store, with the
clock moving forward between steps, the answer of `check --on D` for a day D up to and
including today, once given, never changes afterwards: not later that day (the notification
feed for today may already have been filtered that morning), and not on any later day.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from typer.testing import CliRunner

from conftest import LONDON
from stream_exempt.cli.app import app
from stream_exempt.store import Store

FIRST_DAY = date(2027, 7, 1)  # summer: London is on BST, an hour ahead of UTC
STUDENTS = ("201234567", "201234568")
TYPES = ("placement", "dissertation")
# Times of day to move the clock to: 00:30 in London is still the day before in UTC.
TIMES = (time(0, 30), time(12, 0), time(23, 30))

# How long to wait before a change: days (possibly none) and the time of day to arrive at.
WAIT = st.tuples(st.integers(0, 2), st.sampled_from(TIMES))

Answer = tuple[bool, int | None, str | None]  # suppressed, exemption, in_force_from


class PastNeverChanges(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # A real store file, in memory-backed /dev/shm where there is one: the same SQLite,
        # without waiting for a disk at every commit.
        shm = Path("/dev/shm")
        self.folder = Path(
            tempfile.mkdtemp(prefix="stream-exempt-history-", dir=shm if shm.is_dir() else None)
        )
        self.store = self.folder / "exemptions.db"
        Store.open(self.store, create=True).close()  # `check` only reads: the store must exist
        self.runner = CliRunner()
        self.traveller = time_machine.travel(datetime.combine(FIRST_DAY, time(12), tzinfo=LONDON), tick=False)
        self.frozen = self.traveller.start()
        self.today = FIRST_DAY
        self.ids: list[int] = []
        self.batches = 0
        self.answers: dict[tuple[str, date], Answer] = {}  # for every day up to and including today
        self.changed = False  # since the answers were last asked again

    def teardown(self) -> None:
        self.traveller.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def run(self, *args: str, input: str | None = None, codes: tuple[int, ...] = (0, 2)) -> Any:
        result = self.runner.invoke(
            app, ["--db", str(self.store), *args], input=input, catch_exceptions=False
        )
        assert result.exit_code in codes, (args, result.exit_code, result.stdout, result.stderr)
        if result.exit_code == 0 and args[0] in ("add", "bulk", "extend", "move", "delete"):
            self.changed = True  # a refused change writes nothing (tested elsewhere)
        return result

    def iso(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def answer(self, student: str, day: date) -> Answer:
        result = self.run("check", student, "--on", day.isoformat(), "--format", "json", codes=(0, 1))
        found = json.loads(result.stdout)
        return found["suppressed"], found["exemption"], found["in_force_from"]

    # -- changes ------------------------------------------------------------------------

    @initialize(student=st.sampled_from(STUDENTS), offset=st.integers(1, 3), length=st.integers(7, 21))
    def first(self, student: str, offset: int, length: int) -> None:
        """Something to change: an exemption that will be in force within a few days..."""
        self.add((0, time(12)), student, "placement", offset, length)

    @initialize(offset=st.integers(1, 3), length=st.integers(7, 21))
    def first_batch(self, offset: int, length: int) -> None:
        """... and a batch of them, one for every student."""
        self.bulk((0, time(12)), set(STUDENTS), "dissertation", offset, length)

    @rule(
        wait=WAIT,
        student=st.sampled_from(STUDENTS),
        type_=st.sampled_from(TYPES),
        offset=st.integers(1, 4),
        length=st.integers(1, 14),
    )
    def add(self, wait: tuple[int, time], student: str, type_: str, offset: int, length: int) -> None:
        self.advance(*wait)
        result = self.run(
            "add",
            student,
            "--type",
            type_,
            "--start",
            self.iso(offset),
            "--end",
            self.iso(offset + length - 1),
            "-q",
        )
        if result.exit_code == 0:
            self.ids.append(int(result.stdout))

    @rule(
        wait=WAIT,
        students=st.sets(st.sampled_from(STUDENTS), min_size=1),
        type_=st.sampled_from(TYPES),
        offset=st.integers(1, 4),
        length=st.integers(2, 14),
    )
    def bulk(self, wait: tuple[int, time], students: set[str], type_: str, offset: int, length: int) -> None:
        self.advance(*wait)
        cohort = "student_id\n" + "".join(f"{s}\n" for s in sorted(students))
        result = self.run(
            "bulk", "-", "--type", type_, "--start", self.iso(offset), "--for", f"{length}d", input=cohort
        )
        if result.exit_code == 0 and result.stdout.startswith("Batch "):
            self.batches = int(result.stdout.split()[1].rstrip(":"))
            listed = self.run("list", "--batch", str(self.batches), "--status", "all", "--ids")
            self.ids.extend(int(line) for line in listed.stdout.split())

    @precondition(lambda self: self.ids)
    @rule(wait=WAIT, data=st.data(), days=st.integers(1, 7))
    def extend(self, wait: tuple[int, time], data: st.DataObject, days: int) -> None:
        self.advance(*wait)
        self.run("extend", str(data.draw(st.sampled_from(self.ids))), "--by", f"{days}d")

    @precondition(lambda self: self.ids)
    @rule(
        wait=WAIT,
        data=st.data(),
        change=st.one_of(
            st.tuples(st.just("--start"), st.integers(-1, 6)),
            st.tuples(st.just("--by"), st.integers(-4, 6).filter(bool)),
        ),
    )
    def move_start(self, wait: tuple[int, time], data: st.DataObject, change: tuple[str, int]) -> None:
        self.advance(*wait)
        option, amount = change
        value = f"{amount}d" if option == "--by" else self.iso(amount)
        self.run("move", str(data.draw(st.sampled_from(self.ids))), option, value)

    @precondition(lambda self: self.ids)
    @rule(wait=WAIT, data=st.data(), offset=st.integers(-1, 10))
    def move_end(self, wait: tuple[int, time], data: st.DataObject, offset: int) -> None:
        self.advance(*wait)
        self.run("move", str(data.draw(st.sampled_from(self.ids))), "--end", self.iso(offset))

    @precondition(lambda self: self.batches)
    @rule(wait=WAIT, data=st.data(), shift=st.integers(-3, 5).filter(bool))
    def move_batch(self, wait: tuple[int, time], data: st.DataObject, shift: int) -> None:
        self.advance(*wait)
        batch = data.draw(st.integers(1, self.batches))
        self.run("move", "--batch", str(batch), "--by", f"{shift}d")

    @precondition(lambda self: self.ids)
    @rule(wait=WAIT, data=st.data())
    def delete(self, wait: tuple[int, time], data: st.DataObject) -> None:
        self.advance(*wait)
        self.run("delete", str(data.draw(st.sampled_from(self.ids))), "--yes")

    @precondition(lambda self: self.batches)
    @rule(wait=WAIT, data=st.data())
    def delete_batch(self, wait: tuple[int, time], data: st.DataObject) -> None:
        self.advance(*wait)
        self.run("delete", "--batch", str(data.draw(st.integers(1, self.batches))), "--yes")

    # -- time ---------------------------------------------------------------------------

    @rule(days=st.integers(1, 3), at=st.sampled_from(TIMES))
    def wait(self, days: int, at: time) -> None:
        self.advance(days, at)

    def advance(self, days: int, at: time) -> None:
        """Move the clock (forward, or to another time of the same day); record the answer for
        each day up to and including the new today that has none yet."""
        reached = [self.today + timedelta(days=n) for n in range(days + 1)]
        self.today += timedelta(days=days)
        self.frozen.move_to(datetime.combine(self.today, at, tzinfo=LONDON))
        for day in reached:
            for student in STUDENTS:
                self.answers.setdefault((student, day), self.answer(student, day))

    @precondition(lambda self: self.answers)
    @rule(data=st.data())
    def ask_again(self, data: st.DataObject) -> None:
        """`check --on D`, for today or a day that has passed, says what it said first."""
        student, day = data.draw(st.sampled_from(sorted(self.answers)))
        assert self.answer(student, day) == self.answers[(student, day)], (student, day)

    @invariant()
    def past_answers_never_change(self) -> None:
        """Every recorded day, today included, at once, through `check --file` with dated rows,
        after each change."""
        if not self.answers or not self.changed:
            return
        self.changed = False
        asked = sorted(self.answers)
        feed = "student_id,date\n" + "".join(f"{s},{d.isoformat()}\n" for s, d in asked)
        rows = list(csv.reader(io.StringIO(self.run("check", "--file", "-", input=feed, codes=(0,)).stdout)))
        now = {
            (s, date.fromisoformat(d)): (flag == "true", int(e) if e else None) for s, d, flag, e in rows[1:]
        }
        then = {
            key: (suppressed, exemption if suppressed else None)
            for key, (suppressed, exemption, _) in self.answers.items()
        }
        changed = {key: (then[key], now[key]) for key in asked if now[key] != then[key]}
        assert not changed, f"answers already given changed (then, now): {changed}"


def test_an_answer_once_given_for_a_day_up_to_today_never_changes() -> None:
    run_state_machine_as_test(
        PastNeverChanges,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_check_file_reads_every_exemption_that_answers_for_some_day(tmp_path: Path) -> None:
    """The store query behind `check --file` leaves out only what suppresses no day at all
    (deleted before it started), at every boundary of start, in-force day and deletion."""
    from itertools import product

    from stream_exempt import rules

    base = date(2027, 1, 11)
    around = [base + timedelta(days=n) for n in (-1, 0, 1)]
    store = Store.open(tmp_path / "s.db", create=True)
    rows = [
        (start.isoformat(), end.isoformat(), in_force.isoformat(), deleted and deleted.isoformat())
        for start, end, in_force, deleted in product(around, around, around, (None, *around))
        if start <= end
    ]
    with store.writing():
        store.conn.executemany(
            "INSERT INTO exemptions (student_id, type, start_date, end_date, in_force_from, deleted_at, "
            "deleted_on, created_by, created_at) VALUES ('201234567', 'placement', ?, ?, ?, ?4, ?4, "
            "'tester', '2027-01-01T12:00:00Z')",
            rows,
        )
    everything = store.select()
    read = store.answering_by_student().get("201234567", [])
    days = [base + timedelta(days=n) for n in range(-3, 4)]
    left_out = [e for e in everything if e.id not in {r.id for r in read}]
    for day in days:
        assert all(rules.suppressing([e], day) is None for e in left_out), day
        assert (rules.suppressing(read, day) is None) == (rules.suppressing(everything, day) is None)
    assert {e.id for e in everything} - {e.id for e in read} == {
        e.id for e in everything if e.deleted_on is not None and e.deleted_on < e.start
    }
    store.close()
