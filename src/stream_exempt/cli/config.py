"""`config`: every effective setting and where it came from. Never opens or creates the store."""

from typing import TYPE_CHECKING, Annotated

import typer

from stream_exempt import config, output
from stream_exempt.cli.options import format_choice, format_option
from stream_exempt.cli.session import Session

if TYPE_CHECKING:
    ConfigFormat = str
else:
    ConfigFormat = format_choice("ConfigFormat", ("table", "json"))


def effective(session: Session) -> dict[str, dict[str, str | None]]:
    """Each setting's value and source, and the configuration file consulted (if any)."""
    path, why = config.file_location()
    report: dict[str, dict[str, str | None]] = {}
    for setting in (session.store_setting, config.setting("timezone"), config.setting("id_pattern")):
        report[setting.name] = {"value": setting.value, "source": setting.source}
    if path is None:
        candidates = (
            f"{config.CONFIG_VARIABLE} unset; no {config.app_dir() / 'config.toml'}, no {config.SYSTEM_FILE}"
        )
        report["config_file"] = {"value": None, "source": candidates}
    else:
        report["config_file"] = {"value": str(path), "source": why}
    return report


def config_(
    ctx: typer.Context,
    fmt: Annotated[ConfigFormat, format_option("table or json.")] = "table",
) -> None:
    """Show every effective setting (store, timezone, id_pattern) and where it came from.

    Precedence: option (--db), environment variable, configuration file, default.

    Example: stream-exempt config
    """
    session: Session = ctx.obj
    report = effective(session)
    if fmt == "json":
        output.render(output.Document(report, ""), "json")
        return
    rows = [
        [name.replace("_", " "), entry["value"] or "(none)", entry["source"] or ""]
        for name, entry in report.items()
    ]
    output.render(
        output.Table(("setting", "value", "from"), ("Setting", "Value", "From"), rows, list, list), fmt
    )
