"""`doctor`: is the store healthy? Path, schema, counts, integrity, WAL."""

import sys
from datetime import date
from typing import Annotated, NoReturn

import typer

from stream_exempt import dates, output, rules, schema, sharing
from stream_exempt.cli.options import AnswerFormatOption
from stream_exempt.cli.session import Session, warn
from stream_exempt.store import Store, StoreProtocol


def doctor(
    ctx: typer.Context,
    fmt: AnswerFormatOption = "text",
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Run SQLite's complete integrity check (slower: also indexes and constraints)."
        ),
    ] = False,
) -> None:
    """Check the store: path, schema, counts, integrity, WAL, owner/group/mode; exit 4 if unwell.

    Example: stream-exempt doctor
    """
    session: Session = ctx.obj
    opened = session.store()
    today = dates.today()
    if not isinstance(opened, Store):  # a PostgreSQL database: the server's own facts instead
        _doctor_database(opened, today, "json" if as_json else fmt)
    store = opened
    integrity, counts = store.integrity_and_counts(today, full=full)
    journal = store.journal_mode()
    applied = store.applied_migrations()
    files = sharing.describe(store.path)
    warnings = sharing.problems(store.path)  # a shared store that would lock a member out
    healthy = integrity == ["ok"] and journal == "wal" and set(applied) == set(schema.NAMES) and not warnings
    report = {
        "store": str(store.path),
        "schema_version": len(applied),
        "schema_known": len(schema.NAMES),
        "counts": counts,
        "integrity": "ok" if integrity == ["ok"] else integrity[:10],
        "integrity_check": "full" if full else "quick",
        "journal_mode": journal,
        "files": files,
        "warnings": warnings,
        "healthy": healthy,
    }
    check = "" if full else " (quick check; --full for the complete one)"
    lines = [
        f"store          {report['store']}",
        f"schema         version {len(applied)} (this program knows {len(schema.NAMES)})",
        "exemptions     " + ", ".join(f"{counts[s]} {s}" for s in rules.STATUSES),
        f"integrity      {'ok' if integrity == ['ok'] else '; '.join(integrity[:10])}{check}",
        f"journal        {journal}{'' if journal == 'wal' else ' (expected wal)'}",
        *(
            f"{label:<15}owner {facts['owner']}, group {facts['group']}, mode {facts['mode']}"
            for label, facts in files.items()
        ),
        f"verdict        {'healthy' if healthy else 'NOT healthy'}",
    ]
    output.render(output.Document(report, "\n".join(lines)), "json" if as_json else fmt)
    for warning in warnings:
        warn(warning)
    if integrity != ["ok"]:
        # Exit 4 owes one `Error:` sentence, whichever of the store's pages the damage is on.
        print(
            f"Error: The store {store.path} is damaged ({integrity[0]}); stop using it, and restore "
            "it from a backup (`stream-exempt doctor` reports on the copy you restore).",
            file=sys.stderr,
        )
    raise typer.Exit(0 if healthy else 4)


def _doctor_database(store: StoreProtocol, today: date, fmt: str) -> NoReturn:
    """`doctor` on a PostgreSQL store (SPEC 12): what stands for SQLite's integrity check and
    journal mode there: the server answers, its version, the schema, and the counts by status.
    The same verdict and exit codes: 0 healthy, 4 not."""
    from stream_exempt.store.postgres import PostgresStore

    assert isinstance(store, PostgresStore)
    facts = store.server_facts()
    counts = store.status_counts(today)
    applied = store.applied_migrations()
    healthy = set(applied) == set(schema.NAMES)
    report = {
        "store": store.shown,
        "schema_version": len(applied),
        "schema_known": len(schema.NAMES),
        "counts": counts,
        **facts,
        "healthy": healthy,
    }
    lines = [
        f"store          {store.shown}",
        f"schema         version {len(applied)} (this program knows {len(schema.NAMES)})",
        "exemptions     " + ", ".join(f"{counts[s]} {s}" for s in rules.STATUSES),
        f"server         PostgreSQL {facts['server_version']}",
        f"connected as   {facts['session_user']}",
        f"constraint     {'R7 held by the database' if facts['r7_constraint'] else 'R7 constraint MISSING'}",
        f"verdict        {'healthy' if healthy and facts['r7_constraint'] else 'NOT healthy'}",
    ]
    healthy = healthy and bool(facts["r7_constraint"])
    report["healthy"] = healthy
    output.render(output.Document(report, "\n".join(lines)), fmt)
    raise typer.Exit(0 if healthy else 4)
