"""The store's columns, its lists of them and how a row becomes a record follow from the one
definition of the exemption (`model.RECORD`, `model.Exemption`)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

from stream_exempt.model import RECORD, Exemption
from stream_exempt.store.common import KINDS, LISTED_COLUMNS, column_of, exemption_row


def test_every_field_of_the_record_is_a_column_and_every_column_a_field() -> None:
    stored = [column_of(field.name) for field in RECORD if field.name != "status"]
    assert sorted(KINDS) == sorted(stored)
    assert list(KINDS) == [column_of(field.name) for field in fields(Exemption)]
    assert len(LISTED_COLUMNS) == len(RECORD)
    assert {KINDS[column] for column in ("start_date", "end_date", "in_force_from", "deleted_on")} == {"date"}
    assert (KINDS["id"], KINDS["batch"], KINDS["reason"]) == ("bigint", "bigint", "text")


def test_a_row_of_every_column_becomes_the_exemption_it_holds() -> None:
    exemption = Exemption(
        7, "201234567", "placement", date(2027, 1, 11), date(2027, 1, 24), "why", 3,
        "alice", "2027-01-04T09:00:00Z", date(2027, 1, 12), date(2027, 1, 20), "Dr Smith",
    )  # fmt: skip
    row = [getattr(exemption, field.name) for field in fields(Exemption)]
    as_stored = [value.isoformat() if isinstance(value, date) else value for value in row]
    assert exemption_row(as_stored) == exemption
    assert exemption_row([*as_stored[:10], None, None]) == Exemption(*row[:10])
