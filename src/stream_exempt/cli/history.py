"""`history`: every recorded change of one exemption, oldest first."""

import json
from datetime import date
from typing import Annotated, Any

import typer

from stream_exempt import dates, output, types, validate
from stream_exempt.cli.options import TableFormatOption
from stream_exempt.cli.session import Session
from stream_exempt.model import Event

# The fields an event may change, in the order they are told, with how people read them.
_TOLD = (
    ("type", "type"),
    ("start", "start"),
    ("end", "end"),
    ("in_force_from", "in force from"),
    ("reason", "reason"),
)


def _value(key: str, value: Any) -> str:
    if value is None:
        return "(none)"
    if key in ("start", "end", "in_force_from"):
        return dates.show(date.fromisoformat(value))
    if key == "type":
        return types.label(value)
    return str(value)


def _asked(after: dict[str, Any]) -> str:
    text = (
        f"{after['request']} asked by {after['from']}: {types.label(after['type'])}, "
        f"{_value('start', after['start'])} to {_value('end', after['end'])}"
    )
    return text + (f" ({after['reason']})" if after.get("reason") else "")


def change_text(event: Event) -> str:
    """What an event did, in words: what was recorded, or each field before -> after. An event
    whose snapshots lack what its action records (typed into the database by hand) is shown as
    it is: its snapshots as recorded."""
    try:
        return _change_text(event)
    except (KeyError, TypeError, ValueError, AttributeError):
        shown = [
            f"{name} {json.dumps(value, ensure_ascii=False, sort_keys=True)}"
            for name, value in (("before", event.before), ("after", event.after))
            if value is not None
        ]
        return f"{event.action} (not as the tool records it): " + ("; ".join(shown) or "nothing recorded")


def _when(stamp: str) -> str:
    """When, in local time; a time not as the tool writes it (typed in by hand) as it is."""
    try:
        return dates.local_time(stamp)
    except (TypeError, ValueError):
        return str(stamp)


def _change_text(event: Event) -> str:
    after = event.after or {}
    if event.action == "request":
        return _asked(after)
    if event.action == "reject":
        return f"rejected R{event.request_id}: {after.get('decision_reason')}"
    if event.action == "approve":
        return f"approved R{event.request_id}: " + _change_text(
            Event(event.at, event.actor, "add", None, after)
        )
    if event.before is None:
        recorded = (
            f"recorded {types.label(after['type'])}, {_value('start', after['start'])} to "
            f"{_value('end', after['end'])}, in force from {_value('in_force_from', after['in_force_from'])}"
        )
        return recorded + (f", batch {after['batch']}" if after.get("batch") else "")
    if after.get("deleted_at") and not event.before.get("deleted_at"):
        # A deletion recorded before the store kept its day has the day of its event time.
        on = date.fromisoformat(after["deleted_on"]) if after.get("deleted_on") else dates.local_day(event.at)
        if on < date.fromisoformat(event.before["start"]):
            return f"deleted on {dates.show(on)}, before it started: it covers no day"
        return (
            f"deleted on {dates.show(on)}: suppresses nothing after that day; "
            "that day and the days before keep their answer"
        )
    changed = [
        f"{label} {_value(key, event.before.get(key))} -> {_value(key, after.get(key))}"
        for key, label in _TOLD
        if event.before.get(key) != after.get(key)
    ]
    return "; ".join(changed) or "no change"


def history(
    ctx: typer.Context,
    exemption_id: Annotated[
        str,
        typer.Argument(metavar="ID", help="The exemption's id, or a request's (R12).", show_default=False),
    ],
    fmt: TableFormatOption = "table",
) -> None:
    """Show every change of one exemption (or request), oldest first: when, who, what, before -> after.

    Who is the login that made the change, and who it was for when `--as` was given
    (`alice for Dr Smith`).

    For an exemption approved from a tutor's request, the request comes first: who asked, and when.

    Example: stream-exempt history 12
    """
    session: Session = ctx.obj
    request = exemption_id.strip()[:1] in ("R", "r")
    # The value typed first, then the store (SPEC 10).
    wanted = validate.request_id(exemption_id) if request else validate.exemption_id(exemption_id)
    store = session.store()
    events = store.request_events(wanted) if request else store.events(wanted)
    title = f"{'Request' if request else 'Exemption'} {exemption_id.strip()}"
    output.render(
        output.Table(
            ("at", "actor", "action", "request", "before", "after", "actor_for", "login"),
            ("When", "Who", "Action", "Change"),
            events,
            machine=lambda e: (
                e.at,
                e.actor,
                e.action,
                None if e.request_id is None else f"R{e.request_id}",
                e.before,
                e.after,
                e.actor_for,
                e.login,
            ),
            human=lambda e: (_when(e.at), e.who, e.action, change_text(e)),
            title=title,
            empty="No events.",
        ),
        fmt,
    )
