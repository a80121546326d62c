"""`types`: the five exemption types."""

from stream_exempt import output
from stream_exempt.cli.options import TableFormatOption
from stream_exempt.types import TYPES


def types_(fmt: TableFormatOption = "table") -> None:
    """List the five exemption types: code, label and meaning.

    Example: stream-exempt types --format plain
    """
    output.render(
        output.Table(
            ("code", "label", "meaning"),
            ("Code", "Label", "Meaning"),
            TYPES,
            machine=lambda t: (t.code, t.label, t.meaning),
            human=lambda t: (t.code, t.label, t.meaning),
        ),
        fmt,
    )
