"""Who may do what on a PostgreSQL store (SPEC 12): two group roles, their grants, row-level
security on tutors' requests, and permission errors in words.

`stream_exempt_officer` may run every command. `stream_exempt_tutor` may read what an officer
reads, except other people's requests and their events, and write only requests (with their
`request` events): `request`, its own requests in `requests`, `check`, `list`, `types`. The
database enforces both: the grants say which tables a role may write; row-level security says
which requests (and request events) a tutor sees and may record. No role may change or delete
an event: neither has the grant, and the schema's triggers refuse it to anyone (the owner
included, unless the owner first disables them).

Roles belong to the whole server, grants to one database: `init --roles` creates the roles
once (a second database on the server finds them made) and grants on this database's tables
each time it is run, so running it again (after an upgrade that added a table) catches up.
"""

from __future__ import annotations

import re
from typing import Any

from stream_exempt.errors import StoreUnusable
from stream_exempt.store import pg_schema

OFFICER = "stream_exempt_officer"
TUTOR = "stream_exempt_tutor"
ROLES = (OFFICER, TUTOR)
_BOTH = f"{OFFICER}, {TUTOR}"
_TABLES = ("exemptions", "batches", "requests", "events")
_BOOKKEEPING = (pg_schema.MIGRATIONS_TABLE, "stream_exempt_version")

_CREATE_ROLE = """
DO $$ BEGIN
    CREATE ROLE {role} NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- made before: by this database's init --roles, another's, or one running at once
END $$
"""

# What each role may do. Every statement may run again: GRANT and REVOKE change nothing the
# second time, and the policies are dropped and made again.
_GRANTS = (
    f"GRANT USAGE ON SCHEMA {{schema}} TO {_BOTH}",
    # Reading: the migrations' record and the version every command opens with, and every table
    # (row-level security below keeps other people's requests from tutors).
    f"GRANT SELECT ON {', '.join(_BOOKKEEPING + _TABLES)} TO {_BOTH}",
    f"GRANT UPDATE ON stream_exempt_version TO {_BOTH}",  # every writing transaction bumps it
    # An officer records and changes exemptions, batches and requests (never deletes: nothing is
    # ever deleted) and adds events; a tutor records requests and adds their events.
    f"GRANT INSERT, UPDATE ON exemptions, batches, requests TO {OFFICER}",
    f"GRANT INSERT ON requests TO {TUTOR}",
    f"GRANT INSERT ON events TO {_BOTH}",
    f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {{schema}} TO {_BOTH}",  # the events' ids
    # Whatever was granted by hand before: the event log is append-only, nothing is deleted.
    f"REVOKE UPDATE, DELETE, TRUNCATE ON events FROM {_BOTH}",
    f"REVOKE DELETE, TRUNCATE ON exemptions, batches, requests FROM {_BOTH}",
    f"REVOKE UPDATE, INSERT, DELETE, TRUNCATE ON {pg_schema.MIGRATIONS_TABLE} FROM {_BOTH}",
    f"REVOKE INSERT, UPDATE ON exemptions, batches FROM {TUTOR}",
    # Row-level security: a tutor sees, and records, only the requests it recorded itself, and
    # of the event log every exemption's events and the events of its own requests. An officer
    # sees everything. The owner of the tables is not subject to it (it is not forced).
    "ALTER TABLE requests ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE events ENABLE ROW LEVEL SECURITY",
    *(
        f"DROP POLICY IF EXISTS {name} ON {table}"
        for table in ("requests", "events")
        for name in ("officers", "tutors_read", "tutors_ask")
    ),
    f"CREATE POLICY officers ON requests TO {OFFICER} USING (true) WITH CHECK (true)",
    f"CREATE POLICY tutors_read ON requests FOR SELECT TO {TUTOR} USING (recorded_login = session_user)",
    f"CREATE POLICY tutors_ask ON requests FOR INSERT TO {TUTOR} "
    "WITH CHECK (recorded_login = session_user AND status = 'requested')",
    f"CREATE POLICY officers ON events TO {OFFICER} USING (true) WITH CHECK (true)",
    # `requests` is read here under its own policy: the tutor's own requests. An approval
    # belongs to the exemption it made as well as to the request, so it is in the exemption's
    # history for every reader; the request's own events are the requester's.
    f"CREATE POLICY tutors_read ON events FOR SELECT TO {TUTOR} "
    "USING (exemption_id IS NOT NULL OR request_id IN (SELECT id FROM requests))",
    # A tutor adds one event only: the `request` event of a request it recorded itself (the
    # schema's trigger signs it with the session user), once.
    f"CREATE POLICY tutors_ask ON events FOR INSERT TO {TUTOR} "
    "WITH CHECK (exemption_id IS NULL AND action = 'request' AND before IS NULL "
    "AND request_id IN (SELECT id FROM requests WHERE recorded_login = session_user) "
    "AND NOT stream_exempt_request_logged(request_id))",
)


