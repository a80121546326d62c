"""What each command says for people once its work is done: the words of every result in
`outcomes.py`, written to standard output (the answer) and standard error (notes, warnings).

`WRITERS` maps each kind of result to the function that writes it; `registry.render_result`
is the one way in.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from stream_exempt import types
from stream_exempt.dates import WEEKDAYS, show
from stream_exempt.model import Exemption, Request
from stream_exempt.output.outcomes import (
    Added,
    Answer,
    Approved,
    Changed,
    CopiedStore,
    Deleted,
    Edited,
    FeedChecked,
    Health,
    Ids,
    Imported,
    Initialised,
    Morning,
    Picture,
    Rejected,
    Requested,
    SeriesAdded,
)
from stream_exempt.output.reporter import Reporter
from stream_exempt.output.results import Document

_said = Reporter()


def out(text: str) -> None:
    """A line (or lines) for people on standard output."""
    print(text)


def _lines(lines: Iterable[str]) -> None:
    """Line by line: one huge write into a pipe can fail silently."""
    sys.stdout.writelines(lines)


def card(heading: str, facts: Sequence[tuple[str, str]]) -> str:
    """A heading and `label  value` lines under it, the values aligned."""
    return "\n".join([heading, *(f"  {label:<15}{value}" for label, value in facts)])


def _days(start: date, end: date) -> str:
    days = (end - start + timedelta(days=1)).days
    return f"{show(start)} to {show(end)} ({days} day{'s' if days != 1 else ''})"


def exemptions(number: int) -> str:
    """`1 exemption`, `20 exemptions`."""
    return f"{number} exemption{'s' if number != 1 else ''}"


# -- one exemption or request -------------------------------------------------------------


def describe_created(exemption: Exemption, status: str) -> str:
    """The few lines `add` (and `approve`) show for the exemption recorded."""
    facts = [
        ("student", exemption.student_id),
        ("type", types.label(exemption.type)),
        ("dates", _days(exemption.start, exemption.end)),
        ("in force from", show(exemption.in_force_from)),
        ("status", status),
    ]
    if exemption.reason:
        facts.append(("reason", exemption.reason))
    return card(f"Added exemption {exemption.id}", facts)


def added(result: Added) -> None:
    out(str(result.exemption.id) if result.quiet else describe_created(result.exemption, result.status))
    if result.late:
        _said.warn(result.late + ".")


def approved(result: Approved) -> None:
    asked = result.request
    out(f"Approved request {asked.label} from {asked.requested_by}.")
    added(result.added)


def requested(result: Requested) -> None:
    recorded = result.request
    if result.quiet:
        out(recorded.label)
    else:
        facts = [
            ("student", recorded.student_id),
            ("type", types.label(recorded.type)),
            ("dates", _days(recorded.start, recorded.end)),
            ("asked by", recorded.requested_by),
        ]
        if recorded.reason:
            facts.append(("reason", recorded.reason))
        out(card(f"Recorded request {recorded.label}", facts))
    if result.refusal is not None:
        _said.warn(f"approved today, {recorded.label} would be refused: {result.refusal}")
    elif not result.quiet:
        _said.note(
            f"An officer approves it with `stream-exempt approve {recorded.label}` "
            f"or rejects it with `stream-exempt reject {recorded.label} --reason TEXT`."
        )


def rejected(result: Rejected) -> None:
    asked: Request = result.request
    out(f"Rejected request {asked.label} from {asked.requested_by}: {result.why}")


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


# -- changes --------------------------------------------------------------------------------


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
            _said.warn(f"exemption {after.id}: {late}.")
        lines.append(f"{done} exemption {after.id} ({after.student_id}): {what}.\n")
    _lines(lines)
    if batch is None:
        return
    as_asked = (
        f"{len(unchanged)} already {_already(kind, unchanged[0], count=len(unchanged))}" if unchanged else ""
    )
    ended = f"; {left} left as they were (ended or deleted)" if left else ""
    if not changes and unchanged:  # nothing recorded: the whole answer, on stdout
        out(f"Nothing to change: batch {batch}: {as_asked}{ended}.")
        return
    _said.note(
        f"Batch {batch}: {exemptions(len(changes))} {result.verb}"
        + (f", {as_asked}" if as_asked else "")
        + f"{ended}."
    )


def deleted(result: Deleted) -> None:
    if result.nothing:
        if result.since is not None:
            _said.note(
                f"Nothing to delete: batch {result.batch} has no member starting on or after "
                f"{show(result.since)} that has not ended or been deleted."
            )
        else:
            _said.note(f"Nothing to delete: every member of batch {result.batch} has ended or is deleted.")
        return
    for exemption, described in result.deleted:
        out(f"Deleted {described} of student {exemption.student_id}.")
    if result.batch is not None:
        left = result.left
        _said.note(
            f"Batch {result.batch}: {len(result.deleted)} deleted"
            + (f"; {left} left as they were." if left else ".")
        )


# -- a batch: bulk and series -------------------------------------------------------------


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


def late_line(late: int, created: int, still_triggering: str, *, series: bool = False) -> str | None:
    """R6 for a batch recorded today: how many of its exemptions start before they are in
    force (`still_triggering`: R6's warning, as the rules word it)."""
    if not late:
        return None
    of = exemptions(created) if series else f"exemption{'s' if late != 1 else ''}"
    return f"{still_triggering} for {late} of these {of} (they start before then)."


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
        f"{len(found)} rows match deleted exemptions ({ids}), not recreated: use add to exempt those "
        "students again."
    )


