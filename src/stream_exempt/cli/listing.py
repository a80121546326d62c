"""`list`: the exemptions, filtered, as of a day, in any output format."""

from enum import StrEnum
from typing import Annotated

import typer

from stream_exempt import dates, output, rules, types, validate
from stream_exempt.cli.options import OnOption
from stream_exempt.cli.session import Session
from stream_exempt.errors import Refused


class ListFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    plain = "plain"


def parse_statuses(values: list[str] | None) -> frozenset[str]:
    """`--status` values, repeated or comma-separated; `all` means every status."""
    if not values:
        return rules.LIVE
    wanted: set[str] = set()
    for value in values:
        for word in value.split(","):
            word = word.strip().lower()
            if word == "all":
                wanted.update(rules.STATUSES)
            elif word in rules.STATUSES:
                wanted.add(word)
            elif word:
                raise Refused(f"{word!r} is not a status; use {', '.join(rules.STATUSES)} or all.")
    return frozenset(wanted) or rules.LIVE


def list_(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="active, pending, expired, deleted or all; repeat or comma-separate.",
        ),
    ] = None,
    student: Annotated[
        str | None, typer.Option("--student", metavar="STUDENT_ID", help="Only this student.")
    ] = None,
    type_: Annotated[str | None, typer.Option("--type", "-t", metavar="TYPE", help="Only this type.")] = None,
    batch: Annotated[
        str | None,
        typer.Option("--batch", "-b", metavar="BATCH", help="Only the members of this bulk batch."),
    ] = None,
    on: OnOption = None,
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
    ] = ListFormat.table,
    ids: Annotated[bool, typer.Option("--ids", help="Print only the ids, one a line.")] = False,
) -> None:
    """List exemptions: by default the live ones (active and pending) as of today.

    Example: stream-exempt list --status all --format csv > exemptions.csv
    """
    session: Session = ctx.obj
    today = dates.today()
    day = dates.parse_date(on, today) if on is not None else today
    statuses = parse_statuses(status)
    student_id = validate.student_id(student, validate.id_pattern()) if student is not None else None
    type_code = types.parse_type(type_) if type_ is not None else None
    batch_number = validate.batch_id(batch) if batch is not None else None
    store = session.store()
    if batch_number is not None:
        store.require_batch(batch_number)
    found = store.select(student_id=student_id, type_code=type_code, batch=batch_number)
    rows = [(e, s) for e in found if (s := rules.status(e, day)) in statuses]
    if ids:
        for exemption, _ in rows:
            print(exemption.id)
    else:
        output.write_exemptions(rows, fmt.value)
