"""Each rule has one definition (rules.py); where the store restates one in SQL for speed, it
is held here to that definition on every boundary day (the day before, of and after).

R7 compares a new or changed exemption with the student's *live* ones (`rules.is_live`: not
deleted, from the moment of deletion, and not expired). The store finds them in SQL
(`live_of`, `live_and_deleted_of`, `live_besides`) and `batches` counts them
(`batch_summaries`): each must pick exactly the ones `rules.is_live` picks.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from stream_exempt import rules
from stream_exempt.errors import Refused
from stream_exempt.model import Exemption
from stream_exempt.store import Store

TODAY = date(2027, 1, 4)
DAY = timedelta(days=1)
DAYS = (TODAY - DAY, TODAY, TODAY + DAY)

# (start, end, deleted on): ends and deletions around TODAY, and one deleted before it started.
CASES = [
    (TODAY - 10 * DAY, end, deleted_on)
    for end in (TODAY - 2 * DAY, *DAYS, TODAY + 2 * DAY)
    for deleted_on in (None, TODAY - DAY, TODAY)
] + [(TODAY + 5 * DAY, TODAY + 9 * DAY, TODAY - DAY), (TODAY + 5 * DAY, TODAY + 9 * DAY, None)]


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Store, list[Exemption]]:
    """A store holding every case, all of one student and type, and all members of batch 1."""
    store = Store.open(tmp_path / "s.db", create=True)
    with store.writing():
        store.conn.execute(
            "INSERT INTO batches (id, created_at, created_by) VALUES (1, '2027-01-01T12:00:00Z', 'tester')"
        )
        store.conn.executemany(
            "INSERT INTO exemptions (student_id, type, start_date, end_date, in_force_from, deleted_at, "
            "deleted_on, batch, created_by, created_at) VALUES ('201000000', 'placement', ?, ?, ?, ?, ?, 1, "
            "'tester', '2027-01-01T12:00:00Z')",
            [
                (
                    start.isoformat(),
                    end.isoformat(),
                    start.isoformat(),
                    None if deleted_on is None else f"{deleted_on.isoformat()}T12:00:00Z",
                    None if deleted_on is None else deleted_on.isoformat(),
                )
                for start, end, deleted_on in CASES
            ],
        )
    return store, store.select()


@pytest.mark.parametrize("day", DAYS)
def test_the_store_s_live_exemptions_are_those_rules_is_live_picks(
    recorded: tuple[Store, list[Exemption]], day: date
) -> None:
    store, everything = recorded
    students = [e.student_id for e in everything]
    live = sorted(e.id for e in everything if rules.is_live(e, day))
    assert 0 < len(live) < len(everything)  # the table has both sides of the line

    def ids(found: dict[tuple[str, str], list[Exemption]]) -> list[int]:
        return sorted(e.id for group in found.values() for e in group)

    assert ids(store.live_of(students, day)) == live
    live_found, deleted_found = store.live_and_deleted_of(students, day)
    assert ids(live_found) == live
    assert ids(deleted_found) == sorted(e.id for e in everything if e.deleted)
    changing = everything[::2]
    besides = sorted(e.id for e in store.live_besides(changing, day))
    assert besides == [i for i in live if i not in {e.id for e in changing}]
    (batch,) = store.batch_summaries(day)
    assert batch.live == len(live)
    store.close()


@pytest.mark.parametrize("day", DAYS)
def test_a_batch_change_leaves_alone_exactly_the_members_r4_protects(
    recorded: tuple[Store, list[Exemption]], day: date
) -> None:
    """R4 (`rules.editable`) is what `check_editable` refuses and what a batch change skips."""
    store, everything = recorded
    for e in everything:
        try:
            rules.check_editable(e, day)
        except Refused:
            refused = True
        else:
            refused = False
        assert refused == (not rules.editable(e, day)) == (e.deleted or e.end <= day), e
    store.close()
