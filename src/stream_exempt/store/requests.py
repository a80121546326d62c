"""Tutors' requests: recorded, then approved (becoming an exemption) or rejected, once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from stream_exempt.model import APPROVED, REJECTED, Actor, Draft, Event, Exemption, Request
from stream_exempt.store.base import no_request
from stream_exempt.store.common import REQUEST_COLUMNS, REQUEST_SNAPSHOT_FIELDS, asked, request_of
from stream_exempt.store.exemptions import Exemptions


class Requests(Exemptions):
    """The requests table, and the exemption an approved request became."""

    def request(self, request_id: int) -> Request:
        """One request by number, or `NotFound`."""
        return request_of(self._row("requests", REQUEST_COLUMNS, request_id, no_request))

    def requests(self, statuses: Iterable[str]) -> list[Request]:
        """The requests with one of these statuses, oldest first."""
        rows = self._run(
            f"SELECT {REQUEST_COLUMNS} FROM requests WHERE {self._member('status', 1, 'text')} ORDER BY id",
            (self._many(sorted(set(statuses))),),
        )
        return [request_of(row) for row in rows]

    def request_events(self, request_id: int) -> list[Event]:
        """Every event of one request, oldest first."""
        self.request(request_id)
        return self._events("request_id = ?1", (request_id,))

    def insert_request(self, draft: Draft, *, requested_by: str, actor: Actor, at: str) -> Request:
        """Record a tutor's request and its `request` event."""
        actor = self._signed(actor)
        request_id = self._insert(
            "requests",
            {
                **asked(draft),
                "requested_by": requested_by,
                "recorded_by": actor.login,
                "recorded_login": actor.login,
                "recorded_for": actor.for_,
                "requested_at": at,
            },
        )
        self._log_request(request_id, "request", actor, at, None)
        return self.request(request_id)

    def _request_snapshot(self) -> str:
        """What an event records of a request, as one SQL expression (JSON text)."""
        return self.JSON_OBJECT.format(REQUEST_SNAPSHOT_FIELDS)

    def _log_request(self, request_id: int, action: str, actor: Actor, at: str, before: str | None) -> None:
        self._run(
            "INSERT INTO events (request_id, action, actor, login, actor_for, at, before, after) "
            f"SELECT id, ?1::text, ?2::text, ?2::text, ?3::text, ?4::text, ?5::text, {self._request_snapshot()} "
            "FROM requests WHERE id = ?6",
            (action, actor.login, actor.for_, at, before, request_id),
        )

    def _decide(self, request_id: int, status: str, actor: Actor, at: str, **fields: Any) -> None:
        """Close a waiting request; the caller holds the write lock and has seen it waiting."""
        assignments = "".join(f", {column} = ?{6 + n}" for n, column in enumerate(fields))
        cursor = self._run(
            "UPDATE requests SET status = ?1, decided_by = ?2, decided_login = ?2, decided_for = ?3, "
            f"decided_at = ?4{assignments} WHERE id = ?5 AND status = 'requested'",
            (status, actor.login, actor.for_, at, request_id, *fields.values()),
        )
        if cursor.rowcount != 1:
            raise RuntimeError(f"request R{request_id} was not waiting")

    def approve_request(
        self, request: Request, draft: Draft, *, actor: Actor, at: str, in_force_from: date
    ) -> Exemption:
        """Create the exemption a request asked for (perhaps with a new start), linked to it,
        and close the request as approved. One `approve` event records both."""
        actor = self._signed(actor)
        created = self.insert(draft, actor=actor, at=at, in_force_from=in_force_from, request_id=request.id)
        self._decide(request.id, APPROVED, actor, at, exemption_id=created.id)
        return created

    def reject_request(self, request: Request, reason: str, *, actor: Actor, at: str) -> None:
        """Close a request as rejected, with the reason, and its `reject` event."""
        actor = self._signed(actor)
        row = self._run(
            f"SELECT {self._request_snapshot()} FROM requests WHERE id = ?1", (request.id,)
        ).fetchone()
        self._decide(request.id, REJECTED, actor, at, decision_reason=reason)
        self._log_request(request.id, "reject", actor, at, str(row[0]))
