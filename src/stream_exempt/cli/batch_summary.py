"""What `bulk` and a series (`add`/`bulk --every`) say about the batch they created, in one place."""

from collections.abc import Sequence
from datetime import date

from stream_exempt import rules
from stream_exempt.model import Terms


def exemptions(number: int) -> str:
    """`1 exemption`, `20 exemptions`."""
    return f"{number} exemption{'s' if number != 1 else ''}"


def created_line(
    created: int, already: int, deleted: int, batch: int | None, dry_run: bool, spans: str | None = None
) -> str:
    """`Batch 12: 20 exemptions created, 3 already recorded.` (or what a dry run would create,
    or that nothing is new). A series gives `spans` (how it repeats and the days it spans): it
    ends the line, and counts of occurrences already recorded are said only when there are some."""
    series = spans is not None
    recorded = f", {already} already recorded" if already or not series else ""
    tail = f", {spans}" if series else ""
    if dry_run:
        return f"Dry run: {exemptions(created)} would be created as one new batch{recorded}{tail}; nothing was written."
    if batch is None and deleted:
        gone = "deleted (not recreated)" if series else "deleted and not recreated"
        return f"Nothing new: {already} already recorded, {deleted} {gone}{tail}."
    if batch is None:
        return f"Nothing new: all {already} {'occurrences ' if series else ''}already recorded{tail}."
    return f"Batch {batch}: {exemptions(created)} created{recorded}{tail}."


def late_line(created: Sequence[tuple[str, Terms]], in_force: date, *, series: bool = False) -> str | None:
    """R6 for a batch recorded today: how many of its exemptions start before they are in force."""
    late = rules.late_count((terms.start for _, terms in created), in_force)
    if not late:
        return None
    of = exemptions(len(created)) if series else f"exemption{'s' if late != 1 else ''}"
    return f"{rules.still_triggering(in_force)} for {late} of these {of} (they start before then)."
