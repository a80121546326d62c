"""`csv` and `tsv`: a header row always, one row per record, streamed."""

from __future__ import annotations

from typing import IO, Any

from stream_exempt.output.results import Table

# A cell a spreadsheet would run as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with `'`."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _write(table: Table, out: IO[str], delimiter: str) -> None:
    import csv as _csv

    writer = _csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(table.fields)
    machine = table.machine
    for item in table.items:
        writer.writerow([_cell(value) for value in machine(item)])


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):  # a nested value (an event's before and after): as JSON
        from stream_exempt.output.jsonfmt import dumps

        return dumps(value)
    return defuse(value)


def csv(table: Table, out: IO[str]) -> None:
    _write(table, out, ",")


def tsv(table: Table, out: IO[str]) -> None:
    _write(table, out, "\t")
