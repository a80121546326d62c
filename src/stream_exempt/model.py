"""The Exemption record and the draft of one not yet recorded; the request, the event, the
batch; and the answers the core gives (`check`'s verdict, `summary`'s morning view), defined
here once so that the core makes them and the output room reads them without restating them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, NamedTuple

# An exemption's statuses as of a day (`rules.status` decides which), in the order every output
# gives them; the live ones suppress notifications now or soon.
ACTIVE, PENDING, EXPIRED, DELETED = "active", "pending", "expired", "deleted"
STATUSES = (ACTIVE, PENDING, EXPIRED, DELETED)
LIVE = frozenset({ACTIVE, PENDING})


class Field(NamedTuple):
    """One field of the exemption record as the outputs name it."""

    name: str  # its machine name: the csv/tsv header and the JSON key
    heading: str | None = None  # its column in tables for people; None: machine formats only
    text: bool = False  # free text someone typed: csv/tsv look in it for a spreadsheet formula


# The exemption record in every output, defined once, in the order of the machine formats
# (SPEC: `list --format`); the table headings and the free-text columns follow from it.
RECORD = (
    Field("id", "ID"),
    Field("student_id", "Student", text=True),
    Field("type", "Type"),
    Field("start", "Start"),
    Field("end", "End"),
    Field("status", "Status"),
    Field("in_force_from", "In force"),
    Field("batch", "Batch"),
    Field("reason", "Reason", text=True),
    Field("created_by", text=True),
    Field("created_at"),
    # contract v3: the last two at the end, so that existing readers keep working
    Field("deleted_on"),
    Field("created_for", text=True),
)
FIELDS = tuple(each.name for each in RECORD)
HEADINGS = tuple(each.heading for each in RECORD if each.heading is not None)


class Actor(NamedTuple):
    """Who records a change (SPEC 7, The actor): the login that ran the command, read from the
    operating system, and the person it was done for (`--as`), if any, beside it."""

    login: str
    for_: str | None = None

    def __str__(self) -> str:
        """`alice`, or `alice for Dr Smith`."""
        return self.login if self.for_ is None else f"{self.login} for {self.for_}"


# How an event, exemption or request recorded before the store kept logins (migration
# 0005_actor) names its actor: the name recorded then (`--as`, else the login), which cannot
# now be told apart.
BEFORE_LOGINS = "recorded before logins were kept"


def describe_actor(login: str | None, name: str, for_: str | None) -> str:
    """Who recorded something, as people read it: `alice`, `alice for Dr Smith`, or, where the
    login was not kept (recorded before 0005_actor), the name recorded then, said to be so."""
    if login is None:
        return f"{name} ({BEFORE_LOGINS})"
    return str(Actor(login, for_))


class Draft(NamedTuple):
    """An exemption as asked for, before the rules and the store have seen it."""

    student_id: str
    type: str
    start: date
    end: date
    reason: str | None = None


class Terms(NamedTuple):
    """What a new exemption asks for besides the student: in a bulk import, usually the same
    for the whole cohort."""

    type: str
    start: date
    end: date
    reason: str | None


# Only the fields: each record below makes its own `__init__`, `__repr__` and `__eq__`.
@dataclass(frozen=True, slots=True, init=False, repr=False, eq=False)
class Recorded:
    """What an exemption and a tutor's request for one both record: a number, the student, and
    the type, dates and reason asked for (in that order, first in each)."""

    id: int
    student_id: str
    type: str
    start: date
    end: date
    reason: str | None


@dataclass(frozen=True, slots=True)
class Exemption(Recorded):
    """One recorded exemption. Its status depends on the day asked about (see `rules.status`)."""

    batch: int | None
    created_by: str
    created_at: str
    in_force_from: date
    # The calendar day (in the University's zone) it was deleted on; None while it is not.
    # R5b: it covers nothing after that day; that day and the days before keep their answer.
    deleted_on: date | None = None
    # Who it was recorded for (`--as`); `created_by` is the login that recorded it.
    created_for: str | None = None

    @property
    def deleted(self) -> bool:
        """Whether it has been deleted (on any day; `rules.status` says what that means for a day)."""
        return self.deleted_on is not None

    def covers(self, day: date) -> bool:
        """Whether `day` lies in the inclusive date range."""
        return self.start <= day <= self.end

    def with_dates(self, start: date, end: date, in_force_from: date) -> Exemption:
        """The same exemption with other dates, as `extend` and `move` make it.

        `dataclasses.replace` does the same at five times the cost, which a batch change of
        20,000 members notices. Every field is passed on (pinned by a test in test_model.py).
        """
        return exemption_of(
            self.id,
            self.student_id,
            self.type,
            start,
            end,
            self.reason,
            self.batch,
            self.created_by,
            self.created_at,
            in_force_from,
            self.deleted_on,
            self.created_for,
        )


def _slot_setters() -> tuple[Callable[[Exemption, Any], None], ...]:
    return tuple(getattr(Exemption, field.name).__set__ for field in fields(Exemption))


# How `exemption_of` sets each field: in the order of the fields, so that a field added to
# Exemption and not here fails on import.
(
    _set_id,
    _set_student_id,
    _set_type,
    _set_start,
    _set_end,
    _set_reason,
    _set_batch,
    _set_created_by,
    _set_created_at,
    _set_in_force_from,
    _set_deleted_on,
    _set_created_for,
) = _slot_setters()
_new = object.__new__


def exemption_of(
    id: int,
    student_id: str,
    type: str,
    start: date,
    end: date,
    reason: str | None,
    batch: int | None,
    created_by: str,
    created_at: str,
    in_force_from: date,
    deleted_on: date | None = None,
    created_for: str | None = None,
) -> Exemption:
    """`Exemption(...)` with every field given in order, at a bit over half the cost.

    The frozen dataclass's `__init__` sets each field with `object.__setattr__`, which looks
    the slot up again every time; this sets each slot through its own descriptor, once looked
    up. Reading a batch of 20,000 and working out its change builds 40,000 exemptions.
    """
    made: Exemption = _new(Exemption)
    _set_id(made, id)
    _set_student_id(made, student_id)
    _set_type(made, type)
    _set_start(made, start)
    _set_end(made, end)
    _set_reason(made, reason)
    _set_batch(made, batch)
    _set_created_by(made, created_by)
    _set_created_at(made, created_at)
    _set_in_force_from(made, in_force_from)
    _set_deleted_on(made, deleted_on)
    _set_created_for(made, created_for)
    return made


class Event(NamedTuple):
    """One recorded change of one exemption: the values before (None when created) and after.
    (A NamedTuple, as `BatchSummary`: cheaper to define than a dataclass, and only some commands
    read events, while every command imports this module.)"""

    at: str
    actor: str  # the login; for an event recorded before logins were kept, the name recorded then
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: int | None = None  # the tutor's request it belongs to, if any
    login: str | None = None  # None: recorded before logins were kept (0005_actor)
    actor_for: str | None = None  # who it was done for (`--as`)

    @property
    def who(self) -> str:
        """`alice`, `alice for Dr Smith`, or `alice (recorded before logins were kept)`."""
        return describe_actor(self.login, self.actor, self.actor_for)


REQUESTED, APPROVED, REJECTED = "requested", "approved", "rejected"
REQUEST_STATUSES = (REQUESTED, APPROVED, REJECTED)


@dataclass(frozen=True, slots=True)
class Request(Recorded):
    """A personal tutor's request for an exemption, waiting for (or past) an officer's decision."""

    requested_by: str  # the tutor who asked (`--from`)
    recorded_by: str  # the login that typed it in (before 0005_actor: `--as`, else the login)
    requested_at: str
    status: str  # REQUESTED, APPROVED or REJECTED
    decided_by: str | None = None  # the login that approved or rejected it
    decided_at: str | None = None
    decision_reason: str | None = None
    exemption_id: int | None = None
    recorded_for: str | None = None  # `--as` of `request`
    decided_for: str | None = None  # `--as` of `approve` or `reject`
    # The logins, as the operating system gave them; None where they were recorded before the
    # store kept logins (0005_actor): then `recorded_by`, `decided_by` are the names recorded.
    recorded_login: str | None = None
    decided_login: str | None = None

    @property
    def decider(self) -> str | None:
        """Who approved or rejected it, as people read it; None while it waits."""
        if self.decided_by is None:
            return None
        return describe_actor(self.decided_login, self.decided_by, self.decided_for)

    @property
    def label(self) -> str:
        """`R12`: how people name a request."""
        return f"R{self.id}"


class BatchSummary(NamedTuple):
    """One bulk batch: where it came from, how many it created and how many of those are live."""

    id: int
    created_at: str
    created_by: str
    source: str | None
    created: int
    live: int  # not deleted and not ended, today
    types: tuple[str, ...]
    start: date | str | None  # the members' one start, "mixed", or None when it has none
    end: date | str | None
    created_for: str | None = None  # `--as` of the import; `created_by` is the login
    repeats: str | None = None  # a series: `every 1w x 10`; None for an import


class Verdict(NamedTuple):
    """Whether a student's notifications on a day are suppressed, and why (`rules.verdict`). (A
    NamedTuple: cheaper to define than a dataclass, and `check`, run by cron, makes one per run.)"""

    student_id: str
    day: date
    suppressed: bool
    exemption: Exemption | None
    why: str


@dataclass(frozen=True)
class SummaryLine:
    """One count of the morning view, the days it looks at, and the `list` command that shows it."""

    key: str
    what: str
    count: int
    first: date
    last: date
    command: str
    # Of the `ending` line: how many end on the day itself. In force that day, they can no
    # longer change (R4: the end is not after today), so the line does not advise extending them.
    ending_today: int | None = None


@dataclass(frozen=True)
class Summary:
    """The morning view (`summary.summarise`): counts by type and status, and its lines."""

    day: date
    # type code -> status -> count, every type and every status present (zero when none).
    by_type: dict[str, dict[str, int]]
    # type code (and "all") -> the `list` command that shows that line's exemptions.
    type_commands: dict[str, str]
    lines: list[SummaryLine]

    def total(self, status: str) -> int:
        return sum(counts[status] for counts in self.by_type.values())
