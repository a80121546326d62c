"""A store shared by one Unix group (SPEC section 9): making it, describing it, and what
stops a member (or lets an outsider) use it.

A shared store lives in a folder of its own, owned by the group with the setgid bit (2770), so
that every file made in it (SQLite's `-wal` and `-shm`, made by whoever opens the store first)
belongs to the group; the store and those files are 0660. SQLite gives a new `-wal`/`-shm` the
mode of the store file itself, whatever the umask of the process that makes it.
"""

from __future__ import annotations

import os
import pwd
import stat
from contextlib import suppress
from pathlib import Path
from typing import Any

from stream_exempt.errors import Refused, StoreUnusable

FOLDER_MODE = 0o2770
FILE_MODE = 0o660
SIDE_FILES = ("-wal", "-shm", "-journal")


def side_files(path: Path) -> list[Path]:
    """The store's `-wal`, `-shm` and `-journal` files that exist now."""
    return [side for suffix in SIDE_FILES if (side := Path(f"{path}{suffix}")).exists()]


def group_id(name: str) -> int:
    """The id of a Unix group, by name, or `Refused`."""
    if not name.strip():
        raise Refused(
            "--group is empty; give the name of the Unix group whose members share the store, "
            "e.g. --group ses-office."
        )
    import grp  # here, as in `group_name`: opening a store (every command) needs no group

    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise Refused(
            f"there is no group {name!r} on this host; create it first (`groupadd {name}`) and add "
            "the office's members to it."
        ) from None


def _name(table: Any, number: int) -> str:
    try:
        return str(table(number)[0])
    except KeyError:
        return str(number)


def owner_name(uid: int) -> str:
    return _name(pwd.getpwuid, uid)


def group_name(gid: int) -> str:
    import grp

    return _name(grp.getgrgid, gid)


def _refuse_busy_folder(folder: Path, path: Path) -> None:
    """A shared store needs a folder of its own: its mode and group are changed."""
    ours = {path.name, *(path.name + suffix for suffix in SIDE_FILES)}
    others = sorted(entry.name for entry in folder.iterdir() if entry.name not in ours)
    if others:
        raise Refused(
            f"the folder {folder} holds other files ({', '.join(others[:3])}"
            f"{', ...' if len(others) > 3 else ''}); a shared store needs a folder of its own, "
            f"whose group and mode init sets, e.g. {folder / 'stream-exempt' / path.name}."
        )


def prepare(path: Path, group: str) -> bool:
    """Make (or fix) the folder and the store file of a store shared by `group`; True when the
    store file was created here. The schema is written afterwards, by opening the store."""
    gid = group_id(group)
    folder = path.parent
    try:
        if folder.exists():
            _refuse_busy_folder(folder, path)
        else:
            _make_shared_folders(folder, gid)
        os.chown(folder, -1, gid)
        os.chmod(folder, FOLDER_MODE)
        created = False
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            pass
        else:
            os.close(descriptor)
            created = True
        fix_files(path, gid)
    except PermissionError as error:
        raise StoreUnusable(
            f"cannot share {path} with the group {group} ({error.strerror}: {error.filename}); "
            f"only root, or the owner who is also a member of {group}, can; run init with sudo."
        ) from None
    except OSError as error:
        raise StoreUnusable(f"cannot make the shared store at {path} ({error.strerror}).") from None
    return created


def _make_shared_folders(folder: Path, gid: int) -> None:
    """The store's folder (2770) and any folder missing above it, which members must be able
    to pass through: 0750, owned by the group, and nothing for anyone else."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for level in reversed(missing):
        with suppress(FileExistsError):
            level.mkdir()
        os.chown(level, -1, gid)
        os.chmod(level, 0o750)


def missing_folders(folder: Path) -> list[Path]:
    """`folder` and the folders above it that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    return missing


def remove(path: Path, folders: list[Path]) -> None:
    """Take away a store that a failed `init` made, its side files, and the folders it made
    (deepest first; a folder that something else has put a file in since is left alone)."""
    for item in (path, *side_files(path)):
        with suppress(OSError):
            item.unlink()
    for folder in folders:
        with suppress(OSError):
            folder.rmdir()


def fix_files(path: Path, gid: int) -> None:
    """The store and its side files: the group's, 0660."""
    for item in (path, *side_files(path)):
        os.chown(item, -1, gid)
        os.chmod(item, FILE_MODE)


def shared_folder_group(folder: Path) -> str | None:
    """The group of `folder` when it is a shared store's folder (setgid, and its group may
    write in it: what `init --group` makes), else None."""
    try:
        status = folder.stat()
    except OSError:
        return None
    if status.st_mode & stat.S_ISGID and status.st_mode & 0o020:
        return group_name(status.st_gid)
    return None


def refuse_missing_shared(path: Path) -> None:
    """`StoreUnusable` when there is no store at `path` and its folder is a shared store's: only
    `init --group` makes a shared store (SPEC 2), never a member's command, which would make
    it private to that member and lock everyone else out."""
    group = shared_folder_group(path.parent)
    if group is not None:
        raise StoreUnusable(
            f"the shared store {path} is missing (its folder {path.parent} is shared by the group "
            f"{group}); restore it from a backup, or make a new empty one with `sudo stream-exempt "
            f"--db {path} init --group {group}`."
        )


