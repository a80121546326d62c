"""`extend`, `move` and `delete`: changing exemptions while they run (R4, R5, R6, R7).

Each command changes one or more exemptions (ids, or every changeable member of a batch) all
or nothing: every change is checked before any is written, and the writing is one transaction.
The checking is done before the write lock is taken, and done again under it only if another
process wrote in between, so a batch of 20,000 holds the lock only while it is written.
"""

import sys
from collections.abc import Callable
from datetime import date
from typing import Annotated, NamedTuple

import typer

from stream_exempt import dates, rules, validate
from stream_exempt.cli.options import ActorOption, BatchOption, value_option
from stream_exempt.cli.session import Session, actor
from stream_exempt.collector import collector_paused
from stream_exempt.dates import show
from stream_exempt.errors import Refused
from stream_exempt.model import Exemption
from stream_exempt.output.outcomes import Changed, Deleted
from stream_exempt.output.reporter import Reporter
from stream_exempt.output.said.common import exemptions
from stream_exempt.store import StoreProtocol

IdArgument = Annotated[
    str | None, typer.Argument(metavar="ID", help="The exemption's id.", show_default=False)
]

FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="DATE",
        help="With --batch: only the members that start on or after this day (this one and the following).",
    ),
]

# Given an exemption and today, the exemption as it would be after the change (or `Refused`).
Plan = Callable[[Exemption, date], Exemption]


def _named(ids: list[str], batch: str | None) -> tuple[list[int], int | None]:
    """The ids or the batch as typed, checked before the store is opened (SPEC 10)."""
    if batch is not None:
        if ids:
            raise Refused("give exemption ids or --batch, not both.")
        return [], validate.batch_id(batch)
    if not ids:
        raise Refused("give the id of an exemption, or --batch B for a whole bulk batch.")
    return [validate.exemption_id(text) for text in ids], None


def _since(from_: str | None, batch: str | None, today: date) -> date | None:
    """`--from D`: a batch's members that start on or after D (SPEC 11: the rest of a series)."""
    if from_ is None:
        return None
    if batch is None:
        raise Refused("--from picks members of a batch; give it with --batch B.")
    return dates.parse_date(from_, today)


def _targets(
    store: StoreProtocol, ids: list[int], batch: int | None, today: date, since: date | None = None
) -> tuple[list[Exemption], int]:
    """The exemptions named by ids or by a batch, and how many batch members are left alone.
    With `since` (`--from`), members that start before it are left alone, and not counted."""
    if batch is not None:
        members = store.batch_members(batch)
        if since is not None:
            members = [m for m in members if m.start >= since]
        changeable = [m for m in members if rules.editable(m, today)]  # R4
        return changeable, len(members) - len(changeable)
    return store.get_many(ids), 0


# A refusal lists at most this many members by name, then says how many more.
NAMED = 20


class Planned(NamedTuple):
    """What a change makes of its targets: the changes to write, in order; the targets that
    are already as asked (left alone, counted); the refused targets with why, in order (the
    first `NAMED` with their own reason, the others with None); and how many batch members are
    left alone because they can no longer change."""

    changes: list[tuple[Exemption, Exemption]]
    unchanged: list[Exemption]
    refused: list[tuple[Exemption, str | None]]
    left: int


