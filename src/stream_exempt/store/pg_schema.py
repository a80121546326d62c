"""The PostgreSQL store's schema (SPEC 12), versioned in the database with the numbering of
SQLite's migrations (`schema.NAMES`).

A new store gets the current schema in one transaction and every migration name recorded:
no released PostgreSQL store predates 0007. Until the first release with PostgreSQL, `CURRENT`
is edited in place (the signing triggers and timestamp checks were), so a store made by an
earlier development build must be made again (`copy-store` to a file and back). After it,
every change is a migration: one written once for both stores (`schema.SHARED`, which `LATER`
takes in PostgreSQL's words), applied to older stores in order, as on SQLite. A change only
PostgreSQL needs has no place yet: `SHARED` would then need statements per dialect, and
`_needs_migration` would compare against the dialect's own names.

Dates are DATE columns (read back as ISO text, as SQLite keeps them); the other text columns
sort and compare byte by byte (`COLLATE "C"`), as SQLite's do. R7 is also held by the database:
an exclusion constraint on the live rows (btree_gist). The append-only rules are triggers, and
so is the signature of every row: who recorded it is the session user, whatever a statement
typed in by hand says (SPEC 12); timestamps are checked to be as the tool writes them.
"""

from __future__ import annotations

from stream_exempt import schema
from stream_exempt.types import CODES

MIGRATIONS_TABLE = "stream_exempt_migrations"
_TYPE_LIST = ", ".join(f"'{code}'" for code in CODES)
_TEXT = 'TEXT COLLATE "C"'
# A timestamp as the tool writes it (`dates.now_utc`): `2027-01-10T09:30:00Z`, UTC to the second.
_STAMP = "~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$'"

# What an exemption holds and a request asks for: a student, a type, dates and a reason.
_ASKED = (
    f"student_id {_TEXT} NOT NULL, type {_TEXT} NOT NULL CHECK (type IN ({_TYPE_LIST})), "
    f"start_date DATE NOT NULL, end_date DATE NOT NULL, reason {_TEXT},"
)

# Whether a row being inserted is signed by the session user: always, except in copy-store run by
# the owner of the tables (the setting is read first: it is all most rows cost).
_SIGNING = (
    "coalesce(current_setting('stream_exempt.copying', true), '') <> 'on' "
    "OR NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')"
)
COPYING = "SELECT set_config('stream_exempt.copying', 'on', true)"  # copy-store, in its transaction

