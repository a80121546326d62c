"""One JSON layout (SPEC 10): every `json` output of every command has the same indentation
and separators, and a field that holds several values (a batch's types) is a JSON array.

The layout (README, "Machine formats"): the outermost array or object opens and closes on
lines of its own and holds one element or member a line, indented two spaces; each element is
written compactly, `,` and `:` with no spaces. `jsonl`: one compact object a line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import Cli


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def laid_out(value: Any) -> str:
    """The layout, written out here independently of the code under test."""
    if isinstance(value, dict) and value:
        return "{\n" + ",\n".join(f"  {compact(k)}:{compact(v)}" for k, v in value.items()) + "\n}\n"
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(f"  {compact(v)}" for v in value) + "\n]\n"
    return compact(value) + "\n"


@pytest.fixture
def busy(cli: Cli, tmp_path: Path) -> Cli:
    """A store with something in every listing: an exemption, a two-type batch, a request."""
    cli.add("201234567", "--reason", "Ward 4, Hôpital")
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_id,type\n201234568,placement\n201234569,withdrawn\n")
    cli.ok("bulk", str(cohort), "--start", "2027-01-11", "--for", "2w")
    cli.ok(
        "request",
        "201234570",
        "--type",
        "placement",
        "--start",
        "2027-01-11",
        "--for",
        "1w",
        "--from",
        "Dr Jones",
    )
    return cli


JSON_OUTPUTS = [
    ["list", "--format", "json"],
    ["list", "--all", "--format", "json"],
    ["batches", "--format", "json"],
    ["history", "1", "--format", "json"],
    ["types", "--format", "json"],
    ["requests", "--format", "json"],
    ["summary", "--format", "json"],
    ["config", "--format", "json"],
    ["doctor", "--format", "json"],
]


@pytest.mark.parametrize("args", JSON_OUTPUTS, ids=lambda a: " ".join(a[:-2]))
def test_every_json_output_has_one_layout(busy: Cli, args: list[str]) -> None:
    result = busy(*args)
    assert result.exit_code == 0, result.stderr
    value = json.loads(result.stdout)
    assert value, "nothing to lay out"
    assert result.stdout == laid_out(value)


@pytest.mark.parametrize("on", ["2027-01-12", "2027-01-04"])
def test_check_json_has_the_same_layout(busy: Cli, on: str) -> None:
    result = busy("check", "201234567", "--on", on, "--format", "json")
    assert result.stdout == laid_out(json.loads(result.stdout))


@pytest.mark.parametrize(
    "args",
    [["list", "--format", "jsonl"], ["batches", "--format", "jsonl"], ["history", "1", "--format", "jsonl"]],
    ids=lambda a: a[0],
)
def test_every_jsonl_line_is_compact(busy: Cli, args: list[str]) -> None:
    lines = busy.ok(*args).stdout.splitlines()
    assert lines and all(line == compact(json.loads(line)) for line in lines)


def test_a_feed_as_jsonl_is_compact(busy: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text("student_id,date,what\n201234567,2027-01-12,NDE\n201234568,2027-01-12,NDE\n")
    lines = busy.ok("check", "--file", str(feed), "--format", "jsonl").stdout.splitlines()
    assert len(lines) == 2 and all(line == compact(json.loads(line)) for line in lines)


def test_a_batchs_types_are_an_array(busy: Cli) -> None:
    (batch,) = json.loads(busy.ok("batches", "--format", "json").stdout)
    assert batch["types"] == ["placement", "withdrawn"]
    (line,) = busy.ok("batches", "--format", "jsonl").stdout.splitlines()
    assert json.loads(line)["types"] == ["placement", "withdrawn"]
    # CSV has no arrays: the codes comma-separated in one cell, as before.
    assert busy.ok("batches", "--format", "csv").stdout.splitlines()[1].count('"placement,withdrawn"') == 1
