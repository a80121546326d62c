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


def test_every_lower_room_is_found() -> None:
    # A room renamed or moved would otherwise leave the test below looking at nothing.
    found = {module_name(path).split(".")[1] for path in below_the_command_line()}
    assert found == set(LOWER)


@pytest.mark.parametrize("path", below_the_command_line(), ids=lambda p: module_name(p))
def test_no_lower_module_imports_the_command_line(path: Path) -> None:
    assert up_to_the_command_line(path) == []


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
    fake = tmp_path / "stream_exempt"
    (fake / "output").mkdir(parents=True)
    module = fake / "output" / "registry.py"
    module.write_text(source, encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    assert up_to_the_command_line(module) != []