def _each_planned(
    targets: list[Exemption], plan: Plan, today: date
) -> tuple[list[tuple[Exemption, Exemption]], list[Exemption], list[tuple[int, Exemption, str | None]]]:
    """Each target with what `plan` makes of it: the changes, those already as asked, and
    every refused target (with its position among the targets and, for the first `NAMED`, why).

    R4-R6 decide a change from an exemption's dates alone (its id only names it in a refusal),
    and the members of a batch share a few: each distinct start, end, in-force date and deletion
    is planned once, for the first target that has it, and the others with the same take its new
    dates, or its refusal. Only the first `NAMED` refused targets are planned again to word
    their own reason, so a batch of any size costs one pass.
    """
    planned: dict[tuple[date, date, date, date | None], Exemption | str] = {}
    changes = []
    unchanged = []
    refused: list[tuple[int, Exemption, str | None]] = []
    for position, before in enumerate(targets):
        dates_before = (before.start, before.end, before.in_force_from, before.deleted_on)
        first = planned.get(dates_before)
        if first is None:
            try:
                first = planned[dates_before] = plan(before, today)
            except Refused as refusal:
                first = planned[dates_before] = refusal.message
                refused.append((position, before, refusal.message))
                continue
        if isinstance(first, str):
            refused.append(
                (position, before, _own_refusal(before, plan, today) if len(refused) < NAMED else None)
            )
            continue
        after = (
            first if first.id == before.id else before.with_dates(first.start, first.end, first.in_force_from)
        )
        if rules.unchanged(before, after):
            unchanged.append(before)
        else:
            changes.append((before, after))
    return changes, unchanged, refused


def _own_refusal(exemption: Exemption, plan: Plan, today: date) -> str:
    """Why `plan` refuses this exemption, in words naming it."""
    try:
        plan(exemption, today)
    except Refused as refusal:
        return refusal.message
    raise AssertionError("planned the same dates twice, refused once")  # pragma: no cover


def _planned(
    store: StoreProtocol,
    ids: list[int],
    batch: int | None,
    plan: Plan,
    today: date,
    since: date | None = None,
) -> Planned:
    """Every target planned: each checked by the rules, and all the changes together by R7
    against the live exemptions of their students."""
    targets, left = _targets(store, ids, batch, today, since)
    changes, unchanged, refused = _each_planned(targets, plan, today)
    after = [after for _, after in changes]
    clashes = rules.clashes_among(after, store.live_besides(after, today), today) if after else []
    if clashes:
        position = {exemption.id: n for n, exemption in enumerate(targets)}
        for changed, other in clashes:
            why = f"exemption {changed.id} cannot change: " + rules.clash_message(changed.student_id, other)
            refused.append((position[changed.id], changed, why))
        refused.sort(key=lambda item: item[0])
        clashing = {changed.id for changed, _ in clashes}
        changes = [(before, after) for before, after in changes if after.id not in clashing]
    return Planned(
        changes,
        unchanged,
        [(exemption, why if n < NAMED else None) for n, (_, exemption, why) in enumerate(refused)],
        left,
    )


def _refuse(report: Reporter, refused: list[tuple[Exemption, str | None]], batch: int | None) -> None:
    """Refuse the whole change, naming every refused target (SPEC 7, Batches): the first's
    reason, then, when there are several, the first `NAMED` in a table on stderr with why, and
    how many more."""
    first = refused[0][1] or ""  # the first always has its reason
    if len(refused) == 1:
        raise Refused(first)
    shown = refused[:NAMED]
    report.rows(
        ("ID", "Student", "Why refused"),
        ([str(e.id), e.student_id, reason or ""] for e, reason in shown),
        title="Refused" + (f" members of batch {batch}" if batch is not None else ""),
    )
    more = len(refused) - len(shown)
    ids = ", ".join(str(e.id) for e, _ in shown) + (f" and {more:,} more" if more else "")
    whose = f"members of batch {batch}" if batch is not None else "exemptions"
    listed = "the first twenty listed above" if more else "listed above"
    raise Refused(
        f"{first.rstrip('.')}; in all, {len(refused):,} {whose} cannot change ({ids}; {listed}), "
        "so nothing was changed."
    )


