"""The words about the store itself: `init`, `doctor` and `copy-store`."""

from __future__ import annotations

import sys
from typing import Any

from stream_exempt.errors import escaped
from stream_exempt.output.outcomes import CopiedStore, Health, Initialised
from stream_exempt.output.results import Document
from stream_exempt.output.said.common import notes, out
from stream_exempt.output.widths import NARROWEST


def health_text(report: dict[str, Any], width: int | None = None) -> str:
    """`doctor`'s report for people: a fact a line, the verdict last; on a screen `width`
    columns wide, a longer fact wrapped at spaces under its own first word."""
    facts = [
        ("store", escaped(report["store"])),  # a path from outside: one line, whatever it holds
        ("schema", f"version {report['schema_version']} (this program knows {report['schema_known']})"),
        # The store counts every status, in the rules' order (as the json shows them).
        ("exemptions", ", ".join(f"{count:,} {status}" for status, count in report["counts"].items())),
    ]
    if "server_version" in report:  # PostgreSQL: the server's own facts
        held = "R7 held by the database" if report["r7_constraint"] else "R7 constraint MISSING"
        facts += [
            ("server", f"PostgreSQL {report['server_version']}"),
            ("connected as", report["session_user"]),
            ("constraint", held),
        ]
    else:
        integrity, journal = report["integrity"], report["journal_mode"]
        check = "" if report["integrity_check"] == "full" else " (quick check; --full for the complete one)"
        facts += [
            ("integrity", f"{'ok' if integrity == 'ok' else '; '.join(integrity)}{check}"),
            ("journal", f"{journal}{'' if journal == 'wal' else ' (expected wal)'}"),
            *(
                (label, f"owner {file['owner']}, group {file['group']}, mode {file['mode']}")
                for label, file in report["files"].items()
            ),
        ]
    facts.append(("verdict", "healthy" if report["healthy"] else "NOT healthy"))
    if width is None:
        return "\n".join(f"{label:<15}{value}" for label, value in facts)
    import textwrap

    room = max(width, NARROWEST) - 15
    lines = []
    for label, value in facts:
        pieces = (
            [value]
            if len(value) <= room
            else textwrap.wrap(value, room, break_long_words=False, break_on_hyphens=False)
        )
        lines += [f"{label:<15}{pieces[0]}", *(" " * 15 + piece for piece in pieces[1:])]
    return "\n".join(lines)


def health(result: Health) -> None:
    from stream_exempt.output.registry import render
    from stream_exempt.output.rich_table import width_of

    width = width_of(sys.stdout) if result.fmt == "text" else None
    render(Document(result.report, health_text(result.report, width)), result.fmt)
    for warning in result.warnings:
        notes.warn(warning)


def initialised(result: Initialised) -> None:
    if result.database:
        verb = "Created the store in" if result.created else "The store is ready in"
        out(f"{verb} the PostgreSQL database {escaped(result.where)}.")
        if result.roles is not None:
            out(roles_said(result.roles, result.officer, result.tutor))
        return
    store, folder = result.files["store file"], result.files["folder"]
    verb = "Created the store at" if result.created else "The store is ready at"
    out(
        f"{verb} {escaped(result.where)} (owner {store['owner']}, group {store['group']}, mode "
        f"{store['mode']}; its folder {folder['mode']})."
    )
    for problem in result.problems:
        notes.warn(problem)


def roles_said(made: list[str], officer: str, tutor: str) -> str:
    """What `init --roles` did, in one line."""
    created = f"Created the roles {' and '.join(made)}" if made else "The roles were there already"
    return (
        f"{created}; granted {officer} every command and {tutor} `request`, its own "
        "requests, `check`, `list` and `types`. Give them to people with "
        f"GRANT {tutor} TO alice (in psql)."
    )


def copied_store(result: CopiedStore) -> None:
    if result.created:  # said once the copy is there: a failed one leaves no store
        notes.note(f"Created a new store at {result.target}.")
    if result.database:  # grants belong to one database: the copy has none yet
        notes.note(
            f"Grant the office's roles on it before others use it: stream-exempt --db {result.target} init --roles"
        )
    statuses = (
        ", ".join(f"{count:,} {status}" for status, count in result.statuses.items()) or "no exemptions"
    )
    out(
        f"Copied {result.tables} from {escaped(result.source)} to {escaped(result.target)}, "
        f"at schema version {result.migrations}."
    )
    out(
        f"Checked: both stores hold the same rows of every table, and every exemption has the same status today ({statuses})."
    )
