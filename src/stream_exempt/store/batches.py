"""Bulk batches: the exemptions an import or a series recorded together, and what each holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import groupby
from operator import attrgetter, itemgetter

from stream_exempt.model import Actor, BatchSummary, Exemption, Terms
from stream_exempt.store.base import no_batch
from stream_exempt.store.common import COLUMNS, exemption_row, one_date, repeats_of, standing
from stream_exempt.store.events import Events


class Batches(Events):
    """The batches table, and the exemptions each batch holds."""

    def require_batch(self, batch: int) -> None:
        """`NotFound` unless bulk batch `batch` exists."""
        self._row("batches", "1", batch, no_batch)

    def batch_repeats(self, batch: int) -> str | None:
        """How a series' batch repeats (`every 1w x 10`); None for an import or no such batch."""
        row = self._run("SELECT every, weekdays, occurrences FROM batches WHERE id = ?1", (batch,)).fetchone()
        return repeats_of(*row) if row else None

    def batch_members(self, batch: int) -> list[Exemption]:
        """Every exemption of bulk batch `batch`, in order of start, student and id (as `select`
        gives them), or `NotFound` when there is no such batch."""
        self.require_batch(batch)
        rows = self._run(f"SELECT {COLUMNS} FROM exemptions WHERE batch = ?1", (batch,))
        # Sorted here, in the order SQLite gives ISO dates and text: SQLite sorts whole rows,
        # which costs reading a batch of 20,000 about a tenth more.
        return sorted(map(exemption_row, rows), key=attrgetter("start", "student_id", "id"))

    def batch_summaries(self, today: date) -> list[BatchSummary]:
        """Every bulk batch with how many it created, how many of those are live today, and
        its types and dates, oldest first."""
        live = self.COUNT_TRUE.format(standing("e."))
        rows = self._run(
            f"""
            SELECT b.id, b.created_at, b.created_by, b.source, COUNT(e.id), COALESCE({live}, 0),
                   {self.JOINED.format("e.type")},
                   MIN(e.start_date), MAX(e.start_date), MIN(e.end_date), MAX(e.end_date), b.created_for,
                   b.every, b.weekdays, b.occurrences
            FROM batches AS b LEFT JOIN exemptions AS e ON e.batch = b.id
            GROUP BY b.id ORDER BY b.id
            """,
            (today.isoformat(),),
        )
        return [
            BatchSummary(
                id=row[0],
                created_at=row[1],
                created_by=row[2],
                source=row[3],
                created=int(row[4]),
                live=int(row[5]),
                types=tuple(sorted(row[6].split(","))) if row[6] else (),
                start=one_date(row[7], row[8]),
                end=one_date(row[9], row[10]),
                created_for=row[11],
                repeats=repeats_of(row[12], row[13], row[14]),
            )
            for row in rows
        ]

    def insert_batch(
        self,
        members: Sequence[tuple[str, Terms]],
        *,
        actor: Actor,
        at: str,
        in_force_from: date,
        source: str | None,
        repeats: tuple[str, str | None, int | None] | None = None,
    ) -> int:
        """Record a bulk batch of new exemptions, in order, and their `bulk` events; returns the
        batch id. A series' batch keeps how it `repeats`: interval, weekdays, occurrences."""
        actor = self._signed(actor)
        every, weekdays, occurrences = repeats or (None, None, None)
        batch = self._insert(
            "batches",
            {
                "created_at": at,
                "created_by": actor.login,
                "created_for": actor.for_,
                "source": source,
                "every": every,
                "weekdays": weekdays,
                "occurrences": occurrences,
            },
        )
        # One statement for each run of rows with the same terms (a whole cohort, as a rule),
        # its students handed over as one parameter: several times faster than binding 100,000
        # rows one by one.
        for terms, run in groupby(members, key=itemgetter(1)):
            self._insert_students(
                [student for student, _ in run],
                {
                    "type": terms.type,
                    "start_date": terms.start.isoformat(),
                    "end_date": terms.end.isoformat(),
                    "reason": terms.reason,
                    "batch": batch,
                    "created_by": actor.login,
                    "created_for": actor.for_,
                    "created_at": at,
                    "in_force_from": in_force_from.isoformat(),
                },
            )
        self._run(
            "INSERT INTO events (exemption_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT id, 'bulk', ?1::text, ?1::text, ?2::text, ?3::text, NULL, {self.snapshot_sql()} "
            "FROM exemptions WHERE batch = ?4 ORDER BY id",
            (actor.login, actor.for_, at, batch),
        )
        return batch
