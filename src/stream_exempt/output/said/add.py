"""The words of `add`: the exemption recorded, as a card (or its id alone, `-q`)."""

from __future__ import annotations

from stream_exempt import types
from stream_exempt.dates import show
from stream_exempt.model import Exemption
from stream_exempt.output.outcomes import Added
from stream_exempt.output.said.common import card, days, notes, out


def describe_created(exemption: Exemption, status: str) -> str:
    """The few lines `add` (and `approve`) show for the exemption recorded."""
    facts = [
        ("student", exemption.student_id),
        ("type", types.label(exemption.type)),
        ("dates", days(exemption.start, exemption.end)),
        ("in force from", show(exemption.in_force_from)),
        ("status", status),
    ]
    if exemption.reason:
        facts.append(("reason", exemption.reason))
    return card(f"Added exemption {exemption.id}", facts)


def added(result: Added) -> None:
    out(str(result.exemption.id) if result.quiet else describe_created(result.exemption, result.status))
    if result.late:
        notes.warn(result.late + ".")
