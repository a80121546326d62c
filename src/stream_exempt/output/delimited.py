"""`csv` and `tsv`: a header row always, one row per record, streamed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from stream_exempt.output.results import Table

# A cell a spreadsheet would run as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with `'`."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


_RISKY = frozenset(_FORMULA_STARTS)


def _write(table: Table, out: IO[str], delimiter: str) -> None:
    import csv as _csv

    writer = _csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(table.fields)
    machine = table.machine
    if table.text_columns is not None:  # plain values (None is written empty): the fast way
        writer.writerows(_defused(map(machine, table.items), table.text_columns))
        return
    for item in table.items:
        writer.writerow([_cell(value) for value in machine(item)])


def _defused(rows: Iterable[Sequence[Any]], columns: Sequence[int]) -> Iterator[Sequence[Any]]:
    """The rows, each with its text cells defused if one of them would run as a formula;
    only the cells of `columns` are looked at, so a row costs a few comparisons."""
    for row in rows:
        for column in columns:
            cell = row[column]
            if cell and cell[0] in _RISKY:
                row = [defuse(value) for value in row]
                break
        yield row


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
