"""What each command found or did, as it hands it back: plain values, no text for people.

A command returns one of these (or a `Table` / `Document` in a format, `Shown`); the command
line gives it to `registry.render_result`, which writes it: the words are `said/`'s, the
formats the registry's. Warnings owed by the rules (R6's "notifications may still trigger")
come as the rules word them, and so does anything else of the core's that is said (an
exemption described, the statuses in their order, the roles' names): the output imports
nothing but the vocabulary (`model`, `dates`, `errors`, `types`). The views the core builds
(`summary`'s morning view, `check`'s verdict) are the model's (`Summary`, `Verdict`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from stream_exempt.errors import StreamExemptError
from stream_exempt.model import Exemption, Request, Summary, Terms
from stream_exempt.output.results import Shown as Shown  # defined there: see its docstring

if TYPE_CHECKING:
    from stream_exempt.output.feed import FeedAnswer


@dataclass
class Morning:
    """`summary`: the morning view, in `fmt` (table or json), its statuses in the rules' order."""

    summary: Summary
    fmt: str
    statuses: Sequence[str]


@dataclass
class Ids:
    """Ids, one a line (`list --ids`, `add --every -q`), streamed."""

    ids: Iterable[object]


@dataclass
class Added:
    """`add`: the exemption recorded, its status today, and R6's warning if it starts early."""

    exemption: Exemption
    status: str
    late: str | None
    quiet: bool = False


@dataclass
class Approved:
    """`approve`: the request and the exemption made of it."""

    request: Request
    added: Added


@dataclass
class Requested:
    """`request`: the request recorded, and why approving it today would be refused (or None)."""

    request: Request
    refusal: str | None
    quiet: bool = False


@dataclass
class Rejected:
    request: Request
    why: str


@dataclass
class Edited:
    """`edit`: an exemption's reason before and after (the same: nothing to change)."""

    number: int
    student_id: str
    before: str | None
    after: str | None


@dataclass
class Changed:
    """`extend` or `move`: each change (before, after, R6's warning), the targets already as
    asked, and how many batch members were left alone (ended or deleted)."""

    changes: list[tuple[Exemption, Exemption, str | None]]
    unchanged: list[Exemption]
    left: int
    verb: str  # `extended`, `moved`
    batch: str | None
    kind: str  # what "already as asked" means: `ends`, `starts` or `runs`


@dataclass
class Deleted:
    """`delete`: the exemptions deleted (each with the words `rules.describe` gives it), and
    for a batch how many were left alone; or `nothing` to delete in the batch (`since`:
    `--from`'s day)."""

    deleted: list[tuple[Exemption, str]]
    batch: str | None
    left: int = 0
    nothing: bool = False
    since: date | None = None


@dataclass
class Imported:
    """`bulk`: what was created (or would be, dry run), what was not and why, in a batch."""

    created: int
    already: int
    deleted: list[tuple[int, str, int]]  # line, student, the deleted exemption's id
    batch: int | None
    dry_run: bool
    ranges: list[str]  # each distinct start and end, as read, with how many students
    ranges_shown: int
    repeats: list[tuple[int, str, int]]  # line, student, first line
    reason_differs: int
    late: int  # R6: how many created start before they are in force
    still_triggering: str  # and R6's warning for them, as the rules word it
    series: str | None = None  # `A series for each student: ...`
    no_store: str | None = None  # where the store would be, for a dry run without one


@dataclass
class SeriesAdded:
    """`add --every`: each occurrence with what became of it, in one batch."""

    # Each occurrence: its terms, and what became of it: `created` (with its exemption's id),
    # `would be created`, `already recorded`, or `deleted` (with the deleted exemption's id).
    occurrences: list[tuple[Terms, str, int | None]]
    created: int
    already: int
    deleted: list[tuple[int, str, int]]
    batch: int | None
    dry_run: bool
    spans: str
    late: int  # R6: how many created start before they are in force
    still_triggering: str  # and R6's warning for them, as the rules word it
    member_ids: list[int] = field(default_factory=list)
    quiet: bool = False


@dataclass
class Health:
    """`doctor`: the report (for json, and in lines for people), the warnings after it, the
    verdict as an exit code, and the error still owed once it is shown (a damaged store)."""

    report: dict[str, Any]
    fmt: str
    warnings: Sequence[str] = ()
    exit_code: int = 0
    error: StreamExemptError | None = None


@dataclass
class Initialised:
    """`init`: the store made or found ready, and what it says about it."""

    where: str  # the store's path, or the PostgreSQL database's URL without its password
    created: bool
    database: bool = False
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: Sequence[str] = ()
    roles: list[str] | None = None  # the roles `--roles` created (an empty list: all there)
    officer: str = ""  # the names of the office's two roles, which `--roles` grants
    tutor: str = ""


@dataclass
class CopiedStore:
    """`copy-store`: the counts copied and checked, and whether the target was made."""

    source: str
    target: str
    tables: str  # `12 exemptions, 30 events, 1 batch and 0 requests`
    migrations: int
    statuses: dict[str, int]
    created: bool
    database: bool


@dataclass
class FeedChecked:
    """`check --file`: the answer waiting in its spool; exit 2 when a row was bad."""

    answer: FeedAnswer
    bad: int

    @property
    def exit_code(self) -> int:
        return 2 if self.bad else 0


@dataclass
class Picture:
    """`timeline`: a Rich renderable, on the terminal (`width` wide) or as a document to `to`
    (a path, or `-` for standard output)."""

    picture: Any
    width: int
    title: str
    to: str | None = None
    kind: str = "svg"
