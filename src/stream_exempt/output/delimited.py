"""`csv` and `tsv`: a header row always, one row per record, streamed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
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
CHUNK = 1000  # rows written to the output at once


def _write(table: Table, out: IO[str], delimiter: str) -> None:
    import csv as _csv

    writer = _csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(table.fields)
    machine = table.machine
    if table.line is not None:  # lines the source wrote, where it could
        _lines(table, delimiter, out)
        return
    if table.text_columns is not None:  # plain values (None is written empty): the fast way
        _in_chunks(_defused(map(machine, table.items), table.text_columns), delimiter, out)
        return
    for item in table.items:
        writer.writerow([_cell(value) for value in machine(item)])


def _in_chunks(rows: Iterable[Sequence[Any]], delimiter: str, out: IO[str]) -> None:
    """Write the rows a thousand at a time: one write to `out` per chunk, not per row (a
    write to standard output passes through the guard that turns its failures into exit
    codes, which costs more than the row itself)."""
    import csv as _csv
    import io

    buffer = io.StringIO()
    writer = _csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        writer.writerows(chunk)
        out.write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()


def _lines(table: Table, delimiter: str, out: IO[str]) -> None:
    """Each item's line as the source wrote it, or, where it could not, the csv module's."""
    import csv as _csv
    import io

    assert table.line is not None and table.text_columns is not None
    line, machine, columns = table.line, table.machine, table.text_columns
    items = iter(table.items)
    while chunk := list(islice(items, CHUNK)):
        text = "\n".join(map(line, chunk)) + "\n"
        if not text.startswith("[") and "\n[" not in text:  # as a rule: every line as written
            out.write(text)
            continue
        buffer = io.StringIO()
        writer = _csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
        for item in chunk:
            written = line(item)
            if written.startswith("["):
                writer.writerows(_defused([machine(item)], columns))
            else:
                buffer.write(written + "\n")
        out.write(buffer.getvalue())


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
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return defuse(",".join(value))  # several codes (a batch's types): comma-separated, as before
    if isinstance(value, dict | list):  # a nested value (an event's before and after): as JSON
        from stream_exempt.output.jsonfmt import dumps

        return dumps(value)
    return defuse(value)


def csv(table: Table, out: IO[str]) -> None:
    _write(table, out, ",")


def tsv(table: Table, out: IO[str]) -> None:
    _write(table, out, "\t")
