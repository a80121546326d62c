"""`summary`: the office's morning view, each line with the `list` command that shows it."""

import textwrap
from typing import Annotated, Any

import typer

from stream_exempt import dates, output, rules, types
from stream_exempt.cli.options import OnOption, SummaryFormat, format_option
from stream_exempt.cli.session import Session
from stream_exempt.summary import Summary, summarise, windows


def as_json(summary: Summary) -> dict[str, Any]:
    return {
        "date": summary.day.isoformat(),
        "by_type": [
            {"type": code, **counts, "total": sum(counts.values()), "command": summary.type_commands[code]}
            for code, counts in summary.by_type.items()
        ],
        "totals": {
            **{status: summary.total(status) for status in rules.STATUSES},
            "total": sum(summary.total(status) for status in rules.STATUSES),
            "command": summary.type_commands["all"],
        },
        **{
            line.key: {
                "count": line.count,
                "from": line.first.isoformat(),
                "to": line.last.isoformat(),
                "command": line.command,
                **({} if line.ending_today is None else {"ending_today": line.ending_today}),
            }
            for line in summary.lines
        },
    }


def _text(summary: Summary, width: int) -> list[tuple[str, str]]:
    """The morning view as (line, style) pairs: aligned columns when `width` allows, else one
    block per line of the summary; under each, the `list` command that shows its exemptions."""
    name_width = max(len(types.label(code)) for code in types.CODES) + 2
    wide = width >= name_width + 9 * (len(rules.STATUSES) + 1)
    lines = [(f"Exemptions as of {dates.show(summary.day)}", "bold"), ("", "")]
    rows = [
        (types.label(code), counts, summary.type_commands[code]) for code, counts in summary.by_type.items()
    ]
    rows.append(("All types", {s: summary.total(s) for s in rules.STATUSES}, summary.type_commands["all"]))
    if wide:
        heading = "".ljust(name_width) + "".join(s.capitalize().rjust(9) for s in (*rules.STATUSES, "total"))
        lines.append((heading, "bold"))
    for name, counts, command in rows:
        numbers = [counts[s] for s in rules.STATUSES]
        if wide:
            lines.append((name.ljust(name_width) + "".join(f"{n:>9,}" for n in (*numbers, sum(numbers))), ""))
        else:
            lines.append((f"{name}: {sum(numbers):,}", "bold"))
            lines.append(
                ("  " + ", ".join(f"{s} {n:,}" for s, n in zip(rules.STATUSES, numbers, strict=True)), "")
            )
        lines.append((f"    {command}", "dim"))
    lines += [("", ""), ("Soon and lately", "bold")]
    for line in summary.lines:
        what = line.what[0].upper() + line.what[1:]
        if wide:
            lines.append((what.ljust(name_width + 9 * len(rules.STATUSES)) + f"{line.count:>9,}", ""))
        else:
            lines.append((f"{what}: {line.count:,}", ""))
        lines.append((f"    {line.command}", "dim"))
    if wide:
        return lines
    # Narrow: each line wrapped at spaces, its continuation indented under its first words.
    return [
        (wrapped, style)
        for text, style in lines
        for wrapped in (
            textwrap.wrap(
                text,
                width,
                subsequent_indent=" " * (len(text) - len(text.lstrip()) + 2),
                break_on_hyphens=False,
                break_long_words=False,
            )
            or [""]
        )
    ]


def summary(
    ctx: typer.Context,
    on: OnOption = None,
    fmt: Annotated[SummaryFormat, format_option("table for people, json for programs.")] = "table",
) -> None:
    """The office's morning view: exemptions by type and status, those coming into force in
    the next two days, starting within a week, ending within two weeks (extend them before
    they lock), and deleted in the last week. Each line names the `list` command that shows it.
    With --on a day that has passed, the store as it stood at the end of that day.

    Example: stream-exempt summary
    """
    session: Session = ctx.obj
    today = dates.today()
    day = dates.parse_date(on, today) if on is not None else today
    spans = windows(day)
    # A day that has passed is shown as the store stood at its end (SPEC 7); today or later, as it is.
    stood_at = dates.end_of_day(day) if day < today else None
    counts = session.store().summary_counts(day, spans, stood_at=stood_at)
    found = summarise(counts, day, spans, on_given=on is not None)
    width = output.console().width if fmt == "table" else 1000
    text = "\n".join(line for line, _ in _text(found, width))
    output.render(output.Document(as_json(found), text), fmt)
