"""The words of the request workflow: `request`, `approve` and `reject`."""

from __future__ import annotations

from stream_exempt import types
from stream_exempt.model import Request
from stream_exempt.output.outcomes import Approved, Rejected, Requested
from stream_exempt.output.said.add import added
from stream_exempt.output.said.common import card, days, notes, out


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
            ("dates", days(recorded.start, recorded.end)),
            ("asked by", recorded.requested_by),
        ]
        if recorded.reason:
            facts.append(("reason", recorded.reason))
        out(card(f"Recorded request {recorded.label}", facts))
    if result.refusal is not None:
        notes.warn(f"approved today, {recorded.label} would be refused: {result.refusal}")
    elif not result.quiet:
        notes.note(
            f"An officer approves it with `stream-exempt approve {recorded.label}` "
            f"or rejects it with `stream-exempt reject {recorded.label} --reason TEXT`."
        )


def rejected(result: Rejected) -> None:
    asked: Request = result.request
    out(f"Rejected request {asked.label} from {asked.requested_by}: {result.why}")