def _apply(
    session: Session,
    ids: list[str],
    batch: str | None,
    plan: Plan,
    action: str,
    as_: str | None,
    today: date,
    since: date | None = None,
) -> Planned:
    """Check and write one change to every target in one transaction; nothing is written when
    every target is already as asked."""
    who = actor(as_)
    numbers, batch_number = _named(ids, batch)
    # Changes only what exists: a missing store is exit 4, never an empty one made here.
    store = session.store()
    store.check_may_change()
    # Plan (read and check) without the write lock, which is held only for the writing; if
    # another process wrote meanwhile, plan again under the lock, so that R7 holds.
    version = store.version()
    with collector_paused():  # tens of thousands of small objects, no cycles: see bulk
        planned = _planned(store, numbers, batch_number, plan, today, since)
        if planned.refused:
            _refuse(session.report, planned.refused, batch_number)
        if not planned.changes:
            return planned
        with store.writing():
            if store.changed_since(version):
                planned = _planned(store, numbers, batch_number, plan, today, since)
                if planned.refused:
                    _refuse(session.report, planned.refused, batch_number)
            changes = planned.changes
            store.update(changes, action=action, actor=who, at=dates.now_utc())
            if changes:
                session.committed(
                    f"{exemptions(len(changes))} {'extended' if action == 'extend' else 'moved'} ({_ids(changes)})"
                )
    return planned


def _ids(changes: list[tuple[Exemption, Exemption]] | list[Exemption]) -> str:
    """`ids 21, 22, 23`: the first few ids of what changed, for a message after a commit."""
    ids = [str(item[1].id if isinstance(item, tuple) else item.id) for item in changes]
    shown = ", ".join(ids[:10]) + (", ..." if len(ids) > 10 else "")
    return f"id{'s' if len(ids) != 1 else ''} {shown}"


def _report(planned: Planned, verb: str, batch: str | None, kind: str) -> Changed:
    """What the change did, with R6's warning for each change that owes one (a batch shares a
    few dates: each change of dates is judged once)."""
    warnings: dict[tuple[date, ...], str | None] = {}
    changes = []
    for before, after in planned.changes:
        key = (before.start, before.end, before.in_force_from, after.start, after.end, after.in_force_from)
        if key not in warnings:
            warnings[key] = rules.change_warning(before, after)  # R6
        changes.append((before, after, warnings[key]))
    return Changed(changes, planned.unchanged, planned.left, verb, batch, kind)


def extend(
    ctx: typer.Context,
    exemption_id: IdArgument = None,
    batch: BatchOption = None,
    to: Annotated[str | None, typer.Option("--to", metavar="DATE", help="The new, later, last day.")] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="DURATION", help="How much later the last day becomes: 1w, 10d, 1m."),
    ] = None,
    as_: ActorOption = None,
    from_: FromOption = None,
) -> Changed:
    """Set a later end date for an exemption that is still running.

    Its start and in-force date stay as they are, so the days already covered keep their answer.

    Example: stream-exempt extend 12 --by 2w
    """
    if (to is None) == (by is None):
        raise Refused(
            "give the new last day with --to or how much later with --by, not both and not neither."
        )
    session: Session = ctx.obj
    today = session.today()
    new_end = dates.parse_date(to, today) if to is not None else None
    shift = dates.parse_duration(by) if by is not None else None
    since = _since(from_, batch, today)

    def plan(exemption: Exemption, today: date) -> Exemption:
        if shift is not None:
            return rules.extended(exemption, shift.after(exemption.end), today)
        assert new_end is not None
        return rules.extended(exemption, new_end, today)

    planned = _apply(
        session, [exemption_id] if exemption_id else [], batch, plan, "extend", as_, today, since
    )
    return _report(planned, "extended", batch, "ends")


