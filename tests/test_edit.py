"""`edit ID --reason TEXT`: corrects a reason, never a date; refused once deleted; in history."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from helpers import LONDON, Cli, Clock, record, snapshot


def test_edit_changes_the_reason_only_and_history_shows_old_and_new(cli: Cli, login: str) -> None:
    exemption = cli.add("201234567", "--reason", "Leeds Genral")
    before = record(cli, exemption)
    result = cli.ok("edit", str(exemption), "--reason", "Leeds General Infirmary", "--as", "alice")
    assert result.stdout == (
        f"Edited exemption {exemption} (201234567): reason 'Leeds Genral' -> 'Leeds General Infirmary'.\n"
    )
    after = record(cli, exemption)
    assert after == {**before, "reason": "Leeds General Infirmary"}
    events = json.loads(cli.ok("history", str(exemption), "--format", "json").stdout)
    assert [e["action"] for e in events] == ["add", "edit"]
    assert (events[1]["actor"], events[1]["actor_for"]) == (login, "alice")
    assert events[1]["before"]["reason"] == "Leeds Genral"
    assert events[1]["after"]["reason"] == "Leeds General Infirmary"
    table = cli.ok("history", str(exemption), "--format", "plain").stdout
    assert "reason Leeds Genral -> Leeds General Infirmary" in table


@pytest.mark.parametrize(
    "moment", [datetime(2027, 1, 12, 9, 0, tzinfo=LONDON), datetime(2027, 2, 1, 9, 0, tzinfo=LONDON)]
)
def test_edit_works_on_active_and_expired_exemptions(cli: Cli, clock: Clock, moment: datetime) -> None:
    exemption = cli.add()  # 11-24 Jan
    clock(moment)  # active, then expired: R4 does not apply to a reason
    cli.ok("edit", str(exemption), "--reason", "typo fixed")
    assert record(cli, exemption)["reason"] == "typo fixed"


def test_edit_is_refused_on_a_deleted_exemption_and_records_nothing(cli: Cli) -> None:
    exemption = cli.add("201234567", "--reason", "old")
    cli.ok("delete", str(exemption), "--yes")
    before = snapshot(cli.location)
    result = cli("edit", str(exemption), "--reason", "new")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: Exemption {exemption} is deleted")
    assert result.stdout == ""
    assert snapshot(cli.location) == before
    actions = [e["action"] for e in json.loads(cli.ok("history", str(exemption), "--format", "json").stdout)]
    assert actions == ["add", "delete"]


def test_an_empty_reason_removes_it_and_the_same_reason_records_nothing(cli: Cli) -> None:
    exemption = cli.add("201234567", "--reason", "x")
    before = snapshot(cli.location)
    assert cli.ok("edit", str(exemption), "--reason", " x ").stdout == (
        "Nothing to change: exemption 1 already has the reason 'x'.\n"
    )
    assert snapshot(cli.location) == before
    assert "reason 'x' -> (none)" in cli.ok("edit", str(exemption), "--reason", "").stdout
    assert record(cli, exemption)["reason"] is None


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["9", "--reason", "x"], 3),
        (["abc", "--reason", "x"], 2),
        (["1", "--reason", "x" * 501], 2),
        (["1", "--reason", "a\x07b"], 2),
        (["1"], 2),
    ],
)
def test_edit_refusals(cli: Cli, args: list[str], code: int) -> None:
    cli.add()
    before = snapshot(cli.location)
    result = cli("edit", *args)
    assert result.exit_code == code, result.stderr
    assert snapshot(cli.location) == before
