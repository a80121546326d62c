"""The office's morning view: counts by type and status, and what needs doing soon.

Pure: handed the store's counts by type and status (each with how many fall in each window).
Each count is the number of rows of one `list` command, named with it, so that the summary and
`list` can never disagree (tests hold them together).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from stream_exempt import rules, types
from stream_exempt.dates import Duration, show
from stream_exempt.model import Summary, SummaryLine

PROGRAM = "stream-exempt"

# The windows of the morning view (SPEC 7, `summary`), with the `list` option that shows each.
IN_FORCE_SOON = Duration(2, "d")
STARTING_SOON = Duration(1, "w")
ENDING_SOON = Duration(2, "w")
DELETED_LATELY = Duration(1, "w")


def windows(day: date) -> dict[str, tuple[date, date]]:
    """The days each line of the morning view looks at, as of `day`."""
    return {
        "in_force": IN_FORCE_SOON.ahead(day),
        "starting": STARTING_SOON.ahead(day),
        "ending": ENDING_SOON.ahead(day),
        "ending_today": (day, day),  # part of `ending`, said apart (R4)
        "deleted": DELETED_LATELY.back(day),
    }


def summarise(
    counts: Iterable[tuple[str, str, int, Mapping[str, int]]],
    day: date,
    spans: Mapping[str, tuple[date, date]],
    *,
    on_given: bool,
) -> Summary:
    """The morning view from the store's counts by (type, status), each with its counts in
    `spans` (see `windows`); `on_given`: the commands carry `--on day`."""
    by_type = {code: dict.fromkeys(rules.STATUSES, 0) for code in types.CODES}
    in_window = dict.fromkeys(spans, 0)
    for type_code, status, count, within in counts:
        by_type[type_code][status] += count
        for key, n in within.items():
            in_window[key] += n or 0
    on = ("--on", day.isoformat()) if on_given else ()

    def command(*args: str) -> str:
        return " ".join((PROGRAM, "list", *args, *on))

    ending_today = in_window.get("ending_today", 0)
    locked = f"; the {ending_today} ending today can no longer change: R4" if ending_today else ""
    told = {
        "in_force": (
            f"coming into force by {show(spans['in_force'][1])}",
            "--in-force-within",
            IN_FORCE_SOON,
        ),
        "starting": (f"starting by {show(spans['starting'][1])}", "--starting-within", STARTING_SOON),
        "ending": (
            f"ending by {show(spans['ending'][1])} (extend before they lock{locked})",
            "--ending-within",
            ENDING_SOON,
        ),
        "deleted": (f"deleted since {show(spans['deleted'][0])}", "--deleted-within", DELETED_LATELY),
    }
    lines = [
        SummaryLine(
            key,
            what,
            in_window[key],
            *spans[key],
            command(option, str(length)),
            ending_today if key == "ending" else None,
        )
        for key, (what, option, length) in told.items()
    ]
    type_commands = {code: command("--type", code, "--status", "all") for code in types.CODES}
    type_commands["all"] = command("--status", "all")
    return Summary(day, by_type, type_commands, lines)
