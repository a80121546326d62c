"""The rules of the guide (R1-R7) and the status model, as pure functions of values and `today`.

Nothing here reads the clock, the environment or the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

from stream_exempt import types
from stream_exempt.dates import Duration, show
from stream_exempt.errors import Refused
from stream_exempt.model import ACTIVE as ACTIVE
from stream_exempt.model import DELETED as DELETED
from stream_exempt.model import EXPIRED as EXPIRED
from stream_exempt.model import LIVE as LIVE
from stream_exempt.model import PENDING as PENDING
from stream_exempt.model import STATUSES as STATUSES  # defined with the record, decided here
from stream_exempt.model import Draft, Exemption, Request, Terms, Verdict

# R6: 48 hours to take effect (made once: a batch move works it out for every member).
_TO_TAKE_EFFECT = timedelta(days=2)


def in_force_from(recorded_on: date) -> date:
    """R6: 48 hours to take effect: in force from the second calendar day after recording."""
    return recorded_on + _TO_TAKE_EFFECT


def starts_late(start: date, in_force: date) -> bool:
    """R6: whether an exemption starts before it is in force (notifications may still trigger)."""
    return start < in_force


def still_triggering(in_force: date) -> str:
    """R6: the warning owed for an exemption that starts before it is in force."""
    return f"notifications may still trigger until {show(in_force)}"


def late_count(starts: Iterable[date], in_force: date) -> int:
    """R6: how many of these starts (of exemptions recorded together) fall before they are in force.

    A cohort shares a few starts: each distinct one is asked once (100,000 rows, a few days)."""
    from collections import Counter

    return sum(n for start, n in Counter(starts).items() if starts_late(start, in_force))


def may_create(start: date, today: date) -> bool:
    """R3 future only: a new exemption must start after today."""
    return start > today


def takes_effect(end: date, in_force: date) -> bool:
    """R5c it must do something: an exemption ending before it is in force suppresses nothing."""
    return end >= in_force


def editable(exemption: Exemption, today: date) -> bool:
    """R4: an exemption can change (extend, move, delete) only while its end is after today
    and it is not deleted (from the moment of deletion, whatever its status that day)."""
    return not exemption.deleted and exemption.end > today


def share_a_day(start: date, end: date, other_start: date, other_end: date) -> bool:
    """R7 (and a series' occurrences): whether two inclusive date ranges have a day in common."""
    return start <= other_end and other_start <= end


def last_day(start: date, end: date | None, span: Duration | None) -> date:
    """The last day an exemption covers: `--end` as given, else `--for` counted from its start
    (SPEC 3: `--for 2w` from 10 Jan ends 23 Jan). One of them is given."""
    if end is not None:
        return end
    assert span is not None, "an end or a length"
    return span.last_day_from(start)


def deleted_as_of(exemption: Exemption, day: date) -> bool:
    """R5b: status `deleted` as of `day`: deleted before `day` (on the day before or earlier), or
    deleted before it started (then on every day).

    A deletion made on day D keeps the answer for D and every day before it (the feed for D may
    already have been filtered that morning): on its deletion day an exemption keeps the status
    it had. For R4 and R7 it is deleted from the moment of deletion (`Exemption.deleted`).
    """
    deleted_on = exemption.deleted_on
    return deleted_on is not None and (deleted_on < day or deleted_on < exemption.start)


def status(exemption: Exemption, day: date) -> str:
    """The status of an exemption as of `day`: deleted, expired, pending or active, in that order."""
    if deleted_as_of(exemption, day):
        return DELETED
    if exemption.end < day:
        return EXPIRED
    if day < exemption.start or day < exemption.in_force_from:
        return PENDING
    return ACTIVE


def is_live(exemption: Exemption, today: date) -> bool:
    """Not deleted (from the moment of deletion) and not expired: the exemptions R7 compares
    against. (`LIVE`, the statuses `list` shows by default, keeps an exemption deleted today
    for the rest of its deletion day: R5b.) The store's SQL for it is pinned by
    tests/test_rules_once.py."""
    return not exemption.deleted and exemption.end >= today


def describe(exemption: Exemption) -> str:
    """`exemption 12 (Practice Placement Block, 10 Jan 2027 to 20 Jan 2027)`."""
    return (
        f"exemption {exemption.id} ({types.label(exemption.type)}, "
        f"{show(exemption.start)} to {show(exemption.end)})"
    )


def check_order(start: date, end: date) -> None:
    """R2: start <= end."""
    if end < start:
        raise Refused(
            f"the end {show(end)} is before the start {show(start)}; give an end on or after the start."
        )


def check_new(asked: Draft | Terms, today: date) -> None:
    """R2, R3 and R5c for an exemption about to be created (`add`, `bulk`, an approval) today."""
    check_order(asked.start, asked.end)
    # R3: exemptions can only be created to cover dates in the future.
    if not may_create(asked.start, today):
        raise Refused(
            f"the start {show(asked.start)} is not in the future; an exemption can only cover "
            f"days after today ({show(today)}), so start it {show(today + timedelta(days=1))} or later."
        )
    check_takes_effect(asked.end, in_force_from(today))


def check_takes_effect(end: date, in_force: date, what: str = "the exemption") -> None:
    """R5c: an exemption (new or changed) whose end falls before its in-force date would
    suppress nothing, so it is refused, naming both dates."""
    if not takes_effect(end, in_force):
        raise Refused(
            f"{what} would end on {show(end)}, before it comes into force on {show(in_force)} "
            f"(the second day after it is recorded), so it would suppress nothing; give an end on "
            f"or after {show(in_force)}."
        )


def find_clash(
    student_id: str,
    type_code: str,
    start: date,
    end: date,
    others: Iterable[Exemption],
    today: date,
    *,
    ignore_id: int | None = None,
) -> Exemption | None:
    """R7: a live exemption of the same student and type sharing at least one day, if any."""
    for other in others:
        if (
            other.id != ignore_id
            and other.student_id == student_id
            and other.type == type_code
            and is_live(other, today)
            and share_a_day(start, end, other.start, other.end)
        ):
            return other
    return None


def clash_among(
    changed: Iterable[Exemption], others: Iterable[Exemption], today: date
) -> tuple[Exemption, Exemption] | None:
    """R7 over a set of changes: the first changed exemption (by id) and a live one of the same
    student and type that would share a day once every change is made, if any (see
    `clashes_among`)."""
    clashes = clashes_among(changed, others, today)
    return min(clashes, key=lambda pair: pair[0].id) if clashes else None


def clashes_among(
    changed: Iterable[Exemption], others: Iterable[Exemption], today: date
) -> list[tuple[Exemption, Exemption]]:
    """R7 over a set of changes: each changed exemption that would share a day with a live one
    of the same student and type once every change is made, with one such other, once each.

    `changed` holds the exemptions as they would be after the change; in `others` (the live
    exemptions of the same students, as recorded) each of them stands in for its own id.
    Grouped by (student, type) as `bulk` does, then swept in order of start, so a batch of any
    size costs little more than sorting it; comparing every member with every other would be
    quadratic. Two records that are not changing are not compared with each other.
    """
    after = {exemption.id: exemption for exemption in changed}
    groups: dict[tuple[str, str], list[Exemption]] = {}
    for exemption in after.values():
        groups.setdefault((exemption.student_id, exemption.type), []).append(exemption)
    for other in others:
        group = groups.get((other.student_id, other.type))
        if group is not None and other.id not in after and is_live(other, today):
            group.append(other)
    found: dict[int, tuple[Exemption, Exemption]] = {}
    for group in groups.values():
        if len(group) > 1:
            _overlaps(group, after, found)
    return list(found.values())


def _overlaps(
    group: list[Exemption], changed: dict[int, Exemption], found: dict[int, tuple[Exemption, Exemption]]
) -> None:
    """In one student's exemptions of one type, each changed one sharing a day with another,
    into `found` (by id). In order of start, the ones still open (ending on or after the
    current start) are exactly the earlier ones it overlaps; a group is one student's few."""
    open_: list[Exemption] = []
    for exemption in sorted(group, key=lambda e: (e.start, e.id)):
        open_ = [
            earlier
            for earlier in open_
            if share_a_day(earlier.start, earlier.end, exemption.start, exemption.end)
        ]
        if open_ and exemption.id in changed and exemption.id not in found:
            found[exemption.id] = (exemption, open_[0])
        for earlier in open_:
            if earlier.id in changed and earlier.id not in found:
                found[earlier.id] = (earlier, exemption)
        open_.append(exemption)


def unchanged(before: Exemption, after: Exemption) -> bool:
    """Whether a change leaves an exemption as it was: a change that changes nothing is not a
    change (no event is recorded)."""
    return (
        before.start == after.start
        and before.end == after.end
        and before.in_force_from == after.in_force_from
    )


def clash_message(student_id: str, clash: Exemption) -> str:
    """The R7 refusal, naming the existing exemption and what to do instead."""
    return (
        f"student {student_id} already has {describe(clash)}, which shares days with this one; "
        f"use `stream-exempt extend {clash.id}` or `stream-exempt move {clash.id}` instead."
    )


def check_no_clash(draft: Draft, others: Iterable[Exemption], today: date) -> None:
    """R7 for a new exemption, raising `Refused` that names the existing one."""
    clash = find_clash(draft.student_id, draft.type, draft.start, draft.end, others, today)
    if clash is not None:
        raise Refused(clash_message(draft.student_id, clash))


def late_warning(start: date, in_force: date) -> str | None:
    """R6: the warning owed when the range starts before the exemption is in force."""
    return still_triggering(in_force) if starts_late(start, in_force) else None


def change_warning(before: Exemption, after: Exemption) -> str | None:
    """R6 after a change: owed only when the start moved (a new end keeps the in-force date)."""
    return late_warning(after.start, after.in_force_from) if before.start != after.start else None


def check_editable(exemption: Exemption, today: date) -> None:
    """R4: extend, move and delete only while the end date is after today and not deleted."""
    if editable(exemption, today):
        return
    if exemption.deleted:
        raise Refused(f"exemption {exemption.id} is deleted; it can no longer be changed.")
    if exemption.end < today:
        raise Refused(
            f"exemption {exemption.id} ended on {show(exemption.end)}; only an exemption whose "
            "end date is in the future can be changed, so add a new one instead."
        )
    # In force today (if it was), so never "ended": it is the end that locks it.
    raise Refused(
        f"exemption {exemption.id} ends today ({show(exemption.end)}): it covers today, but "
        "its end is not after today, so it can no longer be changed; to cover later days, "
        "add a new one starting tomorrow."
    )


def extended(exemption: Exemption, new_end: date, today: date) -> Exemption:
    """`extend`: R4, then a later end (R5) that leaves it doing something (R5c); in_force_from
    is kept (R6). An end it already has is no change: the exemption itself is returned."""
    check_editable(exemption, today)
    if new_end == exemption.end:
        return exemption
    if new_end < exemption.end:
        raise Refused(
            f"exemption {exemption.id} already ends on {show(exemption.end)}; extend needs a later "
            f"end than that, not {show(new_end)} (use `move --end` to end it sooner)."
        )
    check_takes_effect(new_end, exemption.in_force_from, f"exemption {exemption.id}")
    return exemption.with_dates(exemption.start, new_end, exemption.in_force_from)


def moved(
    exemption: Exemption,
    new_start: date | None,
    new_end: date | None,
    today: date,
) -> Exemption:
    """`move`: R4, R5, R5c and R6 for a new start and/or end (None keeps that one as it is).

    R5, never retrospective: the start of an exemption that has started (start <= today)
    cannot change at all; the start of one that has not started can move only to a day after
    today; a new end must be after today and not before the start. A start equal to the
    current one is no change; dates it already has are no change at all: the exemption itself
    is returned.
    """
    check_editable(exemption, today)
    name = f"exemption {exemption.id}"
    start = exemption.start if new_start is None else new_start
    end = exemption.end if new_end is None else new_end
    if start == exemption.start and end == exemption.end:
        return exemption
    start_changes = start != exemption.start
    if start_changes and exemption.start <= today:
        raise Refused(
            f"{name} started on {show(exemption.start)}, so its start cannot change (the past is "
            f"never rewritten); to change its last day use `stream-exempt move {exemption.id} "
            f"--end DATE`, or `stream-exempt extend {exemption.id}` to make it longer."
        )
    if start_changes and start <= today:
        raise Refused(
            f"{name} cannot start on {show(start)}: the start of an exemption that has not started "
            f"can move only to a day after today ({show(today)}), so {show(today + timedelta(days=1))} "
            "or later."
        )
    if end != exemption.end and end <= today:
        raise Refused(
            f"{name} cannot end on {show(end)}: a new end must be after today ({show(today)}); "
            "to stop it after today, delete it."
        )
    if end < start:
        raise Refused(
            f"{name} cannot end on {show(end)}, before its start {show(start)}; give an end on or "
            "after the start."
        )
    # R6: a new start records the exemption again; a new end alone keeps its in-force date.
    in_force = in_force_from(today) if start_changes else exemption.in_force_from
    check_takes_effect(end, in_force, name)
    return exemption.with_dates(start, end, in_force)


def suppressing(exemptions: Iterable[Exemption], day: date) -> Exemption | None:
    """The first exemption (in the order given) that is active on `day`, if any.

    A student's notifications on `day` are suppressed exactly when there is one.
    """
    for exemption in exemptions:
        if (
            exemption.start <= day <= exemption.end
            and exemption.in_force_from <= day
            # R5b: a deletion ends its effect after the day of deletion (and one deleted before
            # it started has none); most were never deleted, so the rule is asked only of the rest.
            and (exemption.deleted_on is None or not deleted_as_of(exemption, day))
        ):
            return exemption
    return None


def verdict(student_id: str, exemptions: Iterable[Exemption], day: date) -> Verdict:
    """Whether the student's notifications on `day` are suppressed, and why, in words."""
    exemptions = sorted(exemptions, key=lambda e: e.id)
    active = suppressing(exemptions, day)
    if active is not None:
        why = f"suppressed by {describe(active)}, in force since {show(active.in_force_from)}"
        if active.deleted_on is not None:  # R5b: its deletion day keeps its answer
            why += f"; it was deleted on {show(active.deleted_on)} and covers nothing after that day"
        return Verdict(student_id, day, True, active, why)
    covering = sorted(
        (e for e in exemptions if e.covers(day) and not deleted_as_of(e, day)),
        key=lambda e: (e.in_force_from, e.id),
    )
    if covering:
        first = covering[0]
        return Verdict(
            student_id,
            day,
            False,
            first,
            f"not suppressed: {describe(first)} covers {show(day)} but is only in force "
            f"from {show(first.in_force_from)}",
        )
    why = f"not suppressed: no exemption covers {show(day)}"
    removed = [e for e in exemptions if e.covers(day) and deleted_as_of(e, day)]
    if removed:
        why += f" ({describe(removed[0])} {deletion_text(removed[0])})"
    return Verdict(student_id, day, False, None, why)


def deletion_text(exemption: Exemption) -> str:
    """What a deletion means for the days an exemption covered, in words (R5b)."""
    deleted_on = exemption.deleted_on
    assert deleted_on is not None
    if deleted_on < exemption.start:
        return f"was deleted on {show(deleted_on)}, before it started, so it covers no day"
    return (
        f"was deleted on {show(deleted_on)}: it covers nothing after that day, "
        "and that day and the days before keep their answer"
    )


def later_start(request: Request, today: date, others: Iterable[Exemption]) -> date | str:
    """The start to approve `request` with today when its own has passed (`approve --start`,
    which keeps the asked-for end): the first day after today (R3) from which the rest of the
    request is clear of the student's live exemptions of the same type (R7). Or, when no start
    would do, why not, in words: its end is not after today, or comes before an exemption
    approved today would come into force (R5c), or every day up to it is already covered.

    `approve` advises it, and so does `request` for one recorded too late: advice that the tool
    prints succeeds when followed at once (SPEC 9)."""
    end = request.end
    if not may_create(end, today):  # R3: no start on or before its end is after today
        return f"it asked for {show(request.start)} to {show(end)}, which is no longer in the future"
    in_force = in_force_from(today)
    if not takes_effect(end, in_force):  # R5c: the same whatever the start
        return (
            f"it ends on {show(end)}, before an exemption approved today would come into force on "
            f"{show(in_force)}, so it would suppress nothing"
        )
    start = today + timedelta(days=1)
    while (clash := find_clash(request.student_id, request.type, start, end, others, today)) is not None:
        start = clash.end + timedelta(days=1)
        if start > end:
            return (
                f"every day it asks for after today is already covered, up to its end by student "
                f"{request.student_id}'s {describe(clash)} (R7)"
            )
    return start


def approval_draft(
    request: Request, new_start: date | None, today: date, others: Iterable[Exemption] = ()
) -> Draft:
    """What approving a tutor's request creates, with every rule applied as of `today`, the day
    of approval: R2, R3 (a start that has passed is refused, suggesting a `--start` that would
    do, or rejecting the request when none would), R5c, and R7 against `others`, the student's
    exemptions as recorded (the caller holds the write lock)."""
    others = list(others)
    start = request.start if new_start is None else new_start
    draft = Draft(request.student_id, request.type, start, request.end, request.reason)
    if not may_create(start, today):  # R3, with what an officer can do about it
        given = (
            "the start given with --start" if new_start is not None else f"request {request.label}'s start"
        )
        later = later_start(request, today, others)
        if isinstance(later, str):
            raise Refused(
                f"{given}, {show(start)}, is not in the future, and no later start would do: {later}; "
                f"reject it with `stream-exempt reject {request.label} --reason TEXT`, and ask for new dates."
            )
        raise Refused(
            f"{given}, {show(start)}, is not in the future; an exemption can only cover days after "
            f"today ({show(today)}), so approve it with a later start: "
            f"`stream-exempt approve {request.label} --start {later.isoformat()}`."
        )
    check_order(draft.start, draft.end)
    in_force = in_force_from(today)
    if not takes_effect(draft.end, in_force):  # R5c, with what an officer can do about it
        raise Refused(
            f"request {request.label} ends on {show(draft.end)}, before an exemption approved today "
            f"would come into force on {show(in_force)}, so it would suppress nothing; reject it with "
            f"`stream-exempt reject {request.label} --reason TEXT`."
        )
    check_new(draft, today)  # R2, R3 and R5c, as for every new exemption
    check_no_clash(draft, others, today)  # R7
    return draft


def with_reason(exemption: Exemption, reason: str | None) -> Exemption:
    """`edit`: a corrected reason, for an exemption of any status but deleted; never new dates."""
    if exemption.deleted:
        raise Refused(
            f"exemption {exemption.id} is deleted, so its reason can no longer be corrected; "
            "`stream-exempt history` shows what it was."
        )
    return replace(exemption, reason=reason)


def in_force_days(exemption: Exemption) -> tuple[date, date] | None:
    """The first and last day on which the exemption is active (suppresses notifications), or
    None when there is no such day: from the later of its start and in_force_from (R6) to its
    end, or to its deletion day (R5b: that day keeps its answer); none at all if deleted before
    it started."""
    first = max(exemption.start, exemption.in_force_from)
    last = exemption.end
    if exemption.deleted_on is not None:
        if exemption.deleted_on < exemption.start:
            return None
        last = min(last, exemption.deleted_on)
    return (first, last) if first <= last else None