def describe(path: Path) -> dict[str, dict[str, str]]:
    """Owner, group and mode of the store, its folder and its side files."""
    found: dict[str, dict[str, str]] = {}
    sides = [(side.name[len(path.name) + 1 :] + " file", side) for side in side_files(path)]
    for label, item in (("store file", path), ("folder", path.parent), *sides):
        try:
            status = item.stat()
        except OSError:
            continue
        found[label] = {
            "path": str(item),
            "owner": owner_name(status.st_uid),
            "group": group_name(status.st_gid),
            "mode": f"{stat.S_IMODE(status.st_mode):04o}",
        }
    return found


def problems(path: Path) -> list[str]:
    """What would lock a member of a shared store out, or let someone else in; [] when all is well.

    A store counts as shared when its group may write it, or its folder is setgid or writable by
    its group (but not by everyone).
    """
    try:
        store = path.stat()
        folder = path.parent.stat()
    except OSError:
        return []
    found = []
    if stat.S_IMODE(store.st_mode) & 0o007:
        found.append(
            f"anyone on this host can open the store {path} (mode {stat.S_IMODE(store.st_mode):04o}); "
            f"it holds personal data: `chmod o-rwx {path}`."
        )
    # Shared: the group may write the store, or its folder is the group's (setgid, or writable
    # by the group but not by everyone, as /tmp is). A private store that the umask left
    # group-readable (0644) is not shared: telling its owner to run `init --group` would mislead.
    group_folder = folder.st_mode & 0o020 and not folder.st_mode & 0o002
    shared = bool(store.st_mode & 0o020) or bool(folder.st_mode & stat.S_ISGID) or bool(group_folder)
    if not shared:
        return found
    group = group_name(folder.st_gid)
    fix = f"run `stream-exempt init --group {group}` again (as root) to set them right"
    if store.st_mode & 0o060 != 0o060:
        found.append(
            f"members of the group cannot read and write the store {path} (mode "
            f"{stat.S_IMODE(store.st_mode):04o}, 0660 needed); {fix}."
        )
    if folder.st_mode & 0o070 != 0o070:
        found.append(
            f"members of the group cannot make the store's -wal and -shm files in {path.parent} "
            f"(mode {stat.S_IMODE(folder.st_mode):04o}, 2770 needed), so they cannot open it; {fix}."
        )
    if not folder.st_mode & stat.S_ISGID:
        found.append(
            f"the folder {path.parent} lacks the setgid bit, so the -wal and -shm files SQLite makes "
            f"there belong to whoever made them, and the other members are locked out; {fix}."
        )
    for above in path.parent.parents:  # members must be able to pass through every folder above
        with suppress(OSError):
            mode = above.stat().st_mode
            gid = above.stat().st_gid
            if not (mode & 0o001 or (gid == folder.st_gid and mode & 0o010)):
                found.append(
                    f"members of {group} cannot pass through {above} (mode {stat.S_IMODE(mode):04o}, group "
                    f"{group_name(gid)}), so they cannot reach the store; `chmod o+x {above}` or "
                    f"`chgrp {group} {above} && chmod g+x {above}`."
                )
    for item in (path, *side_files(path)):
        with suppress(OSError):
            status = item.stat()
            if status.st_gid != folder.st_gid:
                found.append(
                    f"{item} belongs to the group {group_name(status.st_gid)}, not {group}, whose "
                    f"members share the store; {fix}."
                )
            elif item != path and status.st_mode & 0o060 != 0o060:
                found.append(
                    f"members of {group} cannot write {item} (mode {stat.S_IMODE(status.st_mode):04o}); {fix}."
                )
    return found


def denied(path: Path) -> StoreUnusable:
    """The error for a store this user may not open, naming what stands in the way."""
    user = owner_name(os.getuid())
    for folder in reversed((path.parent, *path.parent.parents)):
        if not os.access(folder, os.X_OK):
            return StoreUnusable(
                f"permission denied: you ({user}) may not enter the folder {folder}, which holds the "
                f"store {path}{_whose(folder)}; ask an administrator to add you to that group "
                "(then log in again), or choose another store with --db."
            )
    return StoreUnusable(
        f"permission denied: you ({user}) may not read and write the store {path}{_whose(path)}; "
        "ask an administrator to add you to that group (then log in again), or choose another "
        "store with --db."
    )


def _whose(item: Path) -> str:
    try:
        status = item.stat()
    except OSError:
        return ""
    return (
        f" (owner {owner_name(status.st_uid)}, group {group_name(status.st_gid)}, "
        f"mode {stat.S_IMODE(status.st_mode):04o})"
    )


def check_access(path: Path) -> None:
    """`StoreUnusable` naming the permission problem when this user cannot reach or read the store."""
    try:
        present = path.exists()  # a folder on the way that we may not enter: PermissionError
    except PermissionError:
        raise denied(path) from None
    if present and not os.access(path, os.R_OK):
        raise denied(path)
