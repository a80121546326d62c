"""`config`: every effective setting and where it came from. Never opens or creates the store."""

from typing import Annotated, Any

import typer

from stream_exempt import config
from stream_exempt.cli.options import ViewFormat, format_option
from stream_exempt.cli.session import Session
from stream_exempt.output import Document, tables
from stream_exempt.output.outcomes import Shown
from stream_exempt.store.location import without_password


def effective(survey: config.Survey) -> dict[str, Any]:
    """Each setting's value and source (and its problem, when it is bad), and each
    configuration file read, in the order of its layer (and its problem, when it is bad)."""
    report: dict[str, Any] = {}
    for setting in survey.settings:
        # A PostgreSQL URL never shows its password (SPEC 12).
        value = without_password(setting.value) if setting.name == "store" else setting.value
        entry = {"value": value, "source": setting.source}
        if setting.name in survey.bad_settings:
            entry["problem"] = survey.bad_settings[setting.name]
        report[setting.name] = entry
    report["config_files"] = [
        {"path": str(layer.path), "layer": layer.why, **({"problem": problem} if problem else {})}
        for layer, problem in survey.files
    ]
    return report


def config_(
    ctx: typer.Context,
    fmt: Annotated[ViewFormat, format_option("table or json.")] = "table",
) -> Shown:
    """Show every effective setting (store, timezone, id_pattern) and where it came from.

    Precedence: option (--db), environment variable, configuration files, default. The files
    are read in layers: /etc/stream-exempt/config.toml, then the per-user config.toml, then the
    file STREAM_EXEMPT_CONFIG names; each key comes from the last file that sets it. A bad
    setting is shown, and named on stderr (exit 4).

    Example: stream-exempt config
    """
    session: Session = ctx.obj
    survey = config.survey(session.db)
    report = effective(survey)
    none = f"no {config.SYSTEM_FILE}, no {config.user_file()}, {config.CONFIG_VARIABLE} unset"
    shown = (
        Shown(Document(report, ""), "json") if fmt == "json" else Shown(tables.settings(report, none), fmt)
    )
    if survey.problems:
        first, others = survey.problems[0], len(survey.problems) - 1
        if others:
            # Joined with ";", never a bracket after the first problem's own bracket.
            which = f"{others} other bad setting{'s are' if others > 1 else ' is'}"
            where = 'given with its "problem" in the JSON' if fmt == "json" else "marked above"
            first.message = f"{first.message.rstrip('.')}; {which} {where}."
        shown.error = first
    return shown
