"""The Typer application: root options and the table of commands."""

from pathlib import Path
from typing import Annotated

import typer

from stream_exempt import __version__
from stream_exempt.cli import (
    add,
    batches,
    bulk,
    catalogue,
    change,
    check,
    config,
    doctor,
    edit,
    history,
    init,
    listing,
    requests,
    summary,
    timeline,
)
from stream_exempt.cli.group import ExemptGroup
from stream_exempt.cli.session import Session
from stream_exempt.errors import Refused

app = typer.Typer(
    cls=ExemptGroup,
    name="stream-exempt",
    help=(
        "Manage Exemptions: date ranges during which a student's engagement notifications "
        "are suppressed (placement, authorised absence, dissertation, break in learning, withdrawn)."
    ),
    invoke_without_command=True,  # the root callback shows the help when no command is given
    add_completion=False,
    pretty_exceptions_enable=False,  # tracebacks could show personal data held in locals
    rich_markup_mode=None,  # plain help: `--help` must not import Rich
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"stream-exempt {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH",
            help=(
                "The store file (else STREAM_EXEMPT_DB, else `store` in the configuration file, "
                "else exemptions.db in your application folder; see `stream-exempt config`)."
            ),
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Manage Exemptions from student-engagement notifications."""
    if ctx.invoked_subcommand is None:
        print(ctx.get_help())
        raise typer.Exit(2)
    if db == "":  # an unset shell variable (`--db "$SES_DB"`): never fall back to another store
        raise Refused("--db is empty; give the path of the store.")
    session = Session(Path(db) if db else None)
    ctx.obj = session
    ctx.call_on_close(session.close)


app.command("add")(add.add)
app.command("bulk")(bulk.bulk)
app.command("list")(listing.list_)
app.command("check")(check.check)
app.command("extend")(change.extend)
app.command("move")(change.move)
app.command("delete")(change.delete)
app.command("history")(history.history)
app.command("types")(catalogue.types_)
app.command("doctor")(doctor.doctor)
app.command("config")(config.config_)
app.command("init")(init.init)
app.command("request")(requests.request)
app.command("requests")(requests.requests)
app.command("approve")(requests.approve)
app.command("reject")(requests.reject)
app.command("edit")(edit.edit)
app.command("batches")(batches.batches)
app.command("summary")(summary.summary)
app.command("timeline")(timeline.timeline)


def main() -> None:
    """The console script (and `python -m stream_exempt`)."""
    from stream_exempt.cli import streams

    streams.die_quietly_on_broken_pipe()
    app()
