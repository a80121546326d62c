"""The settings (store, time zone, student-ID pattern) and where each came from (SPEC section 9).

Precedence: the command-line option, then the environment variable, then the configuration
file, then the default. The file is TOML, read with the standard library's `tomllib`, and only
when a setting is not given by an option or the environment: a cron job that sets all three
never opens it. One file is read, the first of: the one named by STREAM_EXEMPT_CONFIG, the
per-user `config.toml`, `/etc/stream-exempt/config.toml`. Files are not merged.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from stream_exempt.errors import StoreUnusable

APP_NAME = "stream-exempt"
CONFIG_VARIABLE = "STREAM_EXEMPT_CONFIG"
SYSTEM_FILE = Path("/etc/stream-exempt/config.toml")
DEFAULT_TZ = "Europe/London"
DEFAULT_ID_PATTERN = "[0-9]{9}"

# Each setting: the environment variable that gives it, in the order `config` shows them.
VARIABLES = {
    "store": "STREAM_EXEMPT_DB",
    "timezone": "STREAM_EXEMPT_TZ",
    "id_pattern": "STREAM_EXEMPT_ID_PATTERN",
}
KEYS = tuple(VARIABLES)

DEFAULT, ENVIRONMENT, FILE, OPTION = "default", "environment", "config file", "option"


class BadConfiguration(StoreUnusable):
    """A configuration file that cannot be read, or holds an unknown key or a bad value (exit 4)."""


class Setting(NamedTuple):
    """One effective setting: its value and where it came from (a NamedTuple: cheaper to
    define than a dataclass, and this module is on every command's start-up path)."""

    name: str
    value: str
    kind: str  # OPTION, ENVIRONMENT, FILE or DEFAULT
    origin: str  # the option, the variable or the file that gave it; "" for a default

    @property
    def source(self) -> str:
        """Where it came from, in words: `--db`, `STREAM_EXEMPT_TZ`, `/etc/.../config.toml`, `default`."""
        return self.origin or DEFAULT


def app_dir() -> Path:
    """The per-user application folder (`typer.get_app_dir`), where the default store lives."""
    import typer

    return Path(typer.get_app_dir(APP_NAME))


def default_store() -> Path:
    """`exemptions.db` in the per-user application folder."""
    return app_dir() / "exemptions.db"


def file_location() -> tuple[Path | None, str]:
    """The configuration file to read (None when there is none) and why that one."""
    named = os.environ.get(CONFIG_VARIABLE)
    if named:
        return Path(named).expanduser(), CONFIG_VARIABLE
    user = app_dir() / "config.toml"
    if _exists(user):
        return user, "per-user file"
    if _exists(SYSTEM_FILE):
        return SYSTEM_FILE, "system file"
    return None, "none found"


def _exists(path: Path) -> bool:
    """Whether something is at `path`; a file we may not even look at counts (reading it fails loudly)."""
    try:
        path.stat()
    except FileNotFoundError:
        return False
    except NotADirectoryError:
        return False
    except OSError:
        return True
    return True


_cache: dict[tuple[str, int, int, int], dict[str, str]] = {}


def file_values() -> dict[str, str]:
    """The settings the configuration file gives, checked; {} when there is no file."""
    path, _ = file_location()
    if path is None:
        return {}
    try:
        status = path.stat()
    except FileNotFoundError:
        raise BadConfiguration(
            f"the configuration file {path} named by {CONFIG_VARIABLE} does not exist; "
            f"create it or unset {CONFIG_VARIABLE}."
        ) from None
    except OSError as error:
        raise _unreadable(path, error) from None
    key = (str(path), status.st_ino, status.st_mtime_ns, status.st_size)
    if key not in _cache:
        _cache.clear()
        _cache[key] = _read(path)
    return _cache[key]


def _unreadable(path: Path, error: OSError) -> BadConfiguration:
    reason = error.strerror or type(error).__name__
    return BadConfiguration(
        f"the configuration file {path} cannot be read ({reason}); fix its permissions, "
        f"or name another with {CONFIG_VARIABLE}."
    )


def _read(path: Path) -> dict[str, str]:
    import tomllib

    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise _unreadable(path, error) from None
    except UnicodeDecodeError:
        raise BadConfiguration(
            f"the configuration file {path} is not UTF-8 text; save it as UTF-8."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise BadConfiguration(
            f"the configuration file {path} is not valid TOML ({error}); write each setting "
            'as key = "value", for example store = "/srv/stream-exempt/exemptions.db".'
        ) from None
    values: dict[str, str] = {}
    for key, value in document.items():
        if key not in VARIABLES:
            raise BadConfiguration(
                f"the configuration file {path} has an unknown key {key!r}; the keys are {', '.join(KEYS)}."
            )
        values[key] = _checked(path, key, value)
    return values


def _checked(path: Path, key: str, value: Any) -> str:
    """A value from the file, or `BadConfiguration` naming the file and the key."""

    def bad(why: str) -> BadConfiguration:
        return BadConfiguration(f"the configuration file {path} has a bad value for {key!r}: {why}.")

    if not isinstance(value, str):
        raise bad(f"{type(value).__name__} given, text expected (put it in double quotes)")
    if not value.strip() or "\x00" in value:
        raise bad("it is empty")
    if key == "store":
        if not Path(value).expanduser().is_absolute():
            raise bad(
                f"{value!r} is a relative path; give the store's full path, e.g. /srv/stream-exempt/exemptions.db"
            )
    elif key == "timezone":
        if not zone_exists(value):
            raise bad(f"{value!r} is not a known time zone; name one such as Europe/London")
    elif key == "id_pattern":
        problem = pattern_problem(value)
        if problem:
            raise bad(f"{value!r} is not a valid regular expression ({problem})")
    return value


def zone_exists(name: str) -> bool:
    """Whether `name` is a time zone in the zone database."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def pattern_problem(text: str) -> str | None:
    """Why `text` is not a usable regular expression, or None."""
    import re

    try:
        re.compile(text)
    except re.error as error:
        return str(error)
    return None


def setting(name: str, *, option: str | None = None, option_name: str = "") -> Setting:
    """The effective value of one setting: option, environment variable, configuration file, default."""
    if option:
        return Setting(name, option, OPTION, option_name)
    variable = VARIABLES[name]
    if value := os.environ.get(variable):
        return Setting(name, value, ENVIRONMENT, variable)
    given = file_values()
    if name in given:
        path, _ = file_location()
        return Setting(name, given[name], FILE, str(path))
    return Setting(name, _default(name), DEFAULT, "")


def _default(name: str) -> str:
    if name == "store":
        return str(default_store())
    return DEFAULT_TZ if name == "timezone" else DEFAULT_ID_PATTERN


def store(option: str | None = None) -> Setting:
    """Where the store is: `--db`, STREAM_EXEMPT_DB, `store` in the file, else the per-user default."""
    return setting("store", option=option, option_name="--db")
