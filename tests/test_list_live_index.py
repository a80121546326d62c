"""`list` finds the live exemptions through an index (migration 0004), with the rows and counts
the rules give: every status, every `--on` day, every order, with and without a limit."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database, Migrations

from stream_exempt import rules, schema
from stream_exempt.model import Exemption
from stream_exempt.output import record
from stream_exempt.store import SORTS, Filters, Store
from stream_exempt.store import sqlite as store_module

D = date(2027, 1, 11)
_INSERT = (
    "INSERT INTO exemptions (student_id, type, start_date, end_date, created_by, created_at, "
    "in_force_from, deleted_at, deleted_on) VALUES (?, 'placement', ?, ?, 'tester', "
    "'2026-12-01T09:00:00Z', ?, ?, ?)"
)
# Python's orders for `SORTS`: what SQLite's ORDER BY gives.
_KEYS = {
    "start": lambda e: (e.start, e.student_id, e.id),
    "end": lambda e: (e.end, e.student_id, e.id),
    "student": lambda e: (e.student_id, e.start, e.id),
    "id": lambda e: (e.id,),
}
STATUS_SETS = [
    frozenset(chosen)
    for chosen in (
        rules.LIVE,
        {"active"},
        {"pending"},
        {"expired"},
        {"deleted"},
        {"active", "expired"},
        {"pending", "deleted"},
        rules.STATUSES,
    )
]


def _store(path: Path, rows: list[tuple[str, date, date, date, date | None]]) -> Store:
    """A store holding `rows`: (student, start, end, in force from, deleted on or None)."""
    store = Store.open(path, create=True)
    with store.writing():
        store.conn.executemany(
            _INSERT,
            [
                (student, start.isoformat(), end.isoformat(), in_force.isoformat(),
                 None if gone is None else f"{gone.isoformat()}T10:00:00Z",
                 None if gone is None else gone.isoformat())
                for student, start, end, in_force, gone in rows
            ],
        )  # fmt: skip
    return store


def _expected(
    everything: list[Exemption], day: date, statuses: frozenset[str], sort: str
) -> list[list[object]]:
    chosen = [e for e in everything if rules.status(e, day) in statuses]
    return [list(record(e, rules.status(e, day)).values()) for e in sorted(chosen, key=_KEYS[sort])]


def _assert_listed_as_the_rules_say(store: Store, day: date, statuses: frozenset[str]) -> None:
    """Rows and counts as the rules give them, in every order, every limit read either way (a
    page picked by its ids from the index, or the table read from end to end)."""
    everything = store.select()
    for sort in SORTS:
        expected = _expected(everything, day, statuses, sort)
        assert store.count_listed(day, statuses, Filters()) == len(expected), (day, statuses)
        for page in (store_module._PAGE, 0):
            with patch.object(store_module, "_PAGE", page):
                for limit in (None, 1, 2, 3, len(expected) + 5):
                    listed = [
                        list(row) for row in store.listed(day, statuses, Filters(), sort=sort, limit=limit)
                    ]
                    assert listed == expected[:limit], (day, statuses, sort, limit, page)


# Around one exemption's boundaries, as of the days before, of and after its start, its end and
# its deletion; deleted after it started (R5b: the days before keep their answer), before it
# started (deleted on every day), on its last day, and never.
END = D + timedelta(days=9)
BOUNDARIES = [
    ("201000001", D, END, D - timedelta(days=1), None),  # never deleted
    ("201000002", D - timedelta(days=3), END, D - timedelta(days=5), D),  # deleted while running
    ("201000003", D + timedelta(days=2), END, D - timedelta(days=5), D),  # deleted before its start
    ("201000004", D - timedelta(days=3), END, D - timedelta(days=5), END),  # deleted on its last day
    ("201000005", D - timedelta(days=3), D + timedelta(days=1), D + timedelta(days=1), None),  # in force late
    ("201000006", D, D, D, D + timedelta(days=1)),  # one day, deleted the day after
    ("201000006", END, END, D, None),  # the same student again: ties broken by id
]
DAYS = sorted(
    {
        day + timedelta(days=shift)
        for _, start, end, in_force, gone in BOUNDARIES
        for day in (start, end, in_force, *([gone] if gone else []))
        for shift in (-1, 0, 1)
    }
)


@pytest.mark.parametrize("statuses", STATUS_SETS, ids=lambda s: "+".join(sorted(s)))
def test_rows_and_counts_are_the_rules_on_every_day_around_the_boundaries(
    tmp_path: Path, statuses: frozenset[str]
) -> None:
    with closing(_store(tmp_path / "s.db", BOUNDARIES)) as store:
        for day in DAYS:
            _assert_listed_as_the_rules_say(store, day, statuses)


def test_the_boundary_days_give_every_status() -> None:
    """The table above is worth its name: each status turns up on some day for some row."""
    seen = {
        rules.status(
            Exemption(
                id=1, student_id=student, type="placement", start=start, end=end, reason=None, batch=None,
                created_by="t", created_at="t", in_force_from=in_force, deleted_on=gone,
            ),
            day,
        )
        for student, start, end, in_force, gone in BOUNDARIES
        for day in DAYS
    }  # fmt: skip
    assert seen == set(rules.STATUSES)


def _rows() -> st.SearchStrategy[tuple[str, date, date, date, date | None]]:
    offsets = st.integers(min_value=-6, max_value=6)

    def build(
        student: int, start: int, length: int, late: int, gone: int | None
    ) -> tuple[str, date, date, date, date | None]:
        first = D + timedelta(days=start)
        deleted = None if gone is None else D + timedelta(days=gone)
        return (f"20100000{student}", first, first + timedelta(days=length),
                first + timedelta(days=late), deleted)  # fmt: skip

    return st.builds(
        build,
        st.integers(min_value=0, max_value=3),
        offsets,
        st.integers(min_value=0, max_value=5),
        st.integers(min_value=-4, max_value=4),
        st.none() | offsets,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(_rows(), max_size=12),
    shift=st.integers(min_value=-8, max_value=8),
    statuses=st.sampled_from(STATUS_SETS),
)
def test_any_store_lists_as_the_rules_say(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, date, date, date, date | None]],
    shift: int,
    statuses: frozenset[str],
) -> None:
    path = tmp_path_factory.mktemp("any") / "s.db"
    with closing(_store(path, rows)) as store:
        _assert_listed_as_the_rules_say(store, D + timedelta(days=shift), statuses)


def test_the_live_rows_are_counted_from_the_index_alone(tmp_path: Path) -> None:
    with closing(_store(tmp_path / "s.db", BOUNDARIES)) as store:
        where, args = store._listing_conditions(D, rules.LIVE, Filters())
        plan = " ".join(
            row[-1]
            for row in store.conn.execute(
                f"EXPLAIN QUERY PLAN SELECT count(*) FROM exemptions WHERE {where}", args
            )
        )
        assert "COVERING INDEX exemptions_live" in plan, plan


def test_a_store_of_the_previous_version_gets_the_index(tmp_path: Path) -> None:
    """A store with migrations 0001-0003 only (the previous version) gets 0004 and keeps its rows."""
    path = tmp_path / "old.db"
    db = Database(path)
    earlier = Migrations(schema.MIGRATION_SET)
    for name, function in schema.MIGRATIONS:
        if name != "0004_live_index":
            earlier(name=name)(function)
    earlier.apply(db)
    db.execute(_INSERT, ("201000001", "2027-01-11", "2027-01-20", "2027-01-06", None, None))
    db.conn.commit()
    db.close()
    with closing(sqlite3.connect(path)) as conn:
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'exemptions_live'").fetchone()
    with closing(Store.open(path)) as store:
        assert set(store.applied_migrations()) == set(schema.NAMES)
        assert store.applied_migrations()[-1] == "0004_live_index"
        assert store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'exemptions_live'").fetchone()
        assert [row[1] for row in store.listed(D, rules.LIVE, Filters())] == ["201000001"]
        assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
