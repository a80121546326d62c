"""One store for the whole office: `init`, `init --group`, real Unix users sharing it, `doctor`.

The tests with a second Unix user make real users and a group (useradd, groupadd), so they
need root, as in CI; elsewhere they are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import stream_exempt
from helpers import Cli

pytestmark = pytest.mark.sqlite_only("shared SQLite stores of a Unix group: files, modes, other Unix users")

AS_ROOT = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("runuser") is None,
    reason="making Unix users and a group needs root and useradd/runuser (run the suite as root, as CI does)",
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_a_private_store_and_says_where(bare_cli: Cli) -> None:
    cli = bare_cli
    first = cli.ok("init")
    assert first.stdout.startswith(f"Created the store at {cli.store_path} (")
    assert "mode 0600; its folder" in first.stdout
    assert mode(cli.store_path) == 0o600
    cli.add()
    again = cli.ok("init")  # idempotent: nothing lost, nothing changed
    assert again.stdout.startswith(f"The store is ready at {cli.store_path} (")
    assert cli.ok("list", "--ids").stdout == "1\n"


def test_init_refuses_an_unknown_group(bare_cli: Cli) -> None:
    cli = bare_cli
    result = cli("init", "--group", "no-such-group-here")
    assert result.exit_code == 2 and "no group 'no-such-group-here'" in result.stderr
    assert not cli.has_store()


# -- with real users -------------------------------------------------------------------------


@dataclass(frozen=True)
class Office:
    group: str
    members: tuple[str, str]
    outsider: str
    python: tuple[str, ...]
    pythonpath: str


def _sh(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


def _interpreter(user: str, pythonpath: str) -> tuple[str, ...] | None:
    """A Python the test user may run, of this one's version (the packages are shared)."""
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for candidate in (sys.executable, shutil.which(f"python{version}"), f"/usr/bin/python{version}"):
        if not candidate:
            continue
        probe = subprocess.run(
            [
                "runuser",
                "-u",
                user,
                "--",
                "env",
                "-i",
                f"PYTHONPATH={pythonpath}",
                candidate,
                "-c",
                f"import sys, sqlite3, typer; assert sys.version.startswith('{version}')",
            ],
            capture_output=True,
        )
        if probe.returncode == 0:
            return (candidate,)
    return None


