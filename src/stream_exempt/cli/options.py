"""Options shared by several commands, declared once."""

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stream_exempt import output


def format_choice(name: str, keys: Sequence[str]) -> type[StrEnum]:
    """The `--format` choices of a command: keys of the one format registry, as an Enum that
    Typer validates (case-insensitively, listing the accepted values on a bad one)."""
    unknown = [key for key in keys if key not in output.FORMATS]
    if unknown:
        raise ValueError(f"not in the format registry: {unknown}")
    return StrEnum(name, [(key, key) for key in keys])  # type: ignore[return-value]


def value_option(names: str, metavar: str, help: str, **more: Any) -> Any:
    """An option that takes a value: its names (`"--reason -r"`), the value's name in --help,
    and its help (and anything more Typer takes)."""
    return typer.Option(*names.split(), metavar=metavar, help=help, **more)


def column_option(field: str) -> Any:
    """`--start-column NAME` and its kind: the header of a cohort list's column for `field`."""
    return value_option(f"--{field}-column", "NAME", f"The header of the {field} column.")


def format_option(help: str = "Output format.") -> Any:
    return typer.Option("--format", "-f", case_sensitive=False, help=help)


# Every command's `--format` choices, from the registry's names for them.
if TYPE_CHECKING:  # for the type checker, a choice is the text it holds
    TableFormat = str
    AnswerFormat = str
    CheckFormat = str
    ViewFormat = str
else:
    # Every format that can write rows of records (list, history, types, batches, ...).
    TableFormat = format_choice("TableFormat", output.TABLE_FORMATS)
    # One answer, for people (text) or programs (json): doctor.
    AnswerFormat = format_choice("AnswerFormat", output.ANSWER_FORMATS)
    # One answer (check STUDENT_ID) or a feed (check --file).
    CheckFormat = format_choice("CheckFormat", output.CHECK_FORMATS)
    # A view for people (table) or programs (json): summary, config.
    ViewFormat = format_choice("ViewFormat", output.VIEW_FORMATS)

TableFormatOption = Annotated[TableFormat, format_option()]
AnswerFormatOption = Annotated[AnswerFormat, format_option("text for people, json for programs.")]

StudentArgument = Annotated[
    str,
    typer.Argument(metavar="STUDENT_ID", help="The student's number, e.g. 201234567.", show_default=False),
]
TypeOption = Annotated[
    str, value_option("--type -t", "TYPE", "Exemption type, by code or label (see `stream-exempt types`).")
]
StartOption = Annotated[
    str, value_option("--start -s", "DATE", "First day covered: 2027-01-10, 10/01/2027, 10 Jan 2027, +1w...")
]
EndOption = Annotated[str | None, value_option("--end -e", "DATE", "Last day covered (inclusive).")]
ForOption = Annotated[
    str | None,
    value_option(
        "--for",
        "DURATION",
        "How long it covers, instead of --end: 10d, 2w, 3m (1m from 10 Jan ends 9 Feb; from 31 Jan, 28 Feb).",
    ),
]
ReasonOption = Annotated[
    str | None, value_option("--reason -r", "TEXT", "Why, in at most 500 characters (optional).")
]
ActorOption = Annotated[
    str | None,
    value_option(
        "--as",
        "NAME",
        "Who the change is for (a colleague, a tutor), recorded beside your login, never instead of it.",
    ),
]
OnOption = Annotated[str | None, value_option("--on", "DATE", "The day to ask about (default: today).")]
BatchOption = Annotated[
    str | None, value_option("--batch -b", "BATCH", "Every changeable member of this bulk batch.")
]
EncodingOption = Annotated[
    str | None,
    value_option(
        "--encoding",
        "ENCODING",
        "Text encoding of the file, e.g. cp1252 (default: UTF-8, or UTF-16 after its byte-order mark).",
    ),
]
ColumnOption = Annotated[str | None, value_option("--column", "NAME", "The header of the student-ID column.")]
MonthFirstOption = Annotated[
    bool,
    typer.Option(
        "--month-first",
        help="Read the file's numeric dates month-first (10/17/2027), as US spreadsheets write them.",
    ),
]

# A series (SPEC 11): `add` and `bulk` with --every.
EveryOption = Annotated[
    str | None,
    value_option(
        "--every",
        "INTERVAL",
        "Repeat it as a series, each occurrence this long after the first: 1w, 2w, 10d, 1m, 1y.",
    ),
]
CountOption = Annotated[
    str | None, value_option("--count", "N", "How many occurrences in the series, 2 to 200.")
]
UntilOption = Annotated[
    str | None, value_option("--until", "DATE", "The series' last occurrence starts on or before this day.")
]
WeekdaysOption = Annotated[
    str | None,
    value_option(
        "--weekdays",
        "DAYS",
        "With a weekly --every: the days each week on which occurrences start, e.g. mon,wed.",
    ),
]
