"""Encoding advice is only given where it works (SPEC 7 bulk): followed, it reads the file; it
never names the encoding already given, never calls random bytes UTF-16, and never tells a
valid UTF-8 file to use cp1252."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from conftest import Cli

OPTIONS = ["--type", "placement", "--start", "2027-01-11", "--for", "2w"]
COHORT = "sid,reason\n201234567,Zoë Ángel at the Café\n201234568,Ward 4\n"
# Bytes no program wrote as text (as os.urandom gives), fixed by the seed so the test repeats.
RANDOM = random.Random(18).randbytes(5000)
SMALL_RANDOM = random.Random(7).randbytes(300)

# An advice that names what to do with --encoding: give one, or leave it out.
_GIVE = re.compile(r"give --encoding (?!with )([A-Za-z0-9_-]+)")


def _utf16_with_a_lone_surrogate() -> bytes:
    """UTF-16-LE text with no byte-order mark, one character of which is half a surrogate pair."""
    good = COHORT.encode("utf-16-le")
    return good + "201234569,".encode("utf-16-le") + b"\x00\xd8" + "\n".encode("utf-16-le")


def _advice(stderr: str) -> list[str] | None:
    """The --encoding options the advice in an error says to use (`[]`: leave it out), or None
    when it gives no such advice."""
    if "leave out --encoding" in stderr:
        return []
    match = _GIVE.search(stderr)
    return ["--encoding", match[1]] if match else None


CASES = [
    # (file bytes, --encoding given, whether the file is a cohort the advice should lead to)
    pytest.param(COHORT.encode("cp1252"), None, True, id="cp1252"),
    pytest.param(COHORT.encode("cp1252"), "utf-8", True, id="cp1252-as-utf8"),
    pytest.param(COHORT.encode("cp1252"), "utf-16", True, id="cp1252-as-utf16"),
    pytest.param(COHORT.encode(), "ascii", True, id="utf8-as-ascii"),
    pytest.param(COHORT.encode(), "cp1252", True, id="utf8-as-cp1252"),
    pytest.param(COHORT.encode(), "utf-16", True, id="utf8-as-utf16"),
    pytest.param(COHORT.encode(), "utf-16-le", True, id="utf8-as-utf16le"),
    pytest.param(COHORT.encode("utf-16"), "utf-8", True, id="utf16-bom-as-utf8"),
    pytest.param(COHORT.encode("utf-16"), "cp1252", True, id="utf16-bom-as-cp1252"),
    pytest.param(COHORT.encode("utf-16-le"), None, True, id="utf16le"),
    pytest.param(COHORT.encode("utf-16-be"), "utf-16-le", True, id="utf16be-as-utf16le"),
    pytest.param(COHORT.encode("utf-16-le"), "cp1252", True, id="utf16le-as-cp1252"),
    pytest.param(COHORT.encode("utf-16-le"), "utf-8", True, id="utf16le-as-utf8"),
    pytest.param(_utf16_with_a_lone_surrogate(), "utf-16", False, id="utf16-broken-as-utf16"),
    pytest.param(_utf16_with_a_lone_surrogate(), None, False, id="utf16-broken"),
    pytest.param(RANDOM, None, False, id="random"),
    pytest.param(RANDOM, "utf-16", False, id="random-as-utf16"),
    pytest.param(RANDOM, "utf-16-le", False, id="random-as-utf16le"),
    pytest.param(RANDOM, "cp1252", False, id="random-as-cp1252"),
    pytest.param(RANDOM, "utf-8", False, id="random-as-utf8"),
    pytest.param(SMALL_RANDOM, None, False, id="small-random"),
    pytest.param(SMALL_RANDOM, "utf-16", False, id="small-random-as-utf16"),
]


@pytest.mark.parametrize(("data", "given", "cohort"), CASES)
def test_encoding_advice_works_when_followed(
    cli: Cli, tmp_path: Path, data: bytes, given: str | None, cohort: bool
) -> None:
    path = tmp_path / "cohort.csv"
    path.write_bytes(data)
    options = ["--encoding", given] if given else []
    tried = [options]
    for _ in range(3):
        result = cli("bulk", str(path), *OPTIONS, *options, "--dry-run")
        if result.exit_code == 0:
            break
        assert result.exit_code == 2 and result.stderr.startswith("Error: "), result.stderr
        advice = _advice(result.stderr)
        if advice is None:
            break
        # Never the encoding in use, never one tried before: advice does not go round.
        assert advice not in tried, (tried, result.stderr)
        if not cohort:  # bytes no encoding reads as a cohort list: no encoding is recommended
            assert not advice, result.stderr
        tried.append(advice)
        options = advice
    if cohort:
        assert result.exit_code == 0, (tried, result.stderr)
        assert "2 exemptions" in result.stdout
    else:
        assert result.exit_code == 2
        assert "UTF-16 text" not in result.stderr.replace("is not UTF-16 text", ""), result.stderr
        assert "give --encoding cp1252" not in result.stderr


@pytest.mark.parametrize("data", [RANDOM, SMALL_RANDOM], ids=["random", "small-random"])
@pytest.mark.parametrize("command", ["bulk", "check"])
def test_random_bytes_are_not_told_they_look_like_utf16(
    cli: Cli, tmp_path: Path, data: bytes, command: str
) -> None:
    path = tmp_path / "feed.csv"
    path.write_bytes(data)
    args = ["bulk", str(path), *OPTIONS] if command == "bulk" else ["check", "--file", str(path)]
    result = cli(*args)
    assert result.exit_code == 2
    assert "UTF-16" not in result.stderr.replace("UTF-8, UTF-16 and cp1252", ""), result.stderr
    assert "--encoding utf-16" not in result.stderr


@pytest.mark.parametrize("given", ["utf-16", "utf-16-le", "utf-16-be"])
def test_with_utf16_given_the_advice_is_never_utf16(cli: Cli, tmp_path: Path, given: str) -> None:
    path = tmp_path / "cohort.csv"
    path.write_bytes(_utf16_with_a_lone_surrogate() if given != "utf-16-be" else RANDOM)
    result = cli("bulk", str(path), *OPTIONS, "--encoding", given)
    assert result.exit_code == 2
    assert "give --encoding utf-16" not in result.stderr, result.stderr


def test_valid_utf8_is_told_neither_cp1252_nor_utf16(cli: Cli, tmp_path: Path) -> None:
    """UTF-8 with NUL characters in it (a broken export): neither advice would read it."""
    path = tmp_path / "cohort.csv"
    path.write_bytes(b"sid,reason\n201234567,Zo\xc3\xab\x00\x00\n")
    for options in ([], ["--encoding", "utf-16"], ["--encoding", "ascii"]):
        result = cli("bulk", str(path), *OPTIONS, *options)
        assert result.exit_code == 2
        assert "cp1252" not in result.stderr.replace("UTF-8, UTF-16 and cp1252", ""), result.stderr
        assert "give --encoding utf-16" not in result.stderr, result.stderr
