"""Options shared by several commands, declared once."""

from typing import Annotated

import typer

StudentArgument = Annotated[
    str,
    typer.Argument(metavar="STUDENT_ID", help="The student's number, e.g. 201234567.", show_default=False),
]
TypeOption = Annotated[
    str,
    typer.Option(
        "--type", "-t", metavar="TYPE", help="Exemption type, by code or label (see `stream-exempt types`)."
    ),
]
StartOption = Annotated[
    str,
    typer.Option(
        "--start", "-s", metavar="DATE", help="First day covered: 2027-01-10, 10/01/2027, 10 Jan 2027, +1w..."
    ),
]
EndOption = Annotated[
    str | None, typer.Option("--end", "-e", metavar="DATE", help="Last day covered (inclusive).")
]
ForOption = Annotated[
    str | None,
    typer.Option(
        "--for",
        metavar="DURATION",
        help="How long it covers, instead of --end: 10d, 2w, 3m (1m from 10 Jan ends 9 Feb; from 31 Jan, 28 Feb).",
    ),
]
ReasonOption = Annotated[
    str | None,
    typer.Option("--reason", "-r", metavar="TEXT", help="Why, in at most 500 characters (optional)."),
]
ActorOption = Annotated[
    str | None,
    typer.Option("--as", metavar="NAME", help="Who is making the change (default: your login name)."),
]
OnOption = Annotated[
    str | None, typer.Option("--on", metavar="DATE", help="The day to ask about (default: today).")
]
BatchOption = Annotated[
    str | None,
    typer.Option("--batch", "-b", metavar="BATCH", help="Every changeable member of this bulk batch."),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        metavar="ENCODING",
        help="Text encoding of the file, e.g. cp1252 (default: UTF-8, or UTF-16 after its byte-order mark).",
    ),
]
ColumnOption = Annotated[
    str | None, typer.Option("--column", metavar="NAME", help="The header of the student-ID column.")
]
