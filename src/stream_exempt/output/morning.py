"""`summary`: the office's morning view, for people (aligned columns, or blocks when narrow)
and for programs (json); each line with the `list` command that shows its exemptions."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from stream_exempt import dates, types
from stream_exempt.model import Summary
from stream_exempt.output.outcomes import Morning
from stream_exempt.output.registry import render
from stream_exempt.output.results import Document
from stream_exempt.output.widths import NARROWEST


def as_json(summary: Summary, statuses: Sequence[str]) -> dict[str, Any]:
    return {
        "date": summary.day.isoformat(),
        "by_type": [
            {"type": code, **counts, "total": sum(counts.values()), "command": summary.type_commands[code]}
            for code, counts in summary.by_type.items()
        ],
        "totals": {
            **{status: summary.total(status) for status in statuses},
            "total": sum(summary.total(status) for status in statuses),
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


def _text(summary: Summary, statuses: Sequence[str], width: int) -> list[tuple[str, str]]:
    """The morning view as (line, style) pairs: aligned columns when `width` allows, else one
    block per line of the summary; under each, the `list` command that shows its exemptions."""
    name_width = max(len(types.label(code)) for code in types.CODES) + 2
    wide = width >= name_width + 9 * (len(statuses) + 1)
    lines = [(f"Exemptions as of {dates.show(summary.day)}", "bold"), ("", "")]
    rows = [
        (types.label(code), counts, summary.type_commands[code]) for code, counts in summary.by_type.items()
    ]
    rows.append(("All types", {s: summary.total(s) for s in statuses}, summary.type_commands["all"]))
    if wide:
        heading = "".ljust(name_width) + "".join(s.capitalize().rjust(9) for s in (*statuses, "total"))
        lines.append((heading, "bold"))
    for name, counts, command in rows:
        numbers = [counts[s] for s in statuses]
        if wide:
            lines.append((name.ljust(name_width) + "".join(f"{n:>9,}" for n in (*numbers, sum(numbers))), ""))
        else:
            lines.append((f"{name}: {sum(numbers):,}", "bold"))
            lines.append(("  " + ", ".join(f"{s} {n:,}" for s, n in zip(statuses, numbers, strict=True)), ""))
        lines.append((f"    {command}", "dim"))
    lines += [("", ""), ("Soon and lately", "bold")]
    for line in summary.lines:
        what = line.what[0].upper() + line.what[1:]
        if wide:
            lines.append((what.ljust(name_width + 9 * len(statuses)) + f"{line.count:>9,}", ""))
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


def write(result: Morning) -> None:
    if result.fmt == "table":
        from stream_exempt.output.rich_table import console

        width = max(console().width, NARROWEST)
    else:
        width = 1000
    text = "\n".join(line for line, _ in _text(result.summary, result.statuses, width))
    render(Document(as_json(result.summary, result.statuses), text), result.fmt)
