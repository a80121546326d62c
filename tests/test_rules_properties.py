"""Properties of the rules that must hold for every exemption, day and change."""

import contextlib
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from conftest import exemption
from stream_exempt import rules
from stream_exempt.errors import Refused
from stream_exempt.model import Exemption

BASE = date(2027, 1, 1)
days = st.integers(min_value=-60, max_value=120).map(lambda n: BASE + timedelta(days=n))


@st.composite
def exemptions(draw: st.DrawFn) -> Exemption:
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(0, 60)))
    recorded = start - timedelta(days=draw(st.integers(1, 30)))
    return exemption(
        start,
        end,
        id=draw(st.integers(1, 1000)),
        type=draw(st.sampled_from(["placement", "dissertation"])),
        in_force_from=rules.in_force_from(recorded),
        deleted_on=draw(st.one_of(st.none(), days)),
    )


def covered(e: Exemption) -> set[date]:
    return {e.start + timedelta(days=n) for n in range((e.end - e.start).days + 1)}


@given(exemptions(), days)
def test_suppressed_exactly_when_active(e: Exemption, day: date) -> None:
    assert (rules.suppressing([e], day) is not None) == (rules.status(e, day) == "active")


@given(exemptions(), days)
def test_every_exemption_has_exactly_one_status(e: Exemption, day: date) -> None:
    status = rules.status(e, day)
    assert status in rules.STATUSES
    if status == "active":
        assert e.start <= day <= e.end and e.in_force_from <= day and not rules.deleted_as_of(e, day)


@given(exemptions(), days, st.one_of(st.none(), days), st.one_of(st.none(), days))
def test_r5_no_change_covers_today_or_earlier_days_it_did_not_cover(
    e: Exemption, today: date, new_start: date | None, new_end: date | None
) -> None:
    assume(new_start is not None or new_end is not None)
    changed = []
    with contextlib.suppress(Refused):
        changed.append(rules.moved(e, new_start, new_end, today))
    if new_end is not None:
        with contextlib.suppress(Refused):
            changed.append(rules.extended(e, new_end, today))
    for after in changed:
        gained = covered(after) - covered(e)
        assert all(day > today for day in gained)
        assert after.start <= after.end
        # R6: a new start records it again; a new end alone keeps the in-force date.
        expected = today + timedelta(days=2) if after.start != e.start else e.in_force_from
        assert after.in_force_from == expected


@given(exemptions(), exemptions(), days)
def test_r7_is_symmetric(a: Exemption, b: Exemption, today: date) -> None:
    b = replace(b, id=a.id + 1)
    ab = rules.find_clash(a.student_id, a.type, a.start, a.end, [b], today) is not None
    ba = rules.find_clash(b.student_id, b.type, b.start, b.end, [a], today) is not None
    if not a.deleted and not b.deleted and a.end >= today and b.end >= today:
        assert ab == ba


@given(exemptions(), days, days)
def test_r5b_a_deletion_keeps_its_day_and_every_day_before_it_and_covers_nothing_after(
    e: Exemption, deleted_on: date, day: date
) -> None:
    e = replace(e, deleted_on=None)
    gone = replace(e, deleted_on=deleted_on)
    if day <= deleted_on and e.start <= deleted_on:
        assert rules.status(gone, day) == rules.status(e, day)
        assert (rules.suppressing([gone], day) is None) == (rules.suppressing([e], day) is None)
    else:
        assert rules.status(gone, day) == "deleted"
        assert rules.suppressing([gone], day) is None


@given(exemptions(), days, st.one_of(st.none(), days), st.one_of(st.none(), days))
def test_r5_no_change_alters_what_it_meant_for_today_or_any_earlier_day(
    e: Exemption, today: date, new_start: date | None, new_end: date | None
) -> None:
    assume(new_start is not None or new_end is not None)
    changed = []
    with contextlib.suppress(Refused):
        changed.append(rules.moved(e, new_start, new_end, today))
    if new_end is not None:
        with contextlib.suppress(Refused):
            changed.append(rules.extended(e, new_end, today))
    for after in changed:
        assert after.end >= after.in_force_from  # R5c
        for back in range(0, 200):
            day = today - timedelta(days=back)
            assert rules.status(after, day) == rules.status(e, day), day
