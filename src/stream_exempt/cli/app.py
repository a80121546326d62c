"""The Typer application: root options and the table of commands.

Typer turns every registered command into a Click command before it runs any of them, and each
command's module imports what it needs. A run of one command (`check`, thousands of times a
night from cron) therefore builds an application holding that command alone; `--help`, an
unknown command and the tests get the whole application, `app`.
"""

import sys
from collections.abc import Callable, Sequence
from functools import wraps
from importlib import import_module
from typing import Annotated, Any

import typer

from stream_exempt import __version__, config
from stream_exempt.cli.group import ExemptGroup
from stream_exempt.cli.session import Session
from stream_exempt.errors import Refused

# Every command: its name, and the module and function under stream_exempt.cli that run it.
COMMANDS: dict[str, tuple[str, str]] = {
    "add": ("add", "add"),
    "bulk": ("bulk", "bulk"),
    "list": ("listing", "list_"),
    "check": ("check", "check"),
    "extend": ("change", "extend"),
    "move": ("change", "move"),
    "delete": ("change", "delete"),
    "history": ("history", "history"),
    "types": ("catalogue", "types_"),
    "doctor": ("doctor", "doctor"),
    "config": ("config", "config_"),
    "init": ("init", "init"),
    "request": ("requests", "request"),
    "requests": ("requests", "requests"),
    "approve": ("requests", "approve"),
    "reject": ("requests", "reject"),
    "edit": ("edit", "edit"),
    "batches": ("batches", "batches"),
    "summary": ("summary", "summary"),
    "timeline": ("timeline", "timeline"),
    "copy-store": ("copy_store", "copy_store"),
}
ROOT_OPTIONS_WITH_VALUE = frozenset({"--db"})

_SETTINGS: dict[str, Any] = dict(
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
        from stream_exempt.output.said.common import out

        out(f"stream-exempt {__version__}")
        raise typer.Exit(0)


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
        from stream_exempt.output.said.common import out

        out(ctx.get_help())
        raise typer.Exit(2)
    if db == "":  # an unset shell variable (`--db "$SES_DB"`): never fall back to another store
        raise Refused("--db is empty; give the path of the store.")
    if ctx.invoked_subcommand != "config":  # `config` shows every setting first, then what is bad
        config.check_environment()  # a bad variable is exit 4 for every command (SPEC 9)
    session = ctx.ensure_object(Session)  # made by the root group, which reports from its ledger
    session.db = db or None
    ctx.call_on_close(session.close)


def rendered(command: Callable[..., object]) -> Callable[..., None]:
    """The command as Typer runs it: what it returns is written by the one renderer
    (`output.render_result`), then its exit code (and an error still owed) follow."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        result = command(*args, **kwargs)
        if result is None:
            return
        from stream_exempt.output import render_result

        code = render_result(result)
        error = getattr(result, "error", None)
        if error is not None:
            raise error
        if code:
            raise typer.Exit(code)

    return run


def build(names: Sequence[str] | None = None) -> typer.Typer:
    """An application with the root options and the named commands (every command by default)."""
    application = typer.Typer(**_SETTINGS)
    application.callback()(root)
    for name in COMMANDS if names is None else names:
        module, function = COMMANDS[name]
        application.command(name)(rendered(getattr(import_module(f"stream_exempt.cli.{module}"), function)))
    return application


def command_named(args: Sequence[str]) -> str | None:
    """The command that `args` runs, when it is one of ours and no root help is asked for."""
    at = 0
    while at < len(args):
        word = args[at]
        if word in ROOT_OPTIONS_WITH_VALUE:
            at += 2
        elif word.startswith("--db="):
            at += 1
        elif word.startswith("-"):
            return None  # --help, --version or a mistake: the whole application answers
        else:
            return word if word in COMMANDS else None
    return None


app: typer.Typer  # the whole application; see __getattr__


def __getattr__(name: str) -> Any:
    """`app`, the whole application, built when first asked for (tests, `--help`)."""
    if name == "app":
        whole = build()
        globals()["app"] = whole
        return whole
    raise AttributeError(name)


def main() -> None:
    """The console script (and `python -m stream_exempt`)."""
    from stream_exempt.cli import streams

    streams.die_quietly_on_broken_pipe()
    name = command_named(sys.argv[1:])
    build([name] if name is not None else None)()