def imported(result: Imported) -> None:
    if result.no_store is not None:
        _said.note(
            f"There is no store at {result.no_store} yet: the file was checked as if "
            "against an empty store, and nothing was created."
        )
    for line, student, first in dict.fromkeys(result.repeats):  # a series' occurrences: once a line
        _said.warn(f"line {line} repeats line {first} for student {student}; counted once.")
    out(created_line(result.created, result.already, len(result.deleted), result.batch, result.dry_run))
    if result.series is not None:
        out(result.series)
    shown, limit = result.ranges, result.ranges_shown
    for each in shown[:limit]:
        out(f"  {each}")
    if len(shown) > limit:
        out(f"  ... and {len(shown) - limit} other date ranges.")
    if result.deleted:
        _said.warn(_not_recreated(result.deleted))
    if result.reason_differs:
        rows_give = (
            "row already recorded gives" if result.reason_differs == 1 else "rows already recorded give"
        )
        _said.warn(
            f"{result.reason_differs} {rows_give} a different reason in the file; "
            "the recorded reason was kept (change it with `stream-exempt edit ID --reason TEXT`)."
        )
    if said := late_line(result.late, result.created, result.still_triggering):
        _said.warn(said)


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
            _lines([f"{member}\n" for member in result.member_ids])
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
        _lines(
            [
                f"  {k:>3}. {weekday(terms.start)} to {weekday(terms.end)}: {_became(what, number)}\n"
                for k, (terms, what, number) in enumerate(result.occurrences, 1)
            ]
        )
    if result.deleted:
        gone_ids = ", ".join(str(exemption_id) for _, _, exemption_id in result.deleted)
        one = len(result.deleted) == 1
        _said.warn(
            f"{len(result.deleted)} occurrence{'' if one else 's'} of the series "
            f"match{'es' if one else ''} {'a deleted exemption' if one else 'deleted exemptions'} ({gone_ids}), "
            "not recreated: use add without --every to exempt the student on those days again."
        )
    if said := late_line(result.late, result.created, result.still_triggering, series=True):
        _said.warn(said)


# -- the store ------------------------------------------------------------------------------


def health_text(report: dict[str, Any]) -> str:
    """`doctor`'s report for people: a fact a line, the verdict last."""
    facts = [
        ("store", report["store"]),
        ("schema", f"version {report['schema_version']} (this program knows {report['schema_known']})"),
        # The store counts every status, in the rules' order (as the json shows them).
        ("exemptions", ", ".join(f"{count} {status}" for status, count in report["counts"].items())),
    ]
    if "server_version" in report:  # PostgreSQL: the server's own facts
        held = "R7 held by the database" if report["r7_constraint"] else "R7 constraint MISSING"
        facts += [
            ("server", f"PostgreSQL {report['server_version']}"),
            ("connected as", report["session_user"]),
            ("constraint", held),
        ]
    else:
        integrity, journal = report["integrity"], report["journal_mode"]
        check = "" if report["integrity_check"] == "full" else " (quick check; --full for the complete one)"
        facts += [
            ("integrity", f"{'ok' if integrity == 'ok' else '; '.join(integrity)}{check}"),
            ("journal", f"{journal}{'' if journal == 'wal' else ' (expected wal)'}"),
            *(
                (label, f"owner {file['owner']}, group {file['group']}, mode {file['mode']}")
                for label, file in report["files"].items()
            ),
        ]
    facts.append(("verdict", "healthy" if report["healthy"] else "NOT healthy"))
    return "\n".join(f"{label:<15}{value}" for label, value in facts)


