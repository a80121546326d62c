"""The settings (store, time zone, student-ID pattern) and where each came from (SPEC section 9).

Precedence: the command-line option, then the environment variable, then the configuration
files, then the default. The files are TOML, read with the standard library's `tomllib`, in
layers as git reads its own: `/etc/stream-exempt/config.toml` (the office's), then the per-user
`config.toml`, then the file STREAM_EXEMPT_CONFIG names; each key is taken from the last layer
that sets it, so a personal file that sets only `timezone` keeps the office's `store`. The
files are read only when a setting is not given by an option or the environment: a cron job
that sets all three never opens them. Every bad setting, in a file or in the environment, is
`BadConfiguration` (exit 4) naming where it came from.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from stream_exempt.errors import StoreUnusable, printable

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

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
SYSTEM_LAYER, USER_LAYER = "system file", "per-user file"


class BadConfiguration(StoreUnusable):
    """A configuration file that cannot be read, or holds an unknown key or a bad value, or a
    bad value in an environment variable (exit 4). `subject` names what is bad in a few words
    (`'store' in /etc/stream-exempt/config.toml`), for `config` to count the others by name."""

    subject = ""

    def about(self, subject: str) -> BadConfiguration:
        self.subject = subject
        return self


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


class Layer(NamedTuple):
    """A configuration file to read, and which layer it is (`system file`, `per-user file`,
    or STREAM_EXEMPT_CONFIG)."""

    path: Path
    why: str


def app_dir() -> Path:
    """The per-user application folder (`typer.get_app_dir`), where the default store lives."""
    import typer

    return Path(typer.get_app_dir(APP_NAME))


def default_store() -> Path:
    """`exemptions.db` in the per-user application folder."""
    return app_dir() / "exemptions.db"


def user_file() -> Path:
    """The per-user configuration file (it may not exist)."""
    return app_dir() / "config.toml"


def layers() -> list[Layer]:
    """The configuration files to read, first to last (a later one's keys win): the system
    file and the per-user file when they exist, and the one STREAM_EXEMPT_CONFIG names."""
    found = [
        Layer(path, why)
        for path, why in ((SYSTEM_FILE, SYSTEM_LAYER), (user_file(), USER_LAYER))
        if _exists(path)
    ]
    if named := os.environ.get(CONFIG_VARIABLE):
        found.append(Layer(Path(named).expanduser(), CONFIG_VARIABLE))
    return found


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


def layer_values(layer: Layer) -> dict[str, str]:
    """The settings one configuration file gives, checked, or `BadConfiguration`."""
    status = _stat(layer.path)
    key = (str(layer.path), status.st_ino, status.st_mtime_ns, status.st_size)
    if key not in _cache:
        values, bad = _values(layer.path, _document(layer.path))
        if bad:
            raise bad[0][1]
        _cache[key] = values
    return _cache[key]


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except FileNotFoundError:
        raise BadConfiguration(
            f"the configuration file {path} named by {CONFIG_VARIABLE} does not exist; "
            f"create it or unset {CONFIG_VARIABLE}."
        ) from None
    except OSError as error:
        raise _unreadable(path, error) from None


def file_values() -> dict[str, tuple[str, Path]]:
    """Each key the configuration files set, with the file it was taken from (the last layer
    that sets it); {} when there is no file."""
    merged: dict[str, tuple[str, Path]] = {}
    for layer in layers():
        for key, value in layer_values(layer).items():
            merged[key] = (value, layer.path)
    return merged


def _unreadable(path: Path, error: OSError) -> BadConfiguration:
    reason = error.strerror or type(error).__name__
    return BadConfiguration(
        f"the configuration file {path} cannot be read ({reason}); fix its permissions, "
        f"or name another with {CONFIG_VARIABLE}."
    )


def _document(path: Path) -> dict[str, Any]:
    """The file's TOML document, or `BadConfiguration` when it cannot be read as one."""
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
    return document


def _values(
    path: Path, document: dict[str, Any]
) -> tuple[dict[str, str], list[tuple[str, BadConfiguration]]]:
    """The file's good settings, and each bad key with why, in the file's order."""
    values: dict[str, str] = {}
    bad: list[tuple[str, BadConfiguration]] = []
    for key, value in document.items():
        if key not in VARIABLES:
            bad.append(
                (
                    key,
                    BadConfiguration(
                        f"the configuration file {path} has an unknown key {key!r}; the keys are {', '.join(KEYS)}."
                    ).about(f"the unknown key {key!r} in {path}"),
                )
            )
            continue
        try:
            values[key] = _checked(path, key, value)
        except BadConfiguration as error:
            bad.append((key, error))
    return values, bad


def _kind_of(value: Any) -> str:
    """What a TOML value is, in TOML's words rather than Python's (`true`, a number, a date)."""
    import datetime

    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, datetime.date | datetime.time):
        return "a date or time"
    return "a list" if isinstance(value, list) else "a table"


def _checked(path: Path, key: str, value: Any) -> str:
    """A value from the file, or `BadConfiguration` naming the file and the key."""

    def bad(why: str) -> BadConfiguration:
        return BadConfiguration(f"the configuration file {path} has a bad value for {key!r}: {why}.").about(
            f"{key!r} in {path}"
        )

    if not isinstance(value, str):
        raise bad(f"{_kind_of(value)} given, text expected (put it in double quotes)")
    if not value.strip() or "\x00" in value:
        raise bad("it is empty")
    if key == "store":
        from stream_exempt.store.location import is_url

        if not is_url(value) and not Path(value).expanduser().is_absolute():
            raise bad(
                f"{printable(value)} is a relative path; give the store's full path, e.g. /srv/stream-exempt/exemptions.db"
            )
    elif problem := value_problem(key, value):
        raise bad(f"{printable(value)} is {problem}")
    return value