def move(
    ctx: typer.Context,
    exemption_id: IdArgument = None,
    batch: BatchOption = None,
    start: Annotated[
        str | None,
        value_option(
            "--start -s",
            "DATE",
            "The new first day, after today (keeps the length); only before it has started.",
        ),
    ] = None,
    end: Annotated[str | None, value_option("--end -e", "DATE", "The new last day, after today.")] = None,
    by: Annotated[
        str | None,
        value_option(
            "--by", "DURATION", "Shift both ends: 1w, 10d, 1m; -1w moves earlier. Only before it has started."
        ),
    ] = None,
    as_: ActorOption = None,
    from_: FromOption = None,
) -> Changed:
    """Move an exemption's dates: a new start, a new end (to cut it short), or a shift.

    The past is never rewritten: once an exemption has started, its start cannot change (change
    its end with --end, or extend it); before then, a new start must be after today. A new end
    must be after today. A new start records it again: in force from the second day after.

    Example: stream-exempt move 12 --start 01/02/2027
    """
    if by is not None and (start is not None or end is not None):
        raise Refused("give --by alone, or --start and/or --end.")
    if by is None and start is None and end is None:
        raise Refused("give --start, --end or --by to say where the exemption moves.")
    session: Session = ctx.obj
    today = session.today()
    new_start = dates.parse_date(start, today) if start is not None else None
    new_end = dates.parse_date(end, today) if end is not None else None
    shift = dates.parse_duration(by, allow_negative=True) if by is not None else None
    since = _since(from_, batch, today)

    def plan(exemption: Exemption, today: date) -> Exemption:
        if shift is not None:
            return rules.moved(exemption, shift.after(exemption.start), shift.after(exemption.end), today)
        if new_start is not None and new_end is None:
            length = exemption.end - exemption.start
            if new_start > date.max - length:
                raise Refused(
                    f"exemption {exemption.id} starting {show(new_start)} would keep its "
                    f"{length.days + 1} days and end after {show(date.max)}, the last day of the "
                    "calendar; give --end as well."
                )
            return rules.moved(exemption, new_start, new_start + length, today)
        return rules.moved(exemption, new_start, new_end, today)

    planned = _apply(session, [exemption_id] if exemption_id else [], batch, plan, "move", as_, today, since)
    kind = "ends" if start is None and by is None else "starts" if end is None and by is None else "runs"
    return _report(planned, "moved", batch, kind)


def _interactive() -> bool:
    """Whether a person is at a terminal to answer a confirmation."""
    return sys.stdin.isatty()


def _deletable(
    store: StoreProtocol, ids: list[int], batch: int | None, today: date, since: date | None = None
) -> tuple[list[Exemption], int]:
    """The exemptions to delete, each checked by R4, and how many batch members are left alone."""
    targets, left = _targets(store, ids, batch, today, since)
    for exemption in targets:
        rules.check_editable(exemption, today)
    return targets, left


def delete(
    ctx: typer.Context,
    exemption_ids: Annotated[
        list[str] | None,
        typer.Argument(metavar="ID...", help="The ids of the exemptions.", show_default=False),
    ] = None,
    batch: BatchOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_: ActorOption = None,
    from_: FromOption = None,
) -> Deleted:
    """Delete exemptions: they suppress nothing after today; the record and history stay.

    Today and the days before keep their answer (the feed for today may already have been
    filtered; check --on shows what was in force then); one that has not started yet is
    removed from every day. It can no longer be changed, and blocks nothing new, at once.

    Example: stream-exempt delete 12 13 --yes
    """
    session: Session = ctx.obj
    who = actor(as_)
    today = session.today()
    ids, batch_number = _named(exemption_ids or [], batch)
    since = _since(from_, batch, today)
    store = session.store()  # deletes only what exists: never creates the store
    store.check_may_change()
    version = store.version()
    targets, left = _deletable(store, ids, batch_number, today, since)
    if not targets:
        return Deleted([], batch, nothing=True, since=since)
    if not yes:
        if not _interactive():
            raise Refused("deleting needs confirmation; run it at a terminal or add --yes.")
        names = ", ".join(str(e.id) for e in targets[:10]) + (" ..." if len(targets) > 10 else "")
        question = (
            f"Delete {exemptions(len(targets))} ({names})? They suppress nothing after today "
            f"({dates.show(today)}); today and the days before keep their answer."
        )
        if not session.report.confirm(question):
            raise Refused("not deleted: the answer was no; nothing was changed.")
    current = targets
    with store.writing():
        # Another process may have changed them while the question was asked: read again.
        if store.changed_since(version):
            current, left = _deletable(store, ids, batch_number, today, since)
        store.mark_deleted(current, actor=who, at=dates.now_utc(), on=today)
        if current:
            session.committed(f"{exemptions(len(current))} deleted ({_ids(current)})")
    return Deleted([(exemption, rules.describe(exemption)) for exemption in current], batch, left)
