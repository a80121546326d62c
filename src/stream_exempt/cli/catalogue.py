"""`types`: the five exemption types."""

from stream_exempt.cli.options import TableFormatOption
from stream_exempt.output import tables
from stream_exempt.output.outcomes import Shown


def types_(fmt: TableFormatOption = "table") -> Shown:
    """List the five exemption types: code, label and meaning.

    Example: stream-exempt types --format plain
    """
    return Shown(tables.exemption_types(), fmt)
