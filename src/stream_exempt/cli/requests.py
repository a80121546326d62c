"""Tutors' requests: `request` records one, `requests` lists them, `approve` and `reject` close one.

Personal tutors ask; support staff apply. A request is checked only for R1 and R2 when it is
recorded; every other rule is applied on the day it is approved, in the same transaction that
creates the exemption and marks the request approved.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, tzinfo
from typing import Annotated

import typer

from stream_exempt import dates, rules, validate
from stream_exempt.cli.add import draft_from_options
from stream_exempt.cli.options import (
    ActorOption,
    EndOption,
    ForOption,
    ReasonOption,
    StartOption,
    StudentArgument,
    TableFormatOption,
    TypeOption,
    value_option,
)
from stream_exempt.cli.session import Session, actor
from stream_exempt.errors import Refused, printable
from stream_exempt.model import APPROVED, REQUEST_STATUSES, REQUESTED, Exemption, Request
from stream_exempt.output import tables
from stream_exempt.output.outcomes import Added, Approved, Rejected, Requested, Shown
from stream_exempt.store import StoreProtocol

RequestArgument = Annotated[
    str, typer.Argument(metavar="REQ", help="The request, e.g. R12.", show_default=False)
]


def request(
    ctx: typer.Context,
    student_id: StudentArgument,
    type_: TypeOption,
    start: StartOption,
    from_: Annotated[
        str, typer.Option("--from", metavar="NAME", help="The personal tutor who asks.", show_default=False)
    ],
    end: EndOption = None,
    for_: ForOption = None,
    reason: ReasonOption = None,
    as_: ActorOption = None,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the request's number (R1)."),
) -> Requested:
    """Record a personal tutor's request for an exemption, for an officer to approve or reject.

    Only the type (R1) and the order of the dates (R2) are checked now; the other rules are
    applied on the day it is approved.

    Example: stream-exempt request 201234567 --type placement --start 10/01/2027 --for 2w --from "Dr Jones"
    """
    session: Session = ctx.obj
    today = session.today()
    draft = draft_from_options(student_id, type_, start, end, for_, reason, today)
    tutor = validate.name(from_)
    who = actor(as_)
    rules.check_order(draft.start, draft.end)  # R2 (R1: parse_type)
    store = session.store_for_writing()
    with store.writing():
        recorded = store.insert_request(draft, requested_by=tutor, actor=who, at=dates.now_utc())
        session.committed(
            f"request {recorded.label} for student {recorded.student_id} from {recorded.requested_by}",
            "Do not run it again; `stream-exempt requests` shows it",
        )
    refusal = _approval_refused(recorded, today, store.of_student(recorded.student_id))
    return Requested(recorded, refusal, quiet)


def _approval_refused(recorded: Request, today: date, others: list[Exemption]) -> str | None:
    """Why approving a request just recorded would be refused today, with what to do instead
    (a start that has passed needs `approve --start`, and the refusal names one that would do),
    or None: so that the advice printed after `request` succeeds when followed at once."""
    try:
        rules.approval_draft(recorded, None, today, others)
    except Refused as refusal:
        return refusal.message
    return None


def parse_request_statuses(value: str) -> tuple[str, ...]:
    word = value.strip().lower()
    if word == "all":
        return REQUEST_STATUSES
    if word in REQUEST_STATUSES:
        return (word,)
    raise Refused(f"{printable(value)} is not a request status; use {', '.join(REQUEST_STATUSES)} or all.")


def requests(
    ctx: typer.Context,
    status: Annotated[
        str, value_option("--status", "STATUS", "requested (waiting), approved, rejected or all.")
    ] = REQUESTED,
    fmt: TableFormatOption = "table",
) -> Shown:
    """List tutors' requests: by default the ones waiting for a decision, oldest first.

    Example: stream-exempt requests --status all --format csv
    """
    session: Session = ctx.obj
    statuses = parse_request_statuses(status)
    return Shown(tables.requests(session.store().requests(statuses), session.zone), fmt)


@contextmanager
def _deciding(session: Session, number: int) -> Iterator[tuple[StoreProtocol, Request]]:
    """The store and request `number`, still waiting, under the write lock: refused first for a
    user who may not decide requests (exit 4), then for an unknown request (3) or one decided
    already (2)."""
    store = session.store()
    store.check_may_decide()
    with store.writing():
        asked = store.request(number)
        _refuse_decided(asked, session.zone)
        yield store, asked


def _refuse_decided(request: Request, zone: tzinfo) -> None:
    """A request is approved or rejected once: name who decided it, when, and how."""
    if request.status == REQUESTED:
        return
    when = tables.when(request.decided_at, zone) if request.decided_at else "an unknown time"
    if request.status == APPROVED:
        raise Refused(
            f"request {request.label} was already approved by {request.decider} on {when}, as "
            f"exemption {request.exemption_id}; `stream-exempt history {request.exemption_id}` shows it."
        )
    raise Refused(
        f"request {request.label} was already rejected by {request.decider} on {when} "
        f"({request.decision_reason}); a request is decided once, so ask for a new one."
    )


def _refuse_unknown_student(request: Request) -> None:
    """R1 again on approval: a request typed into the database by hand may name no student."""
    try:
        valid = validate.student_id(request.student_id, validate.id_pattern()) == request.student_id
        why = "it is not written as the tool writes one"
    except Refused as refusal:
        valid, why = False, refusal.message.rstrip(".")
    if not valid:
        raise Refused(
            f"request {request.label} cannot be approved: its student ID is not valid ({why}); reject it "
            f"with `stream-exempt reject {request.label} --reason TEXT`."
        )


def approve(
    ctx: typer.Context,
    request_id: RequestArgument,
    start: Annotated[
        str | None,
        value_option("--start -s", "DATE", "Start on this day instead (when the asked start has passed)."),
    ] = None,
    as_: ActorOption = None,
) -> Approved:
    """Approve a tutor's request: create its exemption, with every rule applied as of today.

    Example: stream-exempt approve R12
    """
    session: Session = ctx.obj
    today = session.today()
    number = validate.request_id(request_id)
    new_start = dates.parse_date(start, today) if start is not None else None
    who = actor(as_)
    with _deciding(session, number) as (store, asked):
        _refuse_unknown_student(asked)
        draft = rules.approval_draft(asked, new_start, today, store.of_student(asked.student_id))
        created = store.approve_request(
            asked, draft, actor=who, at=dates.now_utc(), in_force_from=rules.in_force_from(today)
        )
        session.committed(
            f"request {asked.label} approved as exemption {created.id} for student {created.student_id}"
        )
    late = rules.late_warning(created.start, created.in_force_from)
    return Approved(asked, Added(created, rules.status(created, today), late))


def reject(
    ctx: typer.Context,
    request_id: RequestArgument,
    reason: Annotated[
        str,
        value_option("--reason -r", "TEXT", "Why it is rejected (told to the tutor).", show_default=False),
    ],
    as_: ActorOption = None,
) -> Rejected:
    """Reject a tutor's request, with the reason; it is closed and creates nothing.

    Example: stream-exempt reject R12 --reason "No placement on record"
    """
    session: Session = ctx.obj
    number = validate.request_id(request_id)
    why = validate.reason(reason)
    if why is None:
        raise Refused("give the reason for rejecting it with --reason; the tutor will want to know.")
    who = actor(as_)
    with _deciding(session, number) as (store, asked):
        store.reject_request(asked, why, actor=who, at=dates.now_utc())
        session.committed(
            f"request {asked.label} rejected",
            "Do not run it again; `stream-exempt requests --status all` shows it",
        )
    return Rejected(asked, why)
