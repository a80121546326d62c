"""A few runs as real processes: the console script, `python -m`, and start-up imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stream_exempt import __version__
from stream_exempt.store import Store


def run(*args: str, store: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "STREAM_EXEMPT_DB": str(store), "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "stream_exempt", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


def test_version(tmp_path: Path) -> None:
    result = run("--version", store=tmp_path / "s.db")
    assert result.returncode == 0 and result.stdout == f"stream-exempt {__version__}\n"


def test_add_list_check_as_processes(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    added = run("add", "201234567", "--type", "placement", "--start", "+3d", "--for", "2w", "-q", store=store)
    assert added.returncode == 0, added.stderr
    assert added.stdout == "1\n"
    listed = run("list", "--format", "csv", store=store)
    assert listed.stdout.splitlines()[1].startswith("1,201234567,placement,")
    assert run("check", "201234567", "--on", "+10d", store=store).returncode == 0
    assert run("check", "201234567", store=store).returncode == 1
    refused = run("add", "nope", "--type", "placement", "--start", "+3d", "--for", "2w", store=store)
    assert refused.returncode == 2
    assert refused.stderr.startswith("Error: ") and "Traceback" not in refused.stderr


PROBE = """
import sys
sys.argv = ["stream-exempt", *sys.argv[1:]]
from stream_exempt.cli.app import main
try:
    main()
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"rich", "sqlite_utils", "dateutil", "tabulate"})
heavy += sorted({m for m in sys.modules} & {"stream_exempt.cohort", "stream_exempt.csvio", "openpyxl", "pydantic"})
print("HEAVY:", ",".join(heavy), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["check", "201234567"], ["--help"], ["check", "--help"], ["list", "--ids"]])
def test_start_up_imports_no_heavy_module(tmp_path: Path, args: list[str]) -> None:
    store = tmp_path / "s.db"
    Store.open(store, create=True).close()  # create and migrate the store first
    env = {**os.environ, "STREAM_EXEMPT_DB": str(store)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=60
    )
    assert "HEAVY: \n" in result.stderr, result.stderr
