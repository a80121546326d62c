"""The arrows between the rooms run one way: the command line imports the core and the output
room, never the reverse (STYLE: `cli` -> (`rules`, `store`, `files`, `output`) -> (`model`,
`dates`, `errors`)). Read from the source with `ast`, so that an import inside a function
(the lazy imports that keep `check` fast) counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import stream_exempt

PACKAGE = Path(stream_exempt.__file__).parent
# The rooms below the command line: the output room and the core. A name is a module or a
# package (`store` stays below the command line whether it is `store.py` or `store/`).
LOWER = ("output", "model", "rules", "dates", "types", "csvio", "store")
CLI = "stream_exempt.cli"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in it, as absolute names (a relative import is
    resolved against the module's own package)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            # `from stream_exempt import cli` imports the package `stream_exempt.cli`.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def below_the_command_line() -> list[Path]:
    paths = []
    for room in LOWER:
        if (PACKAGE / room).is_dir():
            paths.extend(sorted((PACKAGE / room).rglob("*.py")))
        elif (PACKAGE / f"{room}.py").is_file():
            paths.append(PACKAGE / f"{room}.py")
    return paths


def up_to_the_command_line(path: Path) -> list[str]:
    return sorted(m for m in imported(path) if m == CLI or m.startswith(CLI + "."))


def fake_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, source: str) -> Path:
    """A module at `where` (`output/words.py`) of a package `stream_exempt` made in `tmp_path`,
    holding `source`; the checks here then read that package."""
    fake = tmp_path / "stream_exempt"
    module = fake / where
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(source, encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    return module


def test_every_lower_room_is_found() -> None:
    # A room renamed or moved would otherwise leave the test below looking at nothing.
    found = {module_name(path).split(".")[1] for path in below_the_command_line()}
    assert found == set(LOWER)


@pytest.mark.parametrize("path", below_the_command_line(), ids=lambda p: module_name(p))
def test_no_lower_module_imports_the_command_line(path: Path) -> None:
    assert up_to_the_command_line(path) == []


# The vocabulary every room shares: the record, dates, errors, the types. It is the bottom
# layer, so it imports nothing of ours but itself: no setting (`config`), no check of what
# people type (`validate`), no rule, store, output or command. What it needs from above is
# handed in (the University's time zone: `dates.today(zone)`, the zone from `config.zone()`).
VOCABULARY = (
    "stream_exempt.model",
    "stream_exempt.dates",
    "stream_exempt.errors",
    "stream_exempt.types",
)


def in_the_vocabulary() -> list[Path]:
    return [PACKAGE / f"{name.rpartition('.')[2]}.py" for name in VOCABULARY]


def up_from_the_vocabulary(path: Path) -> list[str]:
    def ours_above(module: str) -> bool:
        if module == "stream_exempt":  # `from stream_exempt import errors`: the names are checked
            return False
        # `stream_exempt.errors.Refused` is a name in the module `stream_exempt.errors`.
        return module.startswith("stream_exempt.") and not any(
            module == room or module.startswith(room + ".") for room in VOCABULARY
        )

    return sorted(m for m in imported(path) if ours_above(m))


def test_every_vocabulary_module_is_found() -> None:
    assert all(path.is_file() for path in in_the_vocabulary())


@pytest.mark.parametrize("path", in_the_vocabulary(), ids=lambda p: module_name(p))
def test_the_vocabulary_imports_nothing_above_it(path: Path) -> None:
    assert up_from_the_vocabulary(path) == []


@pytest.mark.parametrize(
    "source",
    [
        "from stream_exempt import config\n",
        "from stream_exempt.validate import printable\n",
        "def zone() -> None:\n    from stream_exempt.config import setting\n",
        "import stream_exempt.rules\n",
        "from stream_exempt import errors, store\n",
        "from .output.results import Shown\n",
        "from .cli import streams\n",
    ],
)
def test_an_arrow_up_from_the_vocabulary_is_found(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = fake_module(tmp_path, monkeypatch, "dates.py", source)
    assert up_from_the_vocabulary(module) != []


def test_the_vocabulary_may_import_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = fake_module(
        tmp_path,
        monkeypatch,
        "types.py",
        "import re\nfrom datetime import date\nfrom stream_exempt import errors, model\n"
        "from stream_exempt.errors import Refused, printable\nfrom .dates import show\n"
        "def later() -> None:\n    from dateutil.relativedelta import relativedelta\n",
    )
    assert up_from_the_vocabulary(module) == []


# The output room writes what it is handed: beside itself it may import only the vocabulary
# (the record, dates, errors, the types), never the core, the store or the command line; what
# it words comes in the result (STYLE: `output` imports no command; the arrows point down).
OUTPUT = "stream_exempt.output"
OUTPUT_MAY_IMPORT = VOCABULARY
# Not ours, but the command line's: a question asked on the terminal is the command line's business.
OUTPUT_MAY_NOT_IMPORT = ("typer", "click")


def in_the_output_room() -> list[Path]:
    return sorted((PACKAGE / "output").rglob("*.py"))


def sideways_from_the_output(path: Path) -> list[str]:
    def allowed(module: str) -> bool:
        if module == "stream_exempt":  # `from stream_exempt import types`: the names are checked
            return True
        if module.split(".")[0] in OUTPUT_MAY_NOT_IMPORT:
            return False
        if not module.startswith("stream_exempt."):
            return True  # the standard library, Rich, tabulate
        return any(module == room or module.startswith(room + ".") for room in (OUTPUT, *OUTPUT_MAY_IMPORT))

    return sorted(m for m in imported(path) if not allowed(m))


@pytest.mark.parametrize("path", in_the_output_room(), ids=lambda p: module_name(p))
def test_the_output_room_imports_only_the_vocabulary(path: Path) -> None:
    assert sideways_from_the_output(path) == []


@pytest.mark.parametrize(
    "source",
    [
        "from stream_exempt import rules\n",
        "def words() -> None:\n    from stream_exempt.rules import describe\n",
        "from stream_exempt.store import roles\n",
        "import stream_exempt.store.roles\n",
        "from ... import summary\n",
        "from stream_exempt.series import WEEKDAYS\n",
        "from stream_exempt.timeline import to_file\n",
        "from stream_exempt import cohort, config, sharing\n",
        "from stream_exempt.cli import streams\n",
        "if TYPE_CHECKING:\n    from stream_exempt.rules import Verdict\n",
        "def ask() -> None:\n    import typer\n",
    ],
)
def test_a_sideways_arrow_is_found(source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = fake_module(tmp_path, monkeypatch, "output/said/words.py", source)
    assert sideways_from_the_output(module) != []


def test_the_vocabulary_is_not_sideways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = fake_module(
        tmp_path,
        monkeypatch,
        "output/words.py",
        "import sys\nfrom stream_exempt import dates, types\nfrom stream_exempt.model import Exemption\n"
        "from stream_exempt.output.results import Table\nfrom .results import visible\n"
        "def draw() -> None:\n    from rich.table import Table\n",
    )
    assert sideways_from_the_output(module) == []


@pytest.mark.parametrize(
    "source",
    [
        "from stream_exempt.cli.streams import to_utf8\n",
        "def render() -> None:\n    from stream_exempt.cli import streams\n",
        "import stream_exempt.cli.options\n",
        "from ..cli.streams import to_utf8\n",
        "from .. import cli\n",
    ],
)
def test_an_arrow_back_up_is_found(source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The check itself can fail: an import of the command line, at the top or inside a
    # function, absolute or relative, is found in a module of the output room.
    module = fake_module(tmp_path, monkeypatch, "output/registry.py", source)
    assert up_to_the_command_line(module) != []
