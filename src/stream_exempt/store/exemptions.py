"""Exemptions: reading them (by id, by student, live ones, by filters) and recording them (new,
new dates, a corrected reason, deleted), each change with its event."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from stream_exempt.model import Actor, Draft, Event, Exemption
from stream_exempt.store.base import no_exemption
from stream_exempt.store.common import (
    COLUMNS,
    SORTS,
    Filters,
    IsoDates,
    asked,
    conditions,
    exemption_row,
    standing,
)
from stream_exempt.store.events import Events

# Live (not deleted, not expired) as of day ?1: what R7 compares with.
_LIVE = standing()


class Exemptions(Events):
    """The exemptions table."""

    # -- reading ------------------------------------------------------------------------

    def get(self, exemption_id: int) -> Exemption:
        """One exemption by id, or `NotFound`."""
        return exemption_row(self._row("exemptions", COLUMNS, exemption_id, no_exemption))

    def get_many(self, exemption_ids: Iterable[int]) -> list[Exemption]:
        """Several exemptions by id, in the order given (once each); `NotFound` names the first
        missing. One query however many ids: they travel as one parameter."""
        wanted = list(dict.fromkeys(exemption_ids))
        rows = self._run(
            f"SELECT {COLUMNS} FROM exemptions WHERE {self._member('id', 1, 'bigint')}", (self._many(wanted),)
        )
        found = {row[0]: exemption_row(row) for row in rows}
        return [found[i] if i in found else self.get(i) for i in wanted]

    def of_student(self, student_id: str) -> list[Exemption]:
        """Every exemption of one student, oldest id first."""
        rows = self._run(f"SELECT {COLUMNS} FROM exemptions WHERE student_id = ?1 ORDER BY id", (student_id,))
        return [exemption_row(row) for row in rows]

    def _of_students(
        self, student_ids: Iterable[str], condition: str, args: Sequence[Any]
    ) -> list[Exemption]:
        """The exemptions of these students that meet `condition` (whose parameters are `args`),
        oldest id first.

        The ids travel as one parameter, so a cohort of any size is one query; sorted,
        because SQLite indexes the list first, and that is twice as fast in order.
        """
        students = self._member("student_id", len(args) + 1, "text")
        rows = self._run(
            f"SELECT {COLUMNS} FROM exemptions WHERE {condition} AND {students} ORDER BY id",
            (*args, self._many(sorted(set(student_ids)))),
        )
        return [exemption_row(row) for row in rows]

    def live_of(self, student_ids: Iterable[str], today: date) -> dict[tuple[str, str], list[Exemption]]:
        """The live exemptions (not deleted, not expired) of these students, keyed by (student, type)."""
        found: dict[tuple[str, str], list[Exemption]] = {}
        for exemption in self._of_students(student_ids, _LIVE, (today.isoformat(),)):
            found.setdefault((exemption.student_id, exemption.type), []).append(exemption)
        return found

    def live_and_deleted_of(
        self, student_ids: Iterable[str], today: date
    ) -> tuple[dict[tuple[str, str], list[Exemption]], dict[tuple[str, str], list[Exemption]]]:
        """The live exemptions of these students (as `live_of`) and their deleted ones, each
        keyed by (student, type), in one query: what a re-run import is compared with."""
        live: dict[tuple[str, str], list[Exemption]] = {}
        deleted: dict[tuple[str, str], list[Exemption]] = {}
        condition = "(deleted_on IS NOT NULL OR end_date >= ?1::date)"
        for exemption in self._of_students(student_ids, condition, (today.isoformat(),)):
            found = deleted if exemption.deleted else live
            found.setdefault((exemption.student_id, exemption.type), []).append(exemption)
        return live, deleted

    def live_besides(self, changing: Sequence[Exemption], today: date) -> list[Exemption]:
        """The live exemptions (not deleted, not expired) of the students of `changing`, other
        than those: what R7 compares a set of changes with. The database leaves out the
        changing ones itself, so a batch's members are read once, not twice."""
        return self._of_students(
            {exemption.student_id for exemption in changing},
            f"{_LIVE} AND {self._member('id', 2, 'bigint', negated=True)}",
            (today.isoformat(), self._many([exemption.id for exemption in changing])),
        )

    def answering_by_student(self) -> dict[str, list[Exemption]]:
        """Every exemption that may suppress some day, keyed by student, oldest id first: all but
        those deleted before they started (R5b: one deleted later still covers the days up to
        and including its deletion day)."""
        found: dict[str, list[Exemption]] = {}
        rows = self._run(
            f"SELECT {COLUMNS} FROM exemptions WHERE deleted_on IS NULL OR deleted_on >= start_date ORDER BY id"
        )
        for row in rows:
            found.setdefault(row[1], []).append(exemption_row(row))
        return found

    def select(
        self,
        *,
        student_id: str | None = None,
        type_code: str | None = None,
        batch: int | None = None,
        starting: tuple[date, date] | None = None,
        ending: tuple[date, date] | None = None,
        in_force: tuple[date, date] | None = None,
        deleted: tuple[date, date] | None = None,
        sort: str = "start",
    ) -> list[Exemption]:
        """Exemptions matching every filter given, in the order `sort` names (one of `SORTS`).

        The windows are inclusive ranges of days in which the start, the end, the first day in
        force (the later of start and in_force_from, R6) or the deletion day falls."""
        filters = Filters(student_id, type_code, batch, starting, ending, in_force, deleted)
        where, args = conditions([], filters, later=self.LATER)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._run(f"SELECT {COLUMNS} FROM exemptions {clause} ORDER BY {SORTS[sort]}", args)
        return [exemption_row(row) for row in rows]

    def events(self, exemption_id: int) -> list[Event]:
        """Every event of one exemption, oldest first; for one approved from a tutor's request,
        the request's own events too (who asked, and when)."""
        self.get(exemption_id)
        return self._events(
            "exemption_id = ?1 OR request_id = (SELECT id FROM requests WHERE exemption_id = ?1)",
            (exemption_id,),
        )

    # -- writing (inside `writing()`) ----------------------------------------------------

    def insert(
        self, draft: Draft, *, actor: Actor, at: str, in_force_from: date, request_id: int | None = None
    ) -> Exemption:
        """Record one new exemption and its `add` event (`approve`, linked to the request, when
        it comes from a tutor's request)."""
        actor = self._signed(actor)
        exemption_id = self._insert(
            "exemptions",
            {
                **asked(draft),
                "created_by": actor.login,
                "created_for": actor.for_,
                "created_at": at,
                "in_force_from": in_force_from.isoformat(),
            },
        )
        self._log(exemption_id, "add" if request_id is None else "approve", actor, at, None, request_id)
        return self.get(exemption_id)

    def update(
        self, changes: Sequence[tuple[Exemption, Exemption]], *, action: str, actor: Actor, at: str
    ) -> None:
        """Record new dates (and in-force date) for each (before, after) pair, with its event."""
        actor = self._signed(actor)
        iso = IsoDates()
        changing = self._fill_changing(
            [after.id for _, after in changes],
            [(iso[after.start], iso[after.end], iso[after.in_force_from]) for _, after in changes],
        )
        after = self.snapshot_sql(start="c.new_start", end="c.new_end", in_force_from="c.new_in_force_from")
        self._log_changing(action, actor, at, after, changing)
        self._run(
            "UPDATE exemptions SET start_date = c.new_start, end_date = c.new_end, "
            f"in_force_from = c.new_in_force_from FROM {self._changing(1)} WHERE id = c.exemption_id",
            changing,
        )
        self._changed()

    def set_reason(self, before: Exemption, after: Exemption, *, actor: Actor, at: str) -> None:
        """Record a corrected reason, with an `edit` event holding the old and the new."""
        actor = self._signed(actor)
        snapshot = self._snapshot(before.id)
        self._run("UPDATE exemptions SET reason = ?1 WHERE id = ?2", (after.reason, after.id))
        self._log(before.id, "edit", actor, at, snapshot)

    def mark_deleted(self, exemptions: Sequence[Exemption], *, actor: Actor, at: str, on: date) -> None:
        """Mark exemptions deleted at `at` on day `on` (the record and its history stay), with a
        `delete` event each."""
        actor = self._signed(actor)
        day = on.isoformat()
        changing = self._fill_changing([exemption.id for exemption in exemptions], None)
        n = len(changing)
        self._log_changing(
            "delete",
            actor,
            at,
            self.snapshot_sql(deleted_at="?4::text", deleted_on=f"?{5 + n}::date"),
            changing,
            (day,),
        )
        self._run(
            f"UPDATE exemptions SET deleted_at = ?{n + 1}::text, deleted_on = ?{n + 2}::date "
            f"FROM {self._changing(1)} WHERE id = c.exemption_id",
            (*changing, at, day),
        )
        self._changed()
