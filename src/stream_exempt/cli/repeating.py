"""A series (SPEC 11): `add` and `bulk` with `--every`, recorded as one batch.

Each occurrence is checked as `bulk` checks a row (`cohort.plan_bulk`): the same rules, the
same "already recorded" for a re-run, all or nothing.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from stream_exempt import dates, rules, series, validate
from stream_exempt.cli.session import Session
from stream_exempt.errors import Refused
from stream_exempt.model import Actor, Draft, Exemption, Terms
from stream_exempt.output.outcomes import SeriesAdded
from stream_exempt.output.reporter import Reporter
from stream_exempt.output.said.bulk import weekday
from stream_exempt.output.said.common import exemptions

if TYPE_CHECKING:
    from stream_exempt import cohort

REFUSED_SHOWN = 20  # refused occurrences listed before "and N more"


def repeat_from_options(
    every: str, count: str | None, until: str | None, weekdays: str | None, today: date
) -> series.Repeat:
    """The options of a series as typed, each checked, before the store is opened."""
    last = dates.parse_date(until, today) if until is not None else None
    return series.repeat_from_options(every, count, last, weekdays)


def stored_repeat(repeat: series.Repeat, occurrences: int | None) -> tuple[str, str | None, int | None]:
    """How the batch keeps the repetition: interval, weekdays, occurrences per student."""
    days = ",".join(dates.WEEKDAYS[day] for day in repeat.weekdays) or None
    return str(repeat.every), days, occurrences


def grouped(created: list[tuple[str, Terms]]) -> list[tuple[str, Terms]]:
    """The members of a series' batch with equal terms together: a cohort's first occurrences,
    then its second ones, ..., so that each is written by one statement, as a plain import is."""
    by_terms: dict[Terms, list[str]] = {}
    for student, terms in created:
        by_terms.setdefault(terms, []).append(student)
    return [(student, terms) for terms, students in by_terms.items() for student in students]


class Expander:
    """`bulk --every`: each row's terms made into the occurrences of its series (a cohort
    shares its terms, so each distinct set is expanded once)."""

    def __init__(self, repeat: series.Repeat, span: dates.Duration | None) -> None:
        self.repeat, self.span = repeat, span
        self.made: dict[Terms, list[Terms] | str] = {}

    def __call__(self, terms: Terms) -> list[Terms]:
        made = self.made.get(terms)
        if made is None:
            try:
                made = series.occurrences(terms, self.repeat, self.span)
            except Refused as refusal:
                made = refusal.message
            self.made[terms] = made
        if isinstance(made, str):
            raise Refused(made)
        return made

    def _series(self) -> list[list[Terms]]:
        return [made for made in self.made.values() if not isinstance(made, str)]

    def stored(self) -> tuple[str, str | None, int | None]:
        """How the batch keeps the repetition; the occurrences per student where all have as many."""
        counts = {len(made) for made in self._series()}
        return stored_repeat(self.repeat, counts.pop() if len(counts) == 1 else None)

    def words(self) -> str:
        """`A series for each student: weekly from 13 Jan 2027 to 17 Mar 2027, 10 occurrences.`"""
        made = self._series()
        if len(made) == 1:
            return (
                f"A series for each student: {series.span_words(made[0], self.repeat)}, "
                f"{len(made[0])} occurrences."
            )
        return f"A series for each student: {self.repeat.words()}."


def _refuse(report: Reporter, plan: cohort.Plan, made: list[Terms]) -> None:
    """Every refused occurrence with its dates (the first twenty, and how many more)."""
    rows = [
        [str(line), f"{weekday(made[line - 1].start)} to {weekday(made[line - 1].end)}", why]
        for line, _, why in plan.refused[:REFUSED_SHOWN]
    ]
    more = len(plan.refused) - len(rows)
    report.rows(("Occurrence", "Dates", "Why refused"), rows, title="Refused occurrences")
    if more:
        report.note(f"... and {more} more refused occurrences.")
    raise Refused(
        f"{len(plan.refused):,} of the {len(made):,} occurrences of the series refused (listed above); "
        "nothing was written: each occurrence is an exemption under every rule, so change the series "
        "and add it again."
    )


def add_series(
    session: Session,
    draft: Draft,
    repeat: series.Repeat,
    span: dates.Duration | None,
    who: Actor,
    today: date,
    *,
    quiet: bool,
    dry_run: bool,
) -> SeriesAdded:
    """`add --every`: every occurrence checked as a row of an import, then one batch."""
    from stream_exempt import cohort

    made = series.occurrences(Terms(draft.type, draft.start, draft.end, draft.reason), repeat, span)
    # Each occurrence a row (its number, the student, its dates), as an import would give it.
    rows = [(k, [draft.student_id, t.start.isoformat(), t.end.isoformat()]) for k, t in enumerate(made, 1)]
    columns = cohort.Columns(student_id=0, start=1, end=2)
    defaults = cohort.Defaults(type=draft.type, reason=draft.reason, reason_given=True)
    pattern = validate.id_pattern()

    Found = dict[tuple[str, str], list[Exemption]]

    def plan(live_and_deleted: tuple[Found, Found]) -> cohort.Plan:
        live, deleted = live_and_deleted
        planned = cohort.plan_bulk(rows, columns, defaults, live, today, pattern, deleted=deleted)
        if planned.refused:
            _refuse(session.report, planned, made)
        return planned

    exists = session.store_exists()
    batch = None
    members: list[Exemption] = []
    in_force = rules.in_force_from(today)
    if dry_run:  # reads only: never creates the store
        if not exists:
            session.report.note(
                f"There is no store at {session.store_shown} yet: the series was checked as if "
                "against an empty store, and nothing was created."
            )
        planned = plan(session.store().live_and_deleted_of([draft.student_id], today) if exists else ({}, {}))
    else:
        if not exists:  # a series that is refused leaves no new store behind
            plan(({}, {}))
        store = session.store_for_writing()
        store.check_may_change()
        with store.writing():  # the write lock first: R7 holds against every concurrent writer
            planned = plan(store.live_and_deleted_of([draft.student_id], today))
            if planned.created:
                batch = store.insert_batch(
                    planned.created,
                    actor=who,
                    at=dates.now_utc(),
                    in_force_from=in_force,
                    source=None,
                    repeats=stored_repeat(repeat, len(made)),
                )
                members = store.batch_members(batch)
                session.committed(
                    f"batch {batch}, {exemptions(len(planned.created))} created ({series.span_words(made, repeat)})"
                )
    new = {terms for _, terms in planned.created}
    ids = {(m.start, m.end): m.id for m in members}
    gone = {line: exemption_id for line, _, exemption_id in planned.deleted}
    occurrences: list[tuple[Terms, str, int | None]] = []
    for k, terms in enumerate(made, 1):
        if k in gone:
            occurrences.append((terms, "deleted", gone[k]))
        elif terms not in new:
            occurrences.append((terms, "already recorded", None))
        elif batch is not None:
            occurrences.append((terms, "created", ids[terms.start, terms.end]))
        else:
            occurrences.append((terms, "would be created", None))
    return SeriesAdded(
        occurrences,
        len(planned.created),
        planned.already_recorded,
        planned.deleted,
        batch,
        dry_run,
        series.span_words(made, repeat),
        rules.late_count((terms.start for _, terms in planned.created), in_force),
        rules.still_triggering(in_force),
        [member.id for member in members],
        quiet,
    )
