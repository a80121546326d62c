"""The event log: every change of an exemption or a request, with what it was before and after
(snapshots, as JSON text made in SQL). Nothing in it is ever changed or deleted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stream_exempt.model import Actor, Event
from stream_exempt.store.base import StoreBase
from stream_exempt.store.common import EVENT_COLUMNS, events_of


class Events(StoreBase):
    """Writing and reading the event log."""

    def _events(self, condition: str, args: Sequence[int]) -> list[Event]:
        """The events meeting `condition`, oldest first."""
        return events_of(self._run(f"SELECT {EVENT_COLUMNS} FROM events WHERE {condition} ORDER BY id", args))

    def _snapshot(self, exemption_id: int) -> str:
        """What an event records of one exemption as it is now."""
        (snapshot,) = self._run(
            f"SELECT {self.snapshot_sql()} FROM exemptions WHERE id = ?1", (exemption_id,)
        ).fetchone()
        return str(snapshot)

    def _log(
        self,
        exemption_id: int,
        action: str,
        actor: Actor,
        at: str,
        before: str | None,
        request_id: int | None = None,
    ) -> None:
        """An event of one exemption: `before` as given, the snapshot after read from its row."""
        self._run(
            "INSERT INTO events (exemption_id, request_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT id, ?1::bigint, ?2::text, ?3::text, ?3::text, ?4::text, ?5::text, ?6::text, {self.snapshot_sql()} "
            "FROM exemptions WHERE id = ?7",
            (request_id, action, actor.login, actor.for_, at, before, exemption_id),
        )

    def _log_changing(
        self,
        action: str,
        actor: Actor,
        at: str,
        after: str,
        changing: Sequence[Any],
        args: Sequence[Any] = (),
    ) -> None:
        """An event for each exemption made ready by `_fill_changing` (whose parameters are
        `changing`), in its order, written before the change itself: the snapshot before read
        from the row as it is; the one after, `after`, the same row with the values the change
        then writes (SQL, in which ?4 is `at`, and `args` follow `changing`). The login (?2) is
        both the event's actor and its login.

        Both snapshots in one pass, each row read once: a batch of 20,000 used to put its
        snapshots before in a temporary table and read every row again after the change.
        """
        # JOIN_IN_ORDER: the exemptions read in the order of the change, each found by its id.
        self._run(
            "INSERT INTO events (exemption_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT id, ?1::text, ?2::text, ?2::text, ?3::text, ?4::text, {self.snapshot_sql()}, {after} "
            f"FROM {self._changing(5)} {self.JOIN_IN_ORDER} exemptions ON id = c.exemption_id ORDER BY c.seq",
            (action, actor.login, actor.for_, at, *changing, *args),
        )