@pytest.fixture(scope="module")
def office() -> Iterator[Office]:
    if os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("runuser") is None:
        pytest.skip("making Unix users and a group needs root and useradd/runuser")
    tag = f"{os.getpid() % 100000}"
    group, members, outsider = f"seoffice{tag}", (f"seann{tag}", f"sebob{tag}"), f"seeve{tag}"
    _sh("groupadd", group)
    made = []
    try:
        for name in members:
            _sh(
                "useradd",
                "--no-create-home",
                "--no-user-group",
                "--groups",
                group,
                "--shell",
                "/usr/sbin/nologin",
                name,
            )
            made.append(name)
        _sh("useradd", "--no-create-home", "--no-user-group", "--shell", "/usr/sbin/nologin", outsider)
        made.append(outsider)
        source = str(Path(stream_exempt.__file__).resolve().parent.parent)
        pythonpath = os.pathsep.join([source, *site.getsitepackages()])
        python = _interpreter(members[0], pythonpath)
        if python is None:
            pytest.skip(f"no Python {sys.version_info[0]}.{sys.version_info[1]} that another user may run")
        yield Office(group, members, outsider, python, pythonpath)
    finally:
        for name in made:
            subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder under /tmp that every user may pass through (pytest's own is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="se-office-", dir="/tmp"))
    base.chmod(0o711)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def as_user(
    office: Office,
    user: str,
    *args: str,
    store: Path | None,
    umask: str = "022",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """stream-exempt run by `user`, in a clean environment, with the given umask."""
    variables = {
        "PYTHONPATH": office.pythonpath,
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "200",
        "HOME": "/nonexistent",
        **({"STREAM_EXEMPT_DB": str(store)} if store else {}),
        **(env or {}),
    }
    command = " ".join(
        ["umask", umask, ";", "exec", "env", "-i", *(f"{k}={v}" for k, v in variables.items())]
    )
    shell = f'{command} "$@"'
    return subprocess.run(
        [
            "runuser",
            "-u",
            user,
            "--",
            "/bin/sh",
            "-c",
            shell,
            "sh",
            *office.python,
            "-m",
            "stream_exempt",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _root(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stream_exempt", "--db", str(store), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


ADD = ("add", "-t", "placement", "-s", "+1w", "--for", "2w")


@AS_ROOT
def test_members_share_the_store_and_an_outsider_is_refused(office: Office, shared_folder: Path) -> None:
    store = shared_folder / "office" / "exemptions.db"
    made = _root(store, "init", "--group", office.group)
    assert made.returncode == 0, made.stderr
    assert (
        f"Created the store at {store} (owner root, group {office.group}, mode 0660; its folder 2770)"
        in made.stdout
    )
    assert (mode(store.parent), mode(store)) == (0o2770, 0o660)
    ann, bob = office.members

    # A member with a strict umask writes; the other member reads and writes after her.
    first = as_user(office, ann, ADD[0], "201234567", *ADD[1:], store=store, umask="077")
    assert first.returncode == 0, first.stderr
    listed = as_user(office, bob, "list", "--format", "json", store=store)
    assert listed.returncode == 0, listed.stderr
    assert [(r["student_id"], r["created_by"]) for r in json.loads(listed.stdout)] == [("201234567", ann)]

    # While Ann holds the store open, the -wal and -shm files are hers: Bob must still write.
    holder = subprocess.Popen(
        [
            "runuser",
            "-u",
            ann,
            "--",
            "/bin/sh",
            "-c",
            f'umask 077; exec env -i PYTHONPATH={office.pythonpath} "$@"',
            "sh",
            *office.python,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('SELECT count(*) FROM exemptions').fetchall(); print('open', flush=True); sys.stdin.read()",
            str(store),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n", holder.stderr
        for suffix in ("-wal", "-shm"):
            side = Path(f"{store}{suffix}")
            status = side.stat()
            assert (stat.S_IMODE(status.st_mode), status.st_gid) == (0o660, store.parent.stat().st_gid), (
                suffix
            )
        second = as_user(office, bob, ADD[0], "201234568", *ADD[1:], store=store)
        assert second.returncode == 0, second.stderr
        asked = as_user(office, bob, "request", "201234569", *ADD[1:], "--from", "Dr Jones", store=store)
        assert asked.returncode == 0, asked.stderr
        approved = as_user(office, ann, "approve", "R1", store=store)
        assert approved.returncode == 0, approved.stderr
    finally:
        holder.communicate("", timeout=60)
    final = as_user(office, ann, "list", "--format", "json", store=store)
    assert [r["created_by"] for r in json.loads(final.stdout)] == [ann, bob, ann]

    # Someone outside the group: exit 4 and a sentence naming the permission problem.
    for args in (("list",), ("check", "201234567"), (ADD[0], "201234570", *ADD[1:]), ("requests",)):
        refused = as_user(office, office.outsider, *args, store=store)
        assert refused.returncode == 4, (args, refused.stdout, refused.stderr)
        assert refused.stderr.startswith(
            f"Error: Permission denied: you ({office.outsider}) may not enter the folder {store.parent}"
        )
        assert f"group {office.group}, mode 2770" in refused.stderr and "Traceback" not in refused.stderr
        assert refused.stderr.count("\n") == 1
    doctor = _root(store, "doctor", "--json")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    report = json.loads(doctor.stdout)
    assert report["warnings"] == [] and report["files"]["store file"]["group"] == office.group


@AS_ROOT
def test_an_outsider_cannot_read_the_office_configuration(office: Office, shared_folder: Path) -> None:
    settings = shared_folder / "config.toml"
    settings.write_text(f'store = "{shared_folder / "office" / "exemptions.db"}"\n')
    os.chown(settings, -1, _gid(office.group))
    settings.chmod(0o640)
    env = {"STREAM_EXEMPT_CONFIG": str(settings)}
    member = as_user(office, office.members[0], "config", "--format", "json", store=None, env=env)
    assert member.returncode == 0, member.stderr
    outsider = as_user(office, office.outsider, "config", store=None, env=env)
    assert outsider.returncode == 4
    assert outsider.stderr == (
        f"Error: The configuration file {settings} cannot be read (Permission denied); fix its "
        "permissions, or name another with STREAM_EXEMPT_CONFIG.\n"
    )


def _gid(group: str) -> int:
    import grp

    return grp.getgrnam(group).gr_gid


@AS_ROOT
def test_init_group_is_idempotent_and_repairs_what_would_lock_members_out(
    office: Office, shared_folder: Path
) -> None:
    store = shared_folder / "office" / "exemptions.db"
    assert _root(store, "init", "--group", office.group).returncode == 0
    assert _root(store, *ADD[:1], "201234567", *ADD[1:]).returncode == 0
    store.parent.chmod(0o770)  # the setgid bit lost
    store.chmod(0o644)
    doctor = _root(store, "doctor")
    assert doctor.returncode == 4
    assert "lacks the setgid bit" in doctor.stderr and "the other members are locked out" in doctor.stderr
    assert "anyone on this host can open the store" in doctor.stderr
    assert "members of the group cannot read and write the store" in doctor.stderr
    assert f"owner root, group {office.group}, mode 0644" in doctor.stdout
    shared_folder.chmod(0o700)  # a folder above that members cannot pass through
    blocked = _root(store, "doctor")
    assert blocked.returncode == 4
    assert f"members of {office.group} cannot pass through {shared_folder} (mode 0700" in blocked.stderr
    shared_folder.chmod(0o711)
    again = _root(store, "init", "--group", office.group)
    assert again.returncode == 0 and again.stdout.startswith(f"The store is ready at {store}")
    assert (mode(store.parent), mode(store)) == (0o2770, 0o660)
    assert _root(store, "doctor").returncode == 0
    assert _root(store, "list", "--ids").stdout == "1\n"


@AS_ROOT
def test_init_group_wants_a_folder_of_its_own(office: Office, shared_folder: Path) -> None:
    (shared_folder / "notes.txt").write_text("not the office's")
    result = _root(shared_folder / "exemptions.db", "init", "--group", office.group)
    assert result.returncode == 2 and "holds other files (notes.txt)" in result.stderr
    assert mode(shared_folder) == 0o711 and not (shared_folder / "exemptions.db").exists()


@AS_ROOT
def test_a_deleted_shared_store_is_not_made_again_by_a_member(office: Office, shared_folder: Path) -> None:
    store = shared_folder / "office" / "exemptions.db"
    assert _root(store, "init", "--group", office.group).returncode == 0
    ann, bob = office.members
    assert as_user(office, ann, ADD[0], "201234567", *ADD[1:], store=store).returncode == 0
    for item in (store, *(Path(f"{store}{suffix}") for suffix in ("-wal", "-shm"))):
        item.unlink(missing_ok=True)  # lost: a mistaken rm, a failed restore
    # Bob's add would have made a new store, his alone (0600), locking everyone else out.
    added = as_user(office, bob, ADD[0], "201234568", *ADD[1:], store=store)
    assert added.returncode == 4, added.stderr
    assert added.stderr.startswith(f"Error: The shared store {store} is missing (its folder {store.parent}")
    assert f"init --group {office.group}`." in added.stderr
    assert not store.exists()
    listed = as_user(office, ann, "list", store=store)
    assert listed.returncode == 4 and "The shared store" in listed.stderr
    again = _root(store, "init", "--group", office.group)
    assert again.returncode == 0 and again.stdout.startswith(f"Created the store at {store}")
    assert as_user(office, bob, ADD[0], "201234568", *ADD[1:], store=store).returncode == 0
