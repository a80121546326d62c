"""The tables of records that commands show (`requests`, `batches`, `history`, `types`,
`config`): each record's machine fields and the columns people read, in one place."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import date, tzinfo
from typing import Any

from stream_exempt import dates, types
from stream_exempt.dates import show
from stream_exempt.model import Actor, BatchSummary, Event, Request
from stream_exempt.output.results import Table


def when(stamp: str, zone: tzinfo) -> str:
    """A timestamp in local time (in `zone`, the University's); one not as the tool writes it
    (typed in by hand) as it is."""
    try:
        return dates.local_time(stamp, zone)
    except (TypeError, ValueError):
        return str(stamp)


# -- requests ----------------------------------------------------------------------------------

REQUEST_FIELDS = (
    "id",
    "student_id",
    "type",
    "start",
    "end",
    "reason",
    "from",
    "recorded_by",
    "requested_at",
    "status",
    "decided_by",
    "decided_at",
    "decision_reason",
    "exemption_id",
    "recorded_for",
    "decided_for",
)
REQUEST_HEADINGS = (
    "Request",
    "Student",
    "Type",
    "Start",
    "End",
    "From",
    "Asked",
    "Status",
    "Decided by",
    "Exemption",
    "Reason",
)


# The request's fields that REQUEST_FIELDS names, in its order: all of them up to the logins.
_REQUEST_SHOWN = tuple(field.name for field in fields(Request))[: len(REQUEST_FIELDS)]


def request_record(request: Request) -> dict[str, Any]:
    """The machine-readable fields of one request: ISO dates and UTC times, type code. They
    are the request's own fields, in its order, up to the logins (REQUEST_FIELDS names them)."""
    record = {key: getattr(request, name) for key, name in zip(REQUEST_FIELDS, _REQUEST_SHOWN, strict=True)}
    record.update(id=request.label, start=request.start.isoformat(), end=request.end.isoformat())
    return record


def request_row(request: Request, zone: tzinfo) -> list[str]:
    decided = request.decider or ""
    if request.decided_at:
        decided += f" ({when(request.decided_at, zone)})"
    return [
        request.label,
        request.student_id,
        types.label(request.type),
        show(request.start),
        show(request.end),
        request.requested_by,
        when(request.requested_at, zone),
        request.status,
        decided,
        "" if request.exemption_id is None else str(request.exemption_id),
        request.reason or request.decision_reason or "",
    ]


def _of_records(
    fields: Sequence[str],
    headings: Sequence[str],
    found: Iterable[Any],
    record: Callable[[Any], dict[str, Any]],
    row: Callable[[Any], list[str]],
    empty: str,
) -> Table:
    """Items whose machine fields are `record(item)`'s values and whose columns are `row(item)`."""
    return Table(
        fields, headings, found, machine=lambda item: list(record(item).values()), human=row, empty=empty
    )


def requests(found: Iterable[Request], zone: tzinfo) -> Table:
    return _of_records(
        REQUEST_FIELDS,
        REQUEST_HEADINGS,
        found,
        request_record,
        lambda request: request_row(request, zone),
        "No requests match.",
    )


# -- batches -----------------------------------------------------------------------------------

BATCH_FIELDS = (
    "id",
    "created_at",
    "created_by",
    "source",
    "created",
    "live",
    "types",
    "start",
    "end",
    "created_for",
    "repeats",
)
BATCH_HEADINGS = ("Batch", "Imported", "By", "File", "Created", "Live", "Type", "Start", "End", "Repeats")


def _date(value: date | str | None, iso: bool) -> str | None:
    """A batch's one date (ISO or as people read it), "mixed", or nothing."""
    if isinstance(value, date):
        return value.isoformat() if iso else dates.show(value)
    return value


def batch_record(batch: BatchSummary) -> dict[str, Any]:
    """A batch for machines: its type codes as a list (an array in JSON, comma-separated in CSV),
    ISO dates or "mixed"."""
    return {
        "id": batch.id,
        "created_at": batch.created_at,
        "created_by": batch.created_by,
        "source": batch.source,
        "created": batch.created,
        "live": batch.live,
        "types": list(batch.types),
        "start": _date(batch.start, True),
        "end": _date(batch.end, True),
        "created_for": batch.created_for,
        "repeats": batch.repeats,
    }


def batch_row(batch: BatchSummary, zone: tzinfo) -> list[str]:
    """A batch as a table shows it: local time, type labels and `10 Jan 2027` dates."""
    return [
        str(batch.id),
        dates.local_time(batch.created_at, zone),
        str(Actor(batch.created_by, batch.created_for)),
        batch.source or "",
        f"{batch.created:,}",
        f"{batch.live:,}",
        ", ".join(types.label(code) for code in batch.types),
        _date(batch.start, False) or "",
        _date(batch.end, False) or "",
        batch.repeats or "",
    ]


def batches(found: Iterable[BatchSummary], zone: tzinfo) -> Table:
    empty = "No batches: `stream-exempt bulk FILE` imports one."
    return _of_records(
        BATCH_FIELDS, BATCH_HEADINGS, found, batch_record, lambda batch: batch_row(batch, zone), empty
    )


# -- history -----------------------------------------------------------------------------------

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


def change_text(event: Event, zone: tzinfo) -> str:
    """What an event did, in words: what was recorded, or each field before -> after (a day in
    `zone`, the University's). An event whose snapshots lack what its action records (typed into
    the database by hand) is shown as it is: its snapshots as recorded."""
    try:
        return _change_text(event, zone)
    except (KeyError, TypeError, ValueError, AttributeError):
        shown = [
            f"{name} {json.dumps(value, ensure_ascii=False, sort_keys=True)}"
            for name, value in (("before", event.before), ("after", event.after))
            if value is not None
        ]
        return f"{event.action} (not as the tool records it): " + ("; ".join(shown) or "nothing recorded")


def _change_text(event: Event, zone: tzinfo) -> str:
    after = event.after or {}
    if event.action == "request":
        return _asked(after)
    if event.action == "reject":
        return f"rejected R{event.request_id}: {after.get('decision_reason')}"
    if event.action == "approve":
        return f"approved R{event.request_id}: " + _change_text(
            Event(event.at, event.actor, "add", None, after), zone
        )
    if event.before is None:
        recorded = (
            f"recorded {types.label(after['type'])}, {_value('start', after['start'])} to "
            f"{_value('end', after['end'])}, in force from {_value('in_force_from', after['in_force_from'])}"
        )
        return recorded + (f", batch {after['batch']}" if after.get("batch") else "")
    if after.get("deleted_at") and not event.before.get("deleted_at"):
        # A deletion recorded before the store kept its day has the day of its event time.
        on = (
            date.fromisoformat(after["deleted_on"])
            if after.get("deleted_on")
            else dates.local_day(event.at, zone)
        )
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


def history(events: Iterable[Event], title: str, zone: tzinfo) -> Table:
    return Table(
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
        human=lambda e: (when(e.at, zone), e.who, e.action, change_text(e, zone)),
        title=title,
        empty="No events.",
    )


# -- types and settings ------------------------------------------------------------------------


def exemption_types() -> Table:
    return Table(
        ("code", "label", "meaning"),
        ("Code", "Label", "Meaning"),
        types.TYPES,
        machine=lambda t: (t.code, t.label, t.meaning),
        human=lambda t: (t.code, t.label, t.meaning),
    )


def settings(report: dict[str, Any], none: str) -> Table:
    """`config`'s settings and configuration files as rows; `none` says why there is no file."""
    rows = [
        [
            name.replace("_", " "),
            entry["value"],
            entry["source"] + (" (bad value)" if "problem" in entry else ""),
        ]
        for name, entry in report.items()
        if name != "config_files"
    ]
    rows += [
        ["config file", file["path"], file["layer"] + (" (bad)" if "problem" in file else "")]
        for file in report["config_files"]
    ]
    if not report["config_files"]:
        rows.append(["config file", "(none)", none])
    return Table(("setting", "value", "from"), ("Setting", "Value", "From"), rows, list, list)