def health(result: Health) -> None:
    from stream_exempt.output.registry import render
    from stream_exempt.output.results import Document

    render(Document(result.report, health_text(result.report)), result.fmt)
    for warning in result.warnings:
        _said.warn(warning)
    if result.damaged is not None:
        # Exit 4 owes one `Error:` sentence, whichever of the store's pages the damage is on.
        print(
            f"Error: The store {result.report['store']} is damaged ({result.damaged}); stop using it, and "
            "restore it from a backup (`stream-exempt doctor` reports on the copy you restore).",
            file=sys.stderr,
        )


def initialised(result: Initialised) -> None:
    if result.database:
        verb = "Created the store in" if result.created else "The store is ready in"
        out(f"{verb} the PostgreSQL database {result.where}.")
        if result.roles is not None:
            out(roles_said(result.roles, result.officer, result.tutor))
        return
    store, folder = result.files["store file"], result.files["folder"]
    verb = "Created the store at" if result.created else "The store is ready at"
    out(
        f"{verb} {result.where} (owner {store['owner']}, group {store['group']}, mode "
        f"{store['mode']}; its folder {folder['mode']})."
    )
    for problem in result.problems:
        _said.warn(problem)


def roles_said(made: list[str], officer: str, tutor: str) -> str:
    """What `init --roles` did, in one line."""
    created = f"Created the roles {' and '.join(made)}" if made else "The roles were there already"
    return (
        f"{created}; granted {officer} every command and {tutor} `request`, its own "
        "requests, `check`, `list` and `types`. Give them to people with "
        f"GRANT {tutor} TO alice (in psql)."
    )


def copied_store(result: CopiedStore) -> None:
    if result.created:  # said once the copy is there: a failed one leaves no store
        _said.note(f"Created a new store at {result.target}.")
    if result.database:  # grants belong to one database: the copy has none yet
        _said.note(
            f"Grant the office's roles on it before others use it: stream-exempt --db {result.target} init --roles"
        )
    statuses = (
        ", ".join(f"{count:,} {status}" for status, count in result.statuses.items()) or "no exemptions"
    )
    out(
        f"Copied {result.tables} from {result.source} to {result.target}, at schema version {result.migrations}."
    )
    out(
        f"Checked: both stores hold the same rows of every table, and every exemption has the same status today ({statuses})."
    )


def verdict(answer: Answer) -> Document:
    """`check STUDENT_ID`'s answer: for programs, and in a sentence for people."""
    found = {
        "student_id": answer.student_id,
        "date": answer.day,
        "suppressed": answer.suppressed,
        "exemption": answer.exemption.id if answer.exemption else None,
        "in_force_from": answer.exemption.in_force_from if answer.exemption else None,
        "why": answer.why,
    }
    return Document(found, f"{answer.student_id} on {show(answer.day)}: {answer.why}.")


def feed_checked(result: FeedChecked) -> None:
    try:
        result.answer.copy_out()
    finally:
        result.answer.close()


def morning(result: Morning) -> None:
    from stream_exempt.output import morning

    morning.write(result)


def picture(result: Picture) -> None:
    from stream_exempt.output import pictures

    pictures.write(result)


def ids(result: Ids) -> None:
    _lines(f"{each}\n" for each in result.ids)


WRITERS: dict[type, Callable[[Any], None]] = {
    Added: added,
    Approved: approved,
    Requested: requested,
    Rejected: rejected,
    Edited: edited,
    Changed: changed,
    Deleted: deleted,
    Imported: imported,
    SeriesAdded: series_added,
    Health: health,
    Initialised: initialised,
    CopiedStore: copied_store,
    Ids: ids,
    FeedChecked: feed_checked,
    Morning: morning,
    Picture: picture,
}
