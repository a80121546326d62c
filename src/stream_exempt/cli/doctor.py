"""`doctor`: is the store healthy? Path, schema, counts, integrity, WAL."""

from datetime import date
from typing import Annotated

import typer

from stream_exempt import schema, sharing
from stream_exempt.cli.options import AnswerFormatOption
from stream_exempt.cli.session import Session
from stream_exempt.output.outcomes import Health
from stream_exempt.store import Store, StoreProtocol
from stream_exempt.store.sqlite import damaged


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
) -> Health:
    """Check the store: path, schema, counts, integrity, WAL, owner/group/mode; exit 4 if unwell.

    Example: stream-exempt doctor
    """
    session: Session = ctx.obj
    opened = session.store()
    today = session.today()
    if not isinstance(opened, Store):  # a PostgreSQL database: the server's own facts instead
        return _doctor_database(opened, today, "json" if as_json else fmt)
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
    return Health(
        report,
        "json" if as_json else fmt,
        warnings,
        error=None if integrity == ["ok"] else damaged(store.path, integrity[0]),
        exit_code=0 if healthy else 4,
    )


def _doctor_database(store: StoreProtocol, today: date, fmt: str) -> Health:
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
    report["healthy"] = healthy and bool(facts["r7_constraint"])
    return Health(report, fmt, exit_code=0 if report["healthy"] else 4)