@lru_cache(maxsize=64)
def value_problem(key: str, value: str) -> str | None:
    """Why `value` cannot be the time zone or the student-ID pattern, or None (remembered: the
    environment's values are checked each time a setting is asked for)."""
    if key == "timezone" and not zone_exists(value):
        return "not a known time zone; name one such as Europe/London"
    if key == "id_pattern":
        from stream_exempt import patterns

        return patterns.problem(value)
    return None


def zone_exists(name: str) -> bool:
    """Whether `name` is a time zone in the zone database. A folder of it (`Europe`) or a name
    too long for a file name is none: the loader raises OSError for those."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def from_environment(name: str) -> Setting | None:
    """The setting its environment variable gives, checked, or None when the variable is unset."""
    variable = VARIABLES[name]
    value = os.environ.get(variable)
    if not value:
        return None
    if problem := value_problem(name, value):
        then = f", or unset {variable}" if ";" in problem else f"; fix it or unset {variable}"
        raise BadConfiguration(f"{variable}={printable(value)} is {problem}{then}.").about(variable)
    return Setting(name, value, ENVIRONMENT, variable)


def check_environment() -> None:
    """`BadConfiguration` for the first environment variable that holds a bad value."""
    for name in KEYS:
        from_environment(name)


def setting(name: str, *, option: str | None = None, option_name: str = "") -> Setting:
    """The effective value of one setting: option, environment variable, configuration files, default."""
    if option:
        return Setting(name, option, OPTION, option_name)
    if given := from_environment(name):
        return given
    merged = file_values()
    if name in merged:
        value, path = merged[name]
        return Setting(name, value, FILE, str(path))
    return Setting(name, _default(name), DEFAULT, "")


def _default(name: str) -> str:
    if name == "store":
        return str(default_store())
    return DEFAULT_TZ if name == "timezone" else DEFAULT_ID_PATTERN


def store(option: str | None = None) -> Setting:
    """Where the store is: `--db`, STREAM_EXEMPT_DB, `store` in the files, else the per-user default."""
    return setting("store", option=option, option_name="--db")


def zone() -> ZoneInfo:
    """The University's time zone: STREAM_EXEMPT_TZ, else `timezone` in the configuration files,
    else Europe/London. What `dates` is handed to tell today's date and show a time."""
    from zoneinfo import ZoneInfo

    # A zone that does not exist was refused when the setting was read (exit 4, naming where).
    return ZoneInfo(setting("timezone").value)


class Survey(NamedTuple):
    """Every setting, every configuration file, and every problem found, for `config`."""

    settings: list[Setting]
    files: list[tuple[Layer, str | None]]  # each layer, and its problem (None when it is fine)
    problems: list[BadConfiguration]  # every one, in the order found
    bad_settings: dict[str, str]  # a setting's name: why its variable's value is bad


def survey(store_option: str | None = None) -> Survey:
    """All that `config` shows: each file read (even when options and variables give every
    setting), the settings as the files that could be read give them, and every problem."""
    problems: list[BadConfiguration] = []
    files: list[tuple[Layer, str | None]] = []
    merged: dict[str, tuple[str, Path]] = {}
    bad_in_files: dict[str, str] = {}  # a key whose value in the last file that sets it is bad
    for layer in layers():
        try:
            _stat(layer.path)
            document = _document(layer.path)
        except BadConfiguration as error:
            problems.append(error)
            files.append((layer, error.message))
            continue
        # A bad key is named, and the file's other keys still count: the store it names is shown.
        values, bad = _values(layer.path, document)
        said = "; ".join(refusal.message.rstrip(".") for _, refusal in bad) + "." if bad else None
        files.append((layer, said))
        for key, value in values.items():
            merged[key] = (value, layer.path)
            bad_in_files.pop(key, None)
        for key, refusal in bad:
            problems.append(refusal)
            if key in VARIABLES:
                given = document[key]
                merged[key] = (given if isinstance(given, str) else repr(given), layer.path)
                bad_in_files[key] = refusal.message
    settings, bad_settings = [], {}
    for name in KEYS:
        option = store_option if name == "store" else None
        if option:
            settings.append(Setting(name, option, OPTION, "--db"))
            continue
        try:
            given = from_environment(name)
        except BadConfiguration as error:
            problems.append(error)
            bad_settings[name] = error.message
            given = Setting(name, os.environ[VARIABLES[name]], ENVIRONMENT, VARIABLES[name])
        if given is None and name in merged:
            value, path = merged[name]
            given = Setting(name, value, FILE, str(path))
            if name in bad_in_files:
                bad_settings[name] = bad_in_files[name]
        settings.append(given or Setting(name, _default(name), DEFAULT, ""))
    store_setting = settings[KEYS.index("store")]
    if "store" not in bad_settings and (problem := _url_problem(store_setting)):
        problems.append(problem)
        bad_settings["store"] = problem.message
    return Survey(settings, files, problems, bad_settings)


def _url_problem(setting: Setting) -> BadConfiguration | None:
    """Why libpq cannot read the store's URL, if it is one (`config` never connects: a URL that
    every other command would refuse is found here, without the server)."""
    from stream_exempt.store.location import is_url, url_problem

    if not is_url(setting.value) or (problem := url_problem(setting.value)) is None:
        return None
    where = f" (that URL is set in {setting.origin})" if setting.kind != OPTION else ""
    return BadConfiguration(f"{problem.rstrip('.')}{where}.").about("the store's URL")
