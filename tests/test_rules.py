"""The rules of the guide (R2-R7) and the status model, at their boundaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from conftest import exemption
from stream_exempt import rules
from stream_exempt.errors import Refused
from stream_exempt.model import Draft

TODAY = date(2027, 1, 4)  # a Monday
DAY = timedelta(days=1)


def test_r6_in_force_from_the_second_day_after_recording() -> None:
    assert rules.in_force_from(date(2027, 1, 4)) == date(2027, 1, 6)  # Monday -> Wednesday
    assert rules.in_force_from(date(2027, 2, 27)) == date(2027, 3, 1)


E = exemption(date(2027, 1, 11), date(2027, 1, 24), in_force_from=date(2027, 1, 13))


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2027, 1, 10), "pending"),  # the day before the start
        (date(2027, 1, 11), "pending"),  # started, but not yet in force (R6)
        (date(2027, 1, 12), "pending"),
        (date(2027, 1, 13), "active"),  # the day it comes into force
        (date(2027, 1, 24), "active"),  # the last day
        (date(2027, 1, 25), "expired"),  # the day after
    ],
)
def test_status_as_of_a_day(day: date, status: str) -> None:
    assert rules.status(E, day) == status


# R5b: E is deleted on 15 Jan, after it came into force (13 Jan).
DELETED_15 = replace(E, deleted_on=date(2027, 1, 15))


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2027, 1, 10), "pending"),  # before its start: as it was
        (date(2027, 1, 12), "pending"),  # started, not yet in force: as it was
        (date(2027, 1, 13), "active"),
        (date(2027, 1, 14), "active"),  # the day before the deletion keeps its answer
        (date(2027, 1, 15), "active"),  # so does the day of the deletion (the feed may have used it)
        (date(2027, 1, 16), "deleted"),  # the day after
        (date(2027, 1, 24), "deleted"),  # its last day
        (date(2027, 1, 25), "deleted"),  # after its end: deleted comes before expired
    ],
)
def test_r5b_a_deletion_after_the_start_keeps_its_day_and_the_days_before(day: date, status: str) -> None:
    assert rules.status(DELETED_15, day) == status
    suppressed = status == "active"
    assert (rules.suppressing([DELETED_15], day) is not None) is suppressed
    assert rules.verdict("201234567", [DELETED_15], day).suppressed is suppressed


@pytest.mark.parametrize(
    "deleted_on",
    [
        date(2027, 1, 4),  # recorded and deleted the same day
        date(2027, 1, 10),  # the day before its start
    ],
)
@pytest.mark.parametrize("day", [date(2027, 1, 1), date(2027, 1, 10), date(2027, 1, 13), date(2027, 1, 25)])
def test_r5b_deleted_before_it_started_is_deleted_on_every_day(deleted_on: date, day: date) -> None:
    gone = replace(E, deleted_on=deleted_on)
    assert rules.status(gone, day) == "deleted"
    assert rules.suppressing([gone], day) is None


@pytest.mark.parametrize(
    ("deleted_on", "day", "status"),
    [
        (date(2027, 1, 11), date(2027, 1, 10), "pending"),  # deleted on its start: not before it
        (date(2027, 1, 11), date(2027, 1, 11), "pending"),  # its start keeps its answer
        (date(2027, 1, 11), date(2027, 1, 12), "deleted"),
        (date(2027, 1, 12), date(2027, 1, 11), "pending"),  # started, deleted before in force
        (date(2027, 1, 12), date(2027, 1, 12), "pending"),
        (date(2027, 1, 12), date(2027, 1, 13), "deleted"),  # never comes into force
        (date(2027, 1, 13), date(2027, 1, 12), "pending"),
        (date(2027, 1, 13), date(2027, 1, 13), "active"),  # deleted on its in-force day: in force that day
        (date(2027, 1, 13), date(2027, 1, 14), "deleted"),
        (date(2027, 1, 14), date(2027, 1, 13), "active"),
        (date(2027, 1, 24), date(2027, 1, 23), "active"),  # deleted on its last day
        (date(2027, 1, 24), date(2027, 1, 24), "active"),
        (date(2027, 1, 24), date(2027, 1, 25), "deleted"),
    ],
)
def test_r5b_deletion_around_the_start_the_in_force_day_and_the_end(
    deleted_on: date, day: date, status: str
) -> None:
    assert rules.status(replace(E, deleted_on=deleted_on), day) == status


def test_r5b_verdict_says_the_exemption_was_deleted() -> None:
    answer = rules.verdict("201234567", [DELETED_15], date(2027, 1, 16))
    assert answer.exemption is None
    assert (
        "was deleted on 15 Jan 2027: it covers nothing after that day, and that day and the days "
        "before keep their answer" in answer.why
    )
    before = rules.verdict("201234567", [replace(E, deleted_on=date(2027, 1, 10))], date(2027, 1, 16))
    assert "was deleted on 10 Jan 2027, before it started, so it covers no day" in before.why
    on_its_day = rules.verdict("201234567", [DELETED_15], date(2027, 1, 15))
    assert on_its_day.suppressed
    assert on_its_day.exemption == DELETED_15


def test_the_deleted_property_follows_the_deletion_day() -> None:
    assert not E.deleted
    assert DELETED_15.deleted


def test_verdict_says_why() -> None:
    assert "suppressed by exemption 1" in rules.verdict("201234567", [E], date(2027, 1, 15)).why
    pending = rules.verdict("201234567", [E], date(2027, 1, 12))
    assert pending.exemption == E
    assert "only in force from 13 Jan 2027" in pending.why
    none = rules.verdict("201234567", [E], date(2027, 2, 1))
    assert none.exemption is None
    assert "no exemption covers 1 Feb 2027" in none.why


@pytest.mark.parametrize(
    ("start", "allowed"),
    [(TODAY - DAY, False), (TODAY, False), (TODAY + DAY, True)],
)
def test_r3_only_future_dates(start: date, allowed: bool) -> None:
    draft = Draft("201234567", "placement", start, start + 7 * DAY)
    if allowed:
        rules.check_new(draft, TODAY)
    else:
        with pytest.raises(Refused, match="not in the future"):
            rules.check_new(draft, TODAY)


@pytest.mark.parametrize(
    ("end", "allowed"),
    [(date(2027, 1, 10), False), (date(2027, 1, 11), True), (date(2027, 1, 12), True)],
)
def test_r2_start_not_after_end(end: date, allowed: bool) -> None:
    draft = Draft("201234567", "placement", date(2027, 1, 11), end)
    if allowed:
        rules.check_new(draft, TODAY)
    else:
        with pytest.raises(Refused, match="before the start"):
            rules.check_new(draft, TODAY)


EXISTING = exemption(date(2027, 1, 11), date(2027, 1, 24), id=7)


@pytest.mark.parametrize(
    ("start", "end", "type", "clashes"),
    [
        (date(2027, 1, 1), date(2027, 1, 10), "placement", False),  # ends the day before: adjacent
        (date(2027, 1, 1), date(2027, 1, 11), "placement", True),  # shares the first day
        (date(2027, 1, 24), date(2027, 2, 1), "placement", True),  # shares the last day
        (date(2027, 1, 25), date(2027, 2, 1), "placement", False),  # starts the day after
        (date(2027, 1, 15), date(2027, 1, 16), "placement", True),  # inside
        (date(2027, 1, 1), date(2027, 2, 1), "placement", True),  # around
        (date(2027, 1, 15), date(2027, 1, 16), "dissertation", False),  # another type may overlap
    ],
)
def test_r7_same_type_may_not_share_a_day(start: date, end: date, type: str, clashes: bool) -> None:
    clash = rules.find_clash("201234567", type, start, end, [EXISTING], TODAY)
    assert (clash == EXISTING) is clashes


def test_r7_ignores_other_students_deleted_and_expired() -> None:
    others = [
        replace(EXISTING, student_id="209999999"),
        replace(EXISTING, deleted_on=TODAY),
        exemption(date(2026, 12, 1), date(2027, 1, 3), id=8),  # expired yesterday
    ]
    assert (
        rules.find_clash("201234567", "placement", date(2026, 12, 1), date(2027, 2, 1), others, TODAY) is None
    )


def test_r7_refusal_names_the_exemption_and_suggests_extend_or_move() -> None:
    with pytest.raises(Refused) as refused:
        rules.check_no_clash(
            Draft("201234567", "placement", date(2027, 1, 20), date(2027, 1, 30)), [EXISTING], TODAY
        )
    assert "exemption 7" in refused.value.message
    assert "extend 7" in refused.value.message and "move 7" in refused.value.message


@pytest.mark.parametrize(
    ("end", "editable"),
    [(TODAY - DAY, False), (TODAY, False), (TODAY + DAY, True)],
)
def test_r4_editable_only_while_the_end_is_in_the_future(end: date, editable: bool) -> None:
    running = exemption(date(2026, 12, 1), end)
    for change in (
        lambda: rules.check_editable(running, TODAY),
        lambda: rules.extended(running, end + 7 * DAY, TODAY),
        lambda: rules.moved(running, None, end + 7 * DAY, TODAY),
    ):
        if editable:
            change()
        elif end == TODAY:  # in force today: it is its end that locks it, not that it ended
            with pytest.raises(Refused, match=r"exemption 1 ends today \(4 Jan 2027\): it covers today"):
                change()
        else:
            with pytest.raises(Refused, match=r"exemption 1 ended on 3 Jan 2027"):
                change()


def test_r4_a_deleted_exemption_cannot_change() -> None:
    with pytest.raises(Refused, match="deleted"):
        rules.check_editable(replace(E, deleted_on=TODAY), TODAY)


@pytest.mark.parametrize(
    ("new_end", "outcome"),
    [(date(2027, 1, 23), "refused"), (date(2027, 1, 24), "unchanged"), (date(2027, 1, 25), "extended")],
)
def test_r5_extend_needs_a_later_end_and_its_own_end_is_no_change(new_end: date, outcome: str) -> None:
    if outcome == "refused":
        with pytest.raises(Refused, match="later"):
            rules.extended(E, new_end, TODAY)
        return
    after = rules.extended(E, new_end, TODAY)
    assert (after.end, after.in_force_from) == (new_end, E.in_force_from)
    assert rules.unchanged(E, after) == (outcome == "unchanged")


@pytest.mark.parametrize(
    ("new_start", "new_end", "unchanged"),
    [
        (None, date(2027, 1, 24), True),  # its own end
        (date(2027, 1, 11), None, True),  # its own start
        (date(2027, 1, 11), date(2027, 1, 24), True),
        (date(2027, 1, 11), date(2027, 1, 25), False),
        (None, date(2027, 1, 23), False),
        (date(2027, 1, 12), None, False),
    ],
)
def test_a_move_to_the_dates_it_has_is_no_change(
    new_start: date | None, new_end: date | None, unchanged: bool
) -> None:
    after = rules.moved(E, new_start, new_end, TODAY)
    assert rules.unchanged(E, after) == unchanged


ACTIVE = exemption(date(2026, 12, 1), date(2027, 1, 31), in_force_from=date(2026, 11, 20))


@pytest.mark.parametrize(
    ("start", "started"),
    [(TODAY - DAY, True), (TODAY, True), (TODAY + DAY, False)],  # started yesterday, today; tomorrow
)
@pytest.mark.parametrize(
    "new_start",
    [TODAY - DAY, TODAY, TODAY + DAY, TODAY + 2 * DAY, TODAY + 7 * DAY],
)
def test_r5_the_start_of_a_started_exemption_cannot_change(
    start: date, started: bool, new_start: date
) -> None:
    before = exemption(start, start + 20 * DAY, in_force_from=TODAY - 3 * DAY)
    new_end = new_start + 20 * DAY
    if new_start == start:  # no change (SPEC section 10), even for one that has started
        after = rules.moved(before, new_start, new_end, TODAY)
        assert (after.start, after.in_force_from) == (start, before.in_force_from)
    elif started:
        with pytest.raises(Refused, match=r"started on .*, so its start cannot change") as refused:
            rules.moved(before, new_start, new_end, TODAY)
        assert "move 1 --end" in refused.value.message and "extend 1" in refused.value.message
    elif new_start <= TODAY:
        with pytest.raises(Refused, match="can move only to a day after today"):
            rules.moved(before, new_start, new_end, TODAY)
    else:
        after = rules.moved(before, new_start, new_end, TODAY)
        assert (after.start, after.end) == (new_start, new_end)
        assert after.in_force_from == TODAY + 2 * DAY  # R6: recorded again


@pytest.mark.parametrize(
    ("new_end", "allowed"),
    [(TODAY - DAY, False), (TODAY, False), (TODAY + DAY, True)],
)
def test_r5_a_moved_end_must_be_after_today(new_end: date, allowed: bool) -> None:
    if allowed:
        after = rules.moved(ACTIVE, None, new_end, TODAY)
        # Cut short: it keeps its start and in-force date, so it stays active.
        assert (after.start, after.end, after.in_force_from) == (ACTIVE.start, new_end, ACTIVE.in_force_from)
        assert rules.status(after, TODAY) == "active"
    else:
        with pytest.raises(Refused, match="must be after today"):
            rules.moved(ACTIVE, None, new_end, TODAY)


def test_move_end_before_start_is_refused() -> None:
    with pytest.raises(Refused, match="exemption 1 cannot end on 10 Jan 2027, before its start 11 Jan 2027"):
        rules.moved(E, None, date(2027, 1, 10), TODAY)


def test_move_keeping_the_start_keeps_in_force_from() -> None:
    after = rules.moved(E, E.start, date(2027, 2, 1), TODAY)
    assert after.in_force_from == E.in_force_from


@pytest.mark.parametrize(
    ("start", "in_force", "warned"),
    [(date(2027, 1, 5), date(2027, 1, 6), True), (date(2027, 1, 6), date(2027, 1, 6), False)],
)
def test_r6_warning_when_the_start_is_before_it_is_in_force(
    start: date, in_force: date, warned: bool
) -> None:
    message = rules.late_warning(start, in_force)
    assert (message == "notifications may still trigger until 6 Jan 2027") is warned
    assert (message is None) is not warned


@pytest.mark.parametrize(
    ("end", "allowed"),
    [(TODAY + DAY, False), (TODAY + 2 * DAY, True), (TODAY + 3 * DAY, True)],  # in force from today + 2
)
def test_r5c_a_new_exemption_must_end_on_or_after_its_in_force_date(end: date, allowed: bool) -> None:
    draft = Draft("201234567", "placement", TODAY + DAY, end)
    if allowed:
        rules.check_new(draft, TODAY)
    else:
        with pytest.raises(Refused) as refused:
            rules.check_new(draft, TODAY)
        assert refused.value.message == (
            "the exemption would end on 5 Jan 2027, before it comes into force on 6 Jan 2027 (the "
            "second day after it is recorded), so it would suppress nothing; give an end on or "
            "after 6 Jan 2027."
        )


# Recorded today (4 Jan), so in force from 6 Jan; starts tomorrow.
FRESH = exemption(TODAY + DAY, TODAY + 10 * DAY, in_force_from=TODAY + 2 * DAY)


@pytest.mark.parametrize(
    ("new_end", "allowed"),
    [(TODAY + DAY, False), (TODAY + 2 * DAY, True), (TODAY + 3 * DAY, True)],
)
def test_r5c_a_moved_end_must_not_fall_before_the_in_force_date(new_end: date, allowed: bool) -> None:
    if allowed:
        assert rules.moved(FRESH, None, new_end, TODAY).end == new_end
    else:
        with pytest.raises(
            Refused, match="exemption 1 would end on 5 Jan 2027, before it comes into force on 6 Jan"
        ):
            rules.moved(FRESH, None, new_end, TODAY)


@pytest.mark.parametrize(
    ("new_end", "allowed"),
    [(TODAY + DAY, False), (TODAY + 2 * DAY, True)],  # a new start records it again: 6 Jan
)
def test_r5c_a_moved_start_records_again_and_the_end_must_follow(new_end: date, allowed: bool) -> None:
    long_in_force = exemption(TODAY + 5 * DAY, TODAY + 10 * DAY, in_force_from=TODAY - 3 * DAY)
    if allowed:
        assert rules.moved(long_in_force, TODAY + DAY, new_end, TODAY).in_force_from == TODAY + 2 * DAY
    else:
        with pytest.raises(
            Refused, match="would end on 5 Jan 2027, before it comes into force on 6 Jan 2027"
        ):
            rules.moved(long_in_force, TODAY + DAY, new_end, TODAY)


def test_r5c_extend_of_an_exemption_that_still_does_nothing_is_refused() -> None:
    # Only a store written before R5c can hold one; extending it must make it do something.
    useless = exemption(TODAY + DAY, TODAY + DAY, in_force_from=TODAY + 3 * DAY)
    with pytest.raises(Refused, match="before it comes into force on 7 Jan 2027"):
        rules.extended(useless, TODAY + 2 * DAY, TODAY)
    assert rules.extended(useless, TODAY + 3 * DAY, TODAY).end == TODAY + 3 * DAY