# The current schema: every migration up to 0007 at once.
CURRENT = (
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"CREATE TABLE {MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    # Bumped by every writing transaction: what `version()` reads.
    "CREATE TABLE stream_exempt_version (one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), n BIGINT NOT NULL)",
    "INSERT INTO stream_exempt_version (n) VALUES (0)",
    f"""
    CREATE TABLE batches (
        id BIGINT PRIMARY KEY,
        created_at TEXT NOT NULL CHECK (created_at {_STAMP}),
        created_by {_TEXT} NOT NULL,
        source {_TEXT},
        created_for {_TEXT},
        every TEXT,
        weekdays TEXT,
        occurrences INTEGER
    )
    """,
    # Ids are given under the store's write lock (one more than the largest): never reused,
    # and without the gaps a sequence leaves when a transaction rolls back, as on SQLite.
    f"""
    CREATE TABLE exemptions (
        id BIGINT PRIMARY KEY,
        {_ASKED}
        batch BIGINT REFERENCES batches(id),
        created_by {_TEXT} NOT NULL,
        created_at TEXT NOT NULL CHECK (created_at {_STAMP}),
        in_force_from DATE NOT NULL,
        deleted_at TEXT CHECK (deleted_at {_STAMP}),
        deleted_on DATE,
        created_for {_TEXT},
        CHECK (start_date <= end_date),
        -- R7 in the database: no two undeleted exemptions of one student and type share a day.
        -- Checked at the end of each statement, so that a batch moved as one is judged as moved.
        CONSTRAINT exemptions_r7 EXCLUDE USING gist (
            student_id WITH =, type WITH =, daterange(start_date, end_date, '[]') WITH &&
        ) WHERE (deleted_on IS NULL) DEFERRABLE INITIALLY IMMEDIATE
    )
    """,
    "CREATE INDEX exemptions_by_student ON exemptions (student_id, type)",
    "CREATE INDEX exemptions_by_batch ON exemptions (batch)",
    "CREATE INDEX exemptions_live ON exemptions (end_date, deleted_on, start_date, student_id)",
    f"""
    CREATE TABLE requests (
        id BIGINT PRIMARY KEY,
        {_ASKED}
        requested_by {_TEXT} NOT NULL,
        recorded_by {_TEXT} NOT NULL,
        requested_at TEXT NOT NULL CHECK (requested_at {_STAMP}),
        status TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'rejected')),
        decided_by {_TEXT},
        decided_at TEXT CHECK (decided_at {_STAMP}),
        decision_reason {_TEXT},
        exemption_id BIGINT UNIQUE REFERENCES exemptions(id),
        recorded_login {_TEXT},
        recorded_for {_TEXT},
        decided_login {_TEXT},
        decided_for {_TEXT},
        CHECK (start_date <= end_date),
        CHECK ((status = 'approved') = (exemption_id IS NOT NULL)),
        CHECK ((status = 'requested') = (decided_by IS NULL))
    )
    """,
    "CREATE INDEX requests_by_status ON requests (status, id)",
    """
    CREATE FUNCTION stream_exempt_next_request_id() RETURNS bigint LANGUAGE sql VOLATILE
    SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT COALESCE(MAX(id), 0) + 1 FROM requests $$
    """,
    f"""
    CREATE TABLE events (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        exemption_id BIGINT REFERENCES exemptions(id),
        action TEXT NOT NULL,
        actor {_TEXT} NOT NULL,
        at TEXT NOT NULL CHECK (at {_STAMP}),
        before TEXT,
        after TEXT,
        request_id BIGINT REFERENCES requests(id),
        login {_TEXT},
        actor_for {_TEXT},
        -- An event belongs to an exemption, a request, or both (the approval that links them).
        CHECK (exemption_id IS NOT NULL OR request_id IS NOT NULL)
    )
    """,
    "CREATE INDEX events_by_exemption ON events (exemption_id, at)",
    # Whether a request has its event: asked by a tutor's row-level security (which may not read
    # the event log in its own policy), so as its owner.
    """
    CREATE FUNCTION stream_exempt_request_logged(request bigint) RETURNS boolean LANGUAGE sql STABLE
    SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT EXISTS (SELECT FROM events WHERE request_id = request) $$
    """,
    "CREATE INDEX events_by_request ON events (request_id) WHERE request_id IS NOT NULL",
    # Nothing is ever physically deleted, and history is never rewritten.
    """
    CREATE FUNCTION stream_exempt_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER exemptions_are_kept BEFORE DELETE ON exemptions FOR EACH ROW
    EXECUTE FUNCTION stream_exempt_refuse('exemptions are never deleted; mark them deleted')
    """,
    """
    CREATE TRIGGER events_are_kept BEFORE DELETE ON events FOR EACH ROW
    EXECUTE FUNCTION stream_exempt_refuse('events are never deleted')
    """,
    """
    CREATE TRIGGER events_are_final BEFORE UPDATE ON events FOR EACH ROW
    EXECUTE FUNCTION stream_exempt_refuse('events are never changed')
    """,
    """
    CREATE TRIGGER requests_are_kept BEFORE DELETE ON requests FOR EACH ROW
    EXECUTE FUNCTION stream_exempt_refuse('requests are never deleted; reject them')
    """,
    *(
        f"""
        CREATE TRIGGER {table}_are_not_truncated BEFORE TRUNCATE ON {table} FOR EACH STATEMENT
        EXECUTE FUNCTION stream_exempt_refuse('{table} are never deleted')
        """
        for table in ("exemptions", "events", "requests")
    ),
    # Who did it is the database's session user, whatever was written there (SPEC 12): by the tool
    # (which writes it already) or by hand. Only copy-store, run by the owner of the tables, keeps
    # the names of the store it copies (it says so with the setting `stream_exempt.copying`).
    *(
        f"""
        CREATE FUNCTION stream_exempt_sign_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF {_SIGNING} THEN
                {signing}
            END IF;
            RETURN NEW;
        END
        $$
        """
        for kind, signing in (
            ("event", "NEW.actor := session_user; NEW.login := session_user;"),
            ("created", "NEW.created_by := session_user;"),
            ("request", "NEW.recorded_by := session_user; NEW.recorded_login := session_user;"),
        )
    ),
    """
    CREATE FUNCTION stream_exempt_sign_decision() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- Every decision, by hand too (a later change of it is refused by requests_are_decided_once).
        IF NEW.status <> 'requested' THEN
            NEW.decided_by := session_user;
            NEW.decided_login := session_user;
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER events_are_signed BEFORE INSERT ON events FOR EACH ROW
    EXECUTE FUNCTION stream_exempt_sign_event()
    """,
    *(
        f"""
        CREATE TRIGGER {table}_are_signed BEFORE INSERT ON {table} FOR EACH ROW
        EXECUTE FUNCTION stream_exempt_sign_created()
        """
        for table in ("exemptions", "batches")
    ),
    """
    CREATE TRIGGER requests_are_signed BEFORE INSERT ON requests FOR EACH ROW
    EXECUTE FUNCTION stream_exempt_sign_request()
    """,
    """
    CREATE TRIGGER requests_decisions_are_signed BEFORE UPDATE ON requests FOR EACH ROW
    EXECUTE FUNCTION stream_exempt_sign_decision()
    """,
    # A request is approved or rejected once, and what was asked never changes.
    """
    CREATE TRIGGER requests_are_decided_once BEFORE UPDATE ON requests FOR EACH ROW
    WHEN (OLD.status <> 'requested'
        OR NEW.student_id IS DISTINCT FROM OLD.student_id OR NEW.type IS DISTINCT FROM OLD.type
        OR NEW.start_date IS DISTINCT FROM OLD.start_date OR NEW.end_date IS DISTINCT FROM OLD.end_date
        OR NEW.reason IS DISTINCT FROM OLD.reason OR NEW.requested_by IS DISTINCT FROM OLD.requested_by
        OR NEW.recorded_by IS DISTINCT FROM OLD.recorded_by
        OR NEW.requested_at IS DISTINCT FROM OLD.requested_at
        OR NEW.recorded_login IS DISTINCT FROM OLD.recorded_login
        OR NEW.recorded_for IS DISTINCT FROM OLD.recorded_for)
    EXECUTE FUNCTION stream_exempt_refuse('a request is approved or rejected once, and never changed')
    """,
)

# Migrations after 0007, in order: (name, statements); those both stores run (`schema.SHARED`)
# with their column types in PostgreSQL's words.
_TYPES = {"text": _TEXT, "date": "DATE", "integer": "BIGINT"}
LATER: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (name, tuple(statement.format(**_TYPES) for statement in statements))
    for name, statements in schema.SHARED
)

# The migrations `CURRENT` stands for, by SQLite's names; with `LATER`, every name it knows.
CURRENT_NAMES = (
    "0001_initial",
    "0002_deletion_day",
    "0003_requests",
    "0004_live_index",
    "0005_actor",
    "0006_series",
    "0007_event_time",
)
NAMES = CURRENT_NAMES + tuple(name for name, _ in LATER)
