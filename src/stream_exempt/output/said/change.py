"""The words of the changes to exemptions already recorded: `extend`, `move`, `delete` (one
exemption, some, or a batch) and `edit` (the reason)."""

from __future__ import annotations

from datetime import date

from stream_exempt.dates import show
from stream_exempt.model import Exemption
from stream_exempt.output.outcomes import Changed, Deleted, Edited
from stream_exempt.output.said.common import exemptions, notes, out, out_lines


def _reason(reason: str | None) -> str:
    return "(none)" if reason is None else repr(reason)


def reason_change(number: int, before: str | None, after: str | None) -> str:
    """`the reason of exemption 4 changed from (none) to 'x'`: what `edit` records."""
    return f"the reason of exemption {number} changed from {_reason(before)} to {_reason(after)}"


def edited(result: Edited) -> None:
    number, before = result.number, result.before
    if result.after == before:
        # SPEC 10: a change that changes nothing is not a change (no event; exit 0).
        has = "no reason" if before is None else f"the reason {_reason(before)}"
        out(f"Nothing to change: exemption {number} already has {has}.")
    else:
        out(
            f"Edited exemption {number} ({result.student_id}): reason "
            f"{_reason(before)} -> {_reason(result.after)}."
        )


def _already(kind: str, exemption: Exemption, *, count: int | None = None) -> str:
    """`ends on 28 Feb 2027` for one exemption; for `count` members of a batch, `ended on
    28 Feb 2027` (SPEC 10's wording), `start on ...`, `run from ... to ...`."""
    one = count is None or count == 1
    if kind == "ends":
        return f"{'ends' if count is None else 'ended'} on {show(exemption.end)}"
    if kind == "starts":
        return f"{'starts' if one else 'start'} on {show(exemption.start)}"
    return f"{'runs' if one else 'run'} from {show(exemption.start)} to {show(exemption.end)}"


def _what_changed(before: Exemption, after: Exemption) -> str:
    parts = []
    if before.start != after.start:
        parts.append(f"start {show(before.start)} -> {show(after.start)}")
    if before.end != after.end:
        parts.append(f"end {show(before.end)} -> {show(after.end)}")
    if before.in_force_from != after.in_force_from:
        parts.append(f"in force from {show(after.in_force_from)}")
    return ", ".join(parts)


def changed(result: Changed) -> None:
    changes, unchanged, left, batch, kind = (
        result.changes,
        result.unchanged,
        result.left,
        result.batch,
        result.kind,
    )
    if not changes and unchanged and batch is None:
        out(f"Nothing to change: exemption {unchanged[0].id} already {_already(kind, unchanged[0])}.")
        return
    # A batch shares a few dates: word each change of dates once.
    said: dict[tuple[date, ...], str] = {}
    done = result.verb.capitalize()
    lines = []
    for before, after, late in changes:
        key = (before.start, before.end, before.in_force_from, after.start, after.end, after.in_force_from)
        what = said.get(key)
        if what is None:
            what = said[key] = _what_changed(before, after)
        if late:
            notes.warn(f"exemption {after.id}: {late}.")
        lines.append(f"{done} exemption {after.id} ({after.student_id}): {what}.\n")
    out_lines(lines)
    if batch is None:
        return
    as_asked = (
        f"{len(unchanged):,} already {_already(kind, unchanged[0], count=len(unchanged))}"
        if unchanged
        else ""
    )
    ended = f"; {left:,} left as they were (ended or deleted)" if left else ""
    if not changes and unchanged:  # nothing recorded: the whole answer, on stdout
        out(f"Nothing to change: batch {batch}: {as_asked}{ended}.")
        return
    notes.note(
        f"Batch {batch}: {exemptions(len(changes))} {result.verb}"
        + (f", {as_asked}" if as_asked else "")
        + f"{ended}."
    )


def deleted(result: Deleted) -> None:
    if result.nothing:
        if result.since is not None:
            notes.note(
                f"Nothing to delete: batch {result.batch} has no member starting on or after "
                f"{show(result.since)} that has not ended or been deleted."
            )
        else:
            notes.note(f"Nothing to delete: every member of batch {result.batch} has ended or is deleted.")
        return
    for exemption, described in result.deleted:
        out(f"Deleted {described} of student {exemption.student_id}.")
    if result.batch is not None:
        left = result.left
        notes.note(
            f"Batch {result.batch}: {len(result.deleted):,} deleted"
            + (f"; {left:,} left as they were." if left else ".")
        )
