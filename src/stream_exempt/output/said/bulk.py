"""The words of a batch created at once: `bulk` (a cohort list) and `add --every` (a series):
what was created, what was already there, what was deleted and not recreated, and R6."""

from __future__ import annotations

from datetime import date

from stream_exempt.dates import WEEKDAYS, show
from stream_exempt.output.outcomes import Imported, SeriesAdded
from stream_exempt.output.said.common import exemptions, notes, out, out_lines


def created_line(
    created: int, already: int, deleted: int, batch: int | None, dry_run: bool, spans: str | None = None
) -> str:
    """`Batch 12: 20 exemptions created, 3 already recorded.` (or what a dry run would create,
    or that nothing is new). A series gives `spans` (how it repeats and the days it spans): it
    ends the line, and counts of occurrences already recorded are said only when there are some."""
    series = spans is not None
    recorded = f", {already:,} already recorded" if already or not series else ""
    tail = f", {spans}" if series else ""
    if dry_run:
        return f"Dry run: {exemptions(created)} would be created as one new batch{recorded}{tail}; nothing was written."
    if batch is None and deleted:
        gone = "deleted (not recreated)" if series else "deleted and not recreated"
        return f"Nothing new: {already:,} already recorded, {deleted:,} {gone}{tail}."
    if batch is None:
        return f"Nothing new: all {already:,} {'occurrences ' if series else ''}already recorded{tail}."
    return f"Batch {batch}: {exemptions(created)} created{recorded}{tail}."


def late_line(late: int, created: int, still_triggering: str, *, series: bool = False) -> str | None:
    """R6 for a batch recorded today: how many of its exemptions start before they are in
    force (`still_triggering`: R6's warning, as the rules word it)."""
    if not late:
        return None
    of = exemptions(created) if series else f"exemption{'s' if late != 1 else ''}"
    return f"{still_triggering} for {late:,} of these {of} (they start before then)."


# A warning names at most this many deleted exemptions, then says how many more.
NAMED = 20


def _not_recreated(found: list[tuple[int, str, int]]) -> str:
    """SPEC 10: rows matching a deleted exemption are not recreated; count and name them."""
    ids = ", ".join(str(exemption_id) for _, _, exemption_id in found[:NAMED])
    if len(found) > NAMED:
        ids += f" and {len(found) - NAMED} more"
    if len(found) == 1:
        return (
            f"1 row matches a deleted exemption ({ids}), not recreated: use add to exempt that student again."
        )
    return (
        f"{len(found):,} rows match deleted exemptions ({ids}), not recreated: use add to exempt those "
        "students again."
    )


def imported(result: Imported) -> None:
    if result.no_store is not None:
        notes.note(
            f"There is no store at {result.no_store} yet: the file was checked as if "
            "against an empty store, and nothing was created."
        )
    for line, student, first in dict.fromkeys(result.repeats):  # a series' occurrences: once a line
        notes.warn(f"line {line} repeats line {first} for student {student}; counted once.")
    out(created_line(result.created, result.already, len(result.deleted), result.batch, result.dry_run))
    if result.series is not None:
        out(result.series)
    shown, limit = result.ranges, result.ranges_shown
    for each in shown[:limit]:
        out(f"  {each}")
    if len(shown) > limit:
        out(f"  ... and {len(shown) - limit} other date ranges.")
    if result.deleted:
        notes.warn(_not_recreated(result.deleted))
    if result.reason_differs:
        rows_give = (
            "row already recorded gives" if result.reason_differs == 1 else "rows already recorded give"
        )
        notes.warn(
            f"{result.reason_differs} {rows_give} a different reason in the file; "
            "the recorded reason was kept (change it with `stream-exempt edit ID --reason TEXT`)."
        )
    if said := late_line(result.late, result.created, result.still_triggering):
        notes.warn(said)


def weekday(day: date) -> str:
    """`Wed 13 Jan 2027`."""
    return f"{WEEKDAYS[day.weekday()].capitalize()} {show(day)}"


def _became(what: str, number: int | None) -> str:
    if what == "deleted":
        return f"deleted (exemption {number}), not recreated"
    return f"exemption {number}" if what == "created" else what


def series_added(result: SeriesAdded) -> None:
    if result.quiet:
        if result.batch is not None:
            out_lines([f"{member}\n" for member in result.member_ids])
    else:
        out(
            created_line(
                result.created,
                result.already,
                len(result.deleted),
                result.batch,
                result.dry_run,
                result.spans,
            )
        )
        out_lines(
            [
                f"  {k:>3}. {weekday(terms.start)} to {weekday(terms.end)}: {_became(what, number)}\n"
                for k, (terms, what, number) in enumerate(result.occurrences, 1)
            ]
        )
    if result.deleted:
        gone_ids = ", ".join(str(exemption_id) for _, _, exemption_id in result.deleted)
        one = len(result.deleted) == 1
        notes.warn(
            f"{len(result.deleted):,} occurrence{'' if one else 's'} of the series "
            f"match{'es' if one else ''} {'a deleted exemption' if one else 'deleted exemptions'} ({gone_ids}), "
            "not recreated: use add without --every to exempt the student on those days again."
        )
    if said := late_line(result.late, result.created, result.still_triggering, series=True):
        notes.warn(said)
