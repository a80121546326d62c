"""The configuration file and `config`: precedence at every level, and a bad file is exit 4."""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers import Cli
from stream_exempt import config
from stream_exempt.cli.app import app

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """stream-exempt without the test store's --db, so that every level of precedence shows."""
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def effective(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = run(*args, "config", "--format", "json", env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def user_file() -> Path:
    return config.app_dir() / "config.toml"


@pytest.fixture
def office_file(tmp_path: Path) -> Path:
    return write(
        tmp_path / "office.toml",
        'store = "/srv/office/exemptions.db"\ntimezone = "Pacific/Auckland"\nid_pattern = "[A-Z]{2}[0-9]{4}"\n',
    )


def test_with_nothing_set_every_setting_is_its_default() -> None:
    report = effective()
    assert report["store"] == {"value": str(config.app_dir() / "exemptions.db"), "source": "default"}
    assert report["timezone"] == {"value": "Europe/London", "source": "default"}
    assert report["id_pattern"] == {"value": "[0-9]{9}", "source": "default"}
    assert report["config_files"] == []


@pytest.mark.parametrize(
    ("option", "variable", "in_file", "expected", "source"),
    [
        ("/opt/option.db", "/opt/env.db", True, "/opt/option.db", "--db"),
        (None, "/opt/env.db", True, "/opt/env.db", "STREAM_EXEMPT_DB"),
        (None, None, True, "/srv/office/exemptions.db", "FILE"),
        (None, None, False, "DEFAULT", "default"),
    ],
    ids=["option beats all", "environment beats the file", "file beats the default", "default"],
)
def test_store_precedence(
    tmp_path: Path,
    office_file: Path,
    option: str | None,
    variable: str | None,
    in_file: bool,
    expected: str,
    source: str,
) -> None:
    env = {"STREAM_EXEMPT_CONFIG": str(office_file if in_file else write(tmp_path / "empty.toml", ""))}
    if variable:
        env["STREAM_EXEMPT_DB"] = variable
    report = effective(*(["--db", option] if option else []), env=env)
    expected = str(config.app_dir() / "exemptions.db") if expected == "DEFAULT" else expected
    assert report["store"] == {"value": expected, "source": str(office_file) if source == "FILE" else source}


@pytest.mark.parametrize("name", ["timezone", "id_pattern"])
@pytest.mark.parametrize("level", ["environment", "file", "default"])
def test_timezone_and_id_pattern_precedence(tmp_path: Path, office_file: Path, name: str, level: str) -> None:
    variable = config.VARIABLES[name]
    from_env = {"timezone": "Asia/Tokyo", "id_pattern": "[0-9]{8}"}[name]
    from_file = {"timezone": "Pacific/Auckland", "id_pattern": "[A-Z]{2}[0-9]{4}"}[name]
    default = {"timezone": "Europe/London", "id_pattern": "[0-9]{9}"}[name]
    env = {"STREAM_EXEMPT_CONFIG": str(office_file if level != "default" else write(tmp_path / "e.toml", ""))}
    if level == "environment":
        env[variable] = from_env
    report = effective(env=env)
    expected = {
        "environment": (from_env, variable),
        "file": (from_file, str(office_file)),
        "default": (default, "default"),
    }[level]
    assert (report[name]["value"], report[name]["source"]) == expected


def test_the_files_are_layers_merged_key_by_key(
    tmp_path: Path, user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = write(
        tmp_path / "etc" / "config.toml", 'store = "/srv/office/exemptions.db"\ntimezone = "Asia/Tokyo"\n'
    )
    monkeypatch.setattr(config, "SYSTEM_FILE", system)
    report = effective()
    assert report["timezone"] == {"value": "Asia/Tokyo", "source": str(system)}
    assert report["config_files"] == [{"path": str(system), "layer": "system file"}]
    # A personal file that sets only the time zone keeps the office's store (SPEC 9).
    write(user_file, 'timezone = "America/New_York"\n')
    report = effective()
    assert report["timezone"] == {"value": "America/New_York", "source": str(user_file)}
    assert report["store"] == {"value": "/srv/office/exemptions.db", "source": str(system)}
    # The file STREAM_EXEMPT_CONFIG names is the last layer: its keys win, the others stay.
    named = write(tmp_path / "named.toml", 'id_pattern = "X[0-9]+"\ntimezone = "Europe/Paris"\n')
    report = effective(env={"STREAM_EXEMPT_CONFIG": str(named)})
    assert report["store"] == {"value": "/srv/office/exemptions.db", "source": str(system)}
    assert report["timezone"] == {"value": "Europe/Paris", "source": str(named)}
    assert report["id_pattern"] == {"value": "X[0-9]+", "source": str(named)}
    assert report["config_files"] == [
        {"path": str(system), "layer": "system file"},
        {"path": str(user_file), "layer": "per-user file"},
        {"path": str(named), "layer": "STREAM_EXEMPT_CONFIG"},
    ]


def test_a_personal_time_zone_still_writes_to_the_office_store(
    tmp_path: Path, user_file: Path, monkeypatch: pytest.MonkeyPatch, clock: object
) -> None:
    office_store = tmp_path / "office" / "exemptions.db"
    system = write(tmp_path / "etc" / "config.toml", f'store = "{office_store}"\n')
    monkeypatch.setattr(config, "SYSTEM_FILE", system)
    write(user_file, 'timezone = "Europe/London"\n')
    added = run(*ADD)
    assert added.exit_code == 0, added.stderr
    assert office_store.exists() and not config.default_store().exists()


def test_the_file_names_the_store_that_commands_use(tmp_path: Path) -> None:
    store = tmp_path / "office" / "exemptions.db"
    env = {"STREAM_EXEMPT_CONFIG": str(write(tmp_path / "c.toml", f'store = "{store}"\n'))}
    added = run("add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w", "-q", env=env)
    assert added.exit_code == 0, added.stderr
    assert store.exists()
    elsewhere = tmp_path / "other.db"
    assert (
        run(
            "--db", str(elsewhere), "add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w", env=env
        ).exit_code
        == 0
    )
    listed = run("list", "--format", "json", env={**env, "STREAM_EXEMPT_DB": str(elsewhere)})
    assert len(json.loads(listed.stdout)) == 1


def test_the_file_s_time_zone_decides_today(cli: Cli, tmp_path: Path) -> None:
    # Noon on Monday 4 January in London is 1 a.m. on Tuesday 5 January in Auckland.
    args = ("add", "201234567", "-t", "placement", "-s", "2027-01-05", "--for", "1w")
    env = {"STREAM_EXEMPT_CONFIG": str(write(tmp_path / "c.toml", 'timezone = "Pacific/Auckland"\n'))}
    refused = cli(*args, env=env)
    assert refused.exit_code == 2 and "after today (5 Jan 2027)" in refused.stderr
    assert cli(*args, env={**env, "STREAM_EXEMPT_TZ": "Europe/London"}).exit_code == 0


def test_the_file_s_id_pattern_decides_student_ids(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", 'id_pattern = "[A-Z]{2}[0-9]{4}"\n')
    env = {"STREAM_EXEMPT_CONFIG": str(path)}
    assert cli("add", "AB1234", "-t", "placement", "-s", "+1w", "--for", "1w", env=env).exit_code == 0
    refused = cli("add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w", env=env)
    assert refused.exit_code == 2
    assert f"must match the pattern '[A-Z]{{2}}[0-9]{{4}}' (from {path})" in refused.stderr


BAD_FILES = [
    ('stor = "/srv/x.db"\n', ["unknown key 'stor'", "store, timezone, id_pattern"]),
    ('timezone = "Europe/Lodnon"\n', ["'timezone'", "'Europe/Lodnon' is not a known time zone"]),
    ('id_pattern = "[0-9"\n', ["'id_pattern'", "not a valid regular expression"]),
    ('store = "exemptions.db"\n', ["'store'", "relative path"]),
    ("timezone = 3\n", ["'timezone'", "a number given, text expected"]),
    ("store = true\n", ["'store'", "true or false given, text expected"]),
    ("store = 2027-01-10\n", ["'store'", "a date or time given, text expected"]),
    ('store = ["a"]\n', ["'store'", "a list given, text expected"]),
    ('store = ""\n', ["'store'", "empty"]),
    ('timezone = "America"\n', ["'timezone'", "'America' is not a known time zone"]),
    ('store = "' + "x" * 200 + '"\n', ["'store'", "'" + "x" * 79 + "…' (200 characters) is a relative path"]),
    ("[store]\npath = 1\n", ["'store'", "a table given, text expected"]),
    ("store = /srv/x.db\n", ["not valid TOML", "line 1"]),
    (b"timezone = '\xff'\n", ["not UTF-8"]),
]


ADD = ["add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w"]


@pytest.mark.parametrize(("text", "expected"), BAD_FILES, ids=[repr(t[0])[:30] for t in BAD_FILES])
@pytest.mark.parametrize("command", [["config"], ["list"], ["check", "201234567"], ADD])
def test_a_bad_file_is_exit_4_naming_the_file_and_the_key(
    tmp_path: Path, text: str | bytes, expected: list[str], command: list[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    store = tmp_path / "s.db"
    result = run("--db", str(store), *command, env={"STREAM_EXEMPT_CONFIG": str(path)})
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"Error: The configuration file {path} ")
    for words in expected:
        assert words in result.stderr
    assert "Traceback" not in result.stderr and not store.exists()


def test_a_file_that_cannot_be_read_is_exit_4(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    result = run("config", env={"STREAM_EXEMPT_CONFIG": str(missing)})
    assert (
        result.exit_code == 4 and f"{missing} named by STREAM_EXEMPT_CONFIG does not exist" in result.stderr
    )
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    result = run("config", env={"STREAM_EXEMPT_CONFIG": str(folder)})
    assert result.exit_code == 4 and f"{folder} cannot be read (Is a directory)" in result.stderr


def test_settings_given_by_option_and_environment_never_read_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.toml", "nonsense = 1\n")
    env = {
        "STREAM_EXEMPT_CONFIG": str(path),
        "STREAM_EXEMPT_TZ": "Europe/London",
        "STREAM_EXEMPT_ID_PATTERN": "[0-9]{9}",
    }
    result = run(
        "--db",
        str(tmp_path / "s.db"),
        "add",
        "201234567",
        "-t",
        "placement",
        "-s",
        "+1w",
        "--for",
        "1w",
        env=env,
    )
    assert result.exit_code == 0, result.stderr


def test_config_never_creates_the_store(tmp_path: Path) -> None:
    store = tmp_path / "nowhere" / "s.db"
    assert run("--db", str(store), "config").exit_code == 0
    assert not store.exists() and not store.parent.exists()


def test_config_table_names_each_setting_and_its_source(tmp_path: Path, office_file: Path) -> None:
    result = run("config", env={"STREAM_EXEMPT_CONFIG": str(office_file), "STREAM_EXEMPT_TZ": "Asia/Tokyo"})
    assert result.exit_code == 0
    lines = {
        line.split("│")[1].split()[0]: line for line in result.stdout.splitlines() if line.startswith("│")
    }
    assert "/srv/office/exemptions.db" in lines["store"] and str(office_file) in lines["store"]
    assert "Asia/Tokyo" in lines["timezone"] and "STREAM_EXEMPT_TZ" in lines["timezone"]
    assert "[A-Z]{2}[0-9]{4}" in lines["id"]


def test_config_refuses_an_unknown_format() -> None:
    result = run("config", "--format", "yaml")
    assert result.exit_code == 2 and "table" in result.stderr and "json" in result.stderr


def test_a_missing_store_named_by_the_file_says_where_the_path_came_from(tmp_path: Path) -> None:
    store = tmp_path / "typo" / "exemptions.db"
    path = write(tmp_path / "c.toml", f'store = "{store}"\n')
    result = run("list", env={"STREAM_EXEMPT_CONFIG": str(path)})
    assert result.exit_code == 4
    assert f"no store at {store}" in result.stderr and f"(that path is set in {path})." in result.stderr
    assert not store.parent.exists()


# -- every bad setting is exit 4, naming where it came from (SPEC 9) -------------------------

BAD_VARIABLES = [
    ("STREAM_EXEMPT_TZ", "Mars/Olympus", "Error: STREAM_EXEMPT_TZ='Mars/Olympus' is not a known time zone"),
    (
        "STREAM_EXEMPT_ID_PATTERN",
        "(",
        "Error: STREAM_EXEMPT_ID_PATTERN='(' is not a valid regular expression",
    ),
    (
        "STREAM_EXEMPT_ID_PATTERN",
        "(a+)+$",
        "Error: STREAM_EXEMPT_ID_PATTERN='(a+)+$' is not allowed: a repetition",
    ),
    # A folder of the zone database, and a name too long for a file: the loader raises OSError.
    ("STREAM_EXEMPT_TZ", "Europe", "Error: STREAM_EXEMPT_TZ='Europe' is not a known time zone"),
    (
        "STREAM_EXEMPT_TZ",
        "Europe/" + "x" * 300,
        "Error: STREAM_EXEMPT_TZ='Europe/" + "x" * 72 + "…' (307 characters) is not a known time zone",
    ),
    (
        "STREAM_EXEMPT_ID_PATTERN",
        "[[:digit:]]{9}",
        "Error: STREAM_EXEMPT_ID_PATTERN='[[:digit:]]{9}' is not a clear regular expression (Possible "
        "nested set at position 1); escape the character, and write a class such as [[:digit:]] as [0-9]",
    ),
]


@pytest.mark.parametrize(
    ("variable", "value", "error"),
    BAD_VARIABLES,
    ids=["tz", "pattern", "nested", "tz-folder", "tz-too-long", "posix-class"],
)
@pytest.mark.parametrize("command", [["config"], ["list"], ["check", "201234567"], ADD])
def test_a_bad_environment_variable_is_exit_4_naming_it(
    tmp_path: Path, variable: str, value: str, error: str, command: list[str]
) -> None:
    store = tmp_path / "s.db"
    result = run("--db", str(store), *command, env={variable: value})
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert result.stderr.startswith(error) and result.stderr.count("\n") == 1
    assert f"unset {variable}." in result.stderr
    assert not store.exists()


def test_config_shows_the_settings_and_exits_4_when_one_is_bad(tmp_path: Path, office_file: Path) -> None:
    env = {"STREAM_EXEMPT_CONFIG": str(office_file), "STREAM_EXEMPT_ID_PATTERN": "("}
    result = run("config", "--format", "json", env=env)
    assert result.exit_code == 4
    report = json.loads(result.stdout)
    assert report["store"] == {"value": "/srv/office/exemptions.db", "source": str(office_file)}
    assert report["timezone"] == {"value": "Pacific/Auckland", "source": str(office_file)}
    assert report["id_pattern"]["value"] == "("
    assert report["id_pattern"]["source"] == "STREAM_EXEMPT_ID_PATTERN"
    assert report["id_pattern"]["problem"].startswith("STREAM_EXEMPT_ID_PATTERN='(' is not a valid")
    assert result.stderr.startswith("Error: STREAM_EXEMPT_ID_PATTERN='(' is not a valid regular expression")
    table = run("config", env=env)
    assert table.exit_code == 4 and "STREAM_EXEMPT_ID_PATTERN (bad value)" in table.stdout


def test_config_reads_every_file_and_names_each_bad_one(
    tmp_path: Path, user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = write(tmp_path / "etc" / "config.toml", 'store = "/srv/office/exemptions.db"\n')
    monkeypatch.setattr(config, "SYSTEM_FILE", system)
    write(user_file, 'timezone = "Europe/Lodnon"\n')
    # Every setting is given by the environment, so a command never opens the files; `config`
    # still reads them all, shows the settings, and says which file is bad.
    env = {
        "STREAM_EXEMPT_DB": str(tmp_path / "s.db"),
        "STREAM_EXEMPT_TZ": "Europe/London",
        "STREAM_EXEMPT_ID_PATTERN": "(",
    }
    result = run("config", "--format", "json", env=env)
    assert result.exit_code == 4
    report = json.loads(result.stdout)
    assert report["timezone"] == {"value": "Europe/London", "source": "STREAM_EXEMPT_TZ"}
    assert report["config_files"][0] == {"path": str(system), "layer": "system file"}
    assert report["config_files"][1]["problem"].startswith(f"the configuration file {user_file} has a bad")
    assert result.stderr.startswith(
        f"Error: The configuration file {user_file} has a bad value for 'timezone'"
    )
    assert result.stderr.endswith(
        '; also bad: STREAM_EXEMPT_ID_PATTERN (each with its "problem" in the JSON).\n'
    )


def test_a_bad_office_file_stops_commands_though_the_per_user_file_is_good(
    tmp_path: Path, user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = write(tmp_path / "etc" / "config.toml", 'store = "/srv/office/exemptions.db"\nnonsense = 1\n')
    monkeypatch.setattr(config, "SYSTEM_FILE", system)
    write(user_file, f'store = "{tmp_path / "mine.db"}"\n')  # every layer is read: none hides another
    result = run(*ADD)
    assert result.exit_code == 4
    assert result.stderr.startswith(f"Error: The configuration file {system} has an unknown key 'nonsense'")
    assert not (tmp_path / "mine.db").exists()


# -- an id_pattern can never make the tool hang (SPEC 9) -------------------------------------

CATASTROPHIC = ["(a+)+$", "(a|a)*b", "(a|ab)*c", "(.*)*x", "a*a*a*a*a*a*a*a*a*a*a*b", r"(a)\1", "(?=a+)a+"]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_a_pattern_that_could_hang_is_refused_when_read(tmp_path: Path, pattern: str) -> None:
    # Each of these, matched by Python's backtracking engine against 41 a's and a "!", would
    # run for minutes or more: refused before any ID is matched, naming the file and the key.
    path = write(tmp_path / "c.toml", f"id_pattern = '{pattern}'\n")
    result = run("--db", str(tmp_path / "s.db"), "add", "a" * 41 + "!", "-t", "placement", "-s", "+1w",
                 "--for", "1w", env={"STREAM_EXEMPT_CONFIG": str(path)})  # fmt: skip
    assert result.exit_code == 4, result.stderr
    assert result.stderr.startswith(
        f"Error: The configuration file {path} has a bad value for 'id_pattern': {pattern!r} is not allowed: "
    )
    assert not (tmp_path / "s.db").exists()


def test_a_long_id_is_refused_before_it_is_matched(cli: Cli) -> None:
    env = {"STREAM_EXEMPT_ID_PATTERN": "[0-9]+"}
    assert cli("add", "1" * 64, "-t", "placement", "-s", "+1w", "--for", "1w", env=env).exit_code == 0
    result = cli("add", "1" * 65, "-t", "placement", "-s", "+1w", "--for", "1w", env=env)
    assert result.exit_code == 2
    assert "it is 65 characters long, and a student ID is at most 64." in result.stderr


def test_a_bad_key_in_a_file_leaves_its_other_keys_shown(tmp_path: Path) -> None:
    """The file's good keys still count in `config`: the store it names is shown, not the
    default; the bad key is shown as written and marked, and `config` exits 4 naming it."""
    office = write(
        tmp_path / "office.toml",
        'store = "/srv/office/exemptions.db"\ntimezone = "Mars/Olympus"\nid_pattern = 7\n',
    )
    result = run("config", "--format", "json", env={"STREAM_EXEMPT_CONFIG": str(office)})
    assert result.exit_code == 4
    report = json.loads(result.stdout)
    assert report["store"] == {"value": "/srv/office/exemptions.db", "source": str(office)}
    assert report["timezone"]["value"] == "Mars/Olympus"
    assert report["timezone"]["problem"].endswith(
        "'Mars/Olympus' is not a known time zone; name one such as Europe/London."
    )
    assert (
        report["id_pattern"]["value"] == "7"
        and "a number given, text expected" in report["id_pattern"]["problem"]
    )
    assert result.stderr == (
        f"Error: The configuration file {office} has a bad value for 'timezone': 'Mars/Olympus' is not a known "
        f"time zone; name one such as Europe/London; also bad: 'id_pattern' in {office} (each with its "
        '"problem" in the JSON).\n'
    )
    table = run("config", env={"STREAM_EXEMPT_CONFIG": str(office)})
    assert table.stderr == result.stderr.replace('each with its "problem" in the JSON', "marked above")
    assert table.stdout.count("(bad value)") == 2  # the two settings the table marks
    # Every other command still stops at the bad file (SPEC 9).
    listed = run("list", env={"STREAM_EXEMPT_CONFIG": str(office)})
    assert listed.exit_code == 4 and "'Mars/Olympus' is not a known time zone" in listed.stderr


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("postgresql://alice:s3cret@db.example/ses?foo=bar", 'invalid URI query parameter: "foo"'),
        ("postgresql://[db.example/ses", 'looking for matching "]"'),
    ],
)
def test_config_finds_a_store_url_that_libpq_cannot_read(url: str, why: str) -> None:
    """`config` never connects, but a URL that every other command refuses is exit 4 here too,
    named without its password."""
    pytest.importorskip("psycopg", reason="libpq (through psycopg) is the judge of a URL")
    result = run("config", "--format", "json", env={"STREAM_EXEMPT_DB": url})
    assert result.exit_code == 4
    assert why in result.stderr and "s3cret" not in result.stdout + result.stderr
    assert result.stderr.startswith("Error: postgresql://")
    assert result.stderr.endswith(
        "write it as postgresql://user@host:port/dbname (that URL is set in STREAM_EXEMPT_DB).\n"
    )
    assert json.loads(result.stdout)["store"]["problem"] == result.stderr.removeprefix("Error: ").strip()
    assert run("list", env={"STREAM_EXEMPT_DB": url}).exit_code == 4


def test_an_unknown_key_beside_a_bad_value_is_named_in_the_file_s_problem(tmp_path: Path) -> None:
    """Every problem `config` counts is shown: an unknown key is named in its file's problem."""
    office = write(tmp_path / "office.toml", 'store = 3\nbogus = "x"\n')
    result = run("config", "--format", "json", env={"STREAM_EXEMPT_CONFIG": str(office)})
    assert result.exit_code == 4
    problem = json.loads(result.stdout)["config_files"][0]["problem"]
    assert "bad value for 'store'" in problem and "unknown key 'bogus'" in problem
    assert problem.endswith(".") and ".;" not in problem  # one sentence, its parts joined by ";"
    assert result.stderr.endswith(
        f"; also bad: the unknown key 'bogus' in {office} (each with its \"problem\" in the JSON).\n"
    )
    assert ") (" not in result.stderr  # one bracket at a time