def create(conn: Any, shown: str) -> list[str]:
    """Create the two roles where they are missing and grant them what they may do on this
    store's tables, in one transaction (the caller's); the roles it created, in order."""
    row = conn.execute(
        "SELECT current_schema()::text, current_user::text, "
        "bool_and(pg_has_role(current_user, c.relowner, 'USAGE')), "
        "(SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) "
        "FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
        "AND c.relname = ANY($1) AND c.relkind = 'r'",
        (list(_TABLES),),
    ).fetchone()
    schema, user, owner, may_create = row
    existing = {
        name
        for (name,) in conn.execute(
            "SELECT rolname::text FROM pg_roles WHERE rolname = ANY($1)", (list(ROLES),)
        )
    }
    missing = [role for role in ROLES if role not in existing]
    if missing and not may_create:
        raise StoreUnusable(
            f"permission denied: the database user {user} may not create roles; run "
            f"`stream-exempt init --roles` as a user with CREATEROLE (the DBA) on {shown}."
        )
    if not owner:
        # A GRANT by someone else only warns (and grants nothing): refused here instead.
        raise StoreUnusable(
            f"permission denied: only the owner of the store's tables on {shown} can grant on them; "
            f"run `stream-exempt init --roles` as that user, not as {user}."
        )
    for role in missing:
        conn.execute(_CREATE_ROLE.format(role=role))
    for statement in _GRANTS:
        conn.execute(statement.format(schema=_quoted(schema)))
    return missing


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# The tables a permission error can name, as they appear in its message (in any language the
# server speaks: the names are not translated).
_NAMED = re.compile(r"\b(exemptions|batches|requests|events|" + "|".join(_BOOKKEEPING) + r")\b")
_ROLE_HINT = (
    "ask the database administrator to grant you stream_exempt_officer or stream_exempt_tutor "
    "(see `stream-exempt init --roles`)"
)


# What a tutor is told when it tries to change an exemption (SPEC 12).
TUTORS_MAY_NOT_CHANGE = "permission denied: tutors can record requests, not exemptions."


def ungranted(conn: Any, error: Any, shown: str) -> StoreUnusable | None:
    """A user refused what every command reads first, though it has one of the office's roles:
    the database has granted the roles nothing yet (a new or copied store; grants belong to one
    database). None when that is not so; `conn` is the refused connection, still open."""
    message = str(getattr(getattr(error, "diag", None), "message_primary", None) or error)
    found = _NAMED.search(message)
    if found is None or found.group(1) not in _BOOKKEEPING:
        return None
    try:
        conn.rollback()
        (held,) = conn.execute(
            "SELECT string_agg(rolname::text, ' and ' ORDER BY rolname) FROM pg_roles "
            "WHERE rolname = ANY($1) AND pg_has_role(session_user, oid, 'MEMBER')",
            (list(ROLES),),
        ).fetchone()
    except Exception:  # the refusal as it was is still true: say that
        return None
    if not held:
        return None
    return StoreUnusable(
        f"permission denied: you have the role {held}, but the store {shown} grants it nothing yet "
        "(a new or copied database); ask the owner of its tables to run `stream-exempt init --roles` on it."
    )


def denied(error: Any, shown: str) -> StoreUnusable:
    """A permission error of the database (SQLSTATE 42501) as one sentence saying what was
    refused, by the table the refused statement named."""
    message = str(getattr(getattr(error, "diag", None), "message_primary", None) or error)
    found = _NAMED.search(message)
    table = found.group(1) if found else None
    if "btree_gist" in message:  # the first thing creating the schema does (R7's constraint)
        return StoreUnusable(
            "permission denied: the store needs the btree_gist extension, which this database user may "
            "not create; ask the database administrator to run CREATE EXTENSION btree_gist in the "
            f"database of {shown}, or create the store as the database's owner."
        )
    if table is None and re.search(r"\bschema\b", message):
        # Creating the tables in a database this user may not create tables in (PostgreSQL 15 no
        # longer lets everyone create tables in `public`).
        return StoreUnusable(
            f"permission denied: this database user may not create the store's tables in {shown}; "
            "create the store as the database's owner (`stream-exempt init`), then grant people their "
            "roles (`stream-exempt init --roles`)."
        )
    if "owner" in message:
        # ALTER TABLE and the like: a schema migration run by someone who does not own the store.
        return StoreUnusable(
            f"permission denied: only the owner of the store {shown} can bring its schema up to date; "
            "ask them to run `stream-exempt init`."
        )
    if table in ("exemptions", "batches", "events"):
        # The tool only ever adds events; a tutor may add only its requests' (row-level
        # security): one refused is the event of a change to an exemption, written before it.
        return StoreUnusable(TUTORS_MAY_NOT_CHANGE)
    if table == "requests":
        return StoreUnusable("permission denied: tutors can record requests, not approve or reject them.")
    if table in _BOOKKEEPING:
        return StoreUnusable(f"permission denied: you have no role on the store {shown}; {_ROLE_HINT}.")
    return StoreUnusable(f"permission denied on the store {shown} ({message.strip()}); {_ROLE_HINT}.")
