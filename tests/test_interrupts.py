"""An interrupt never lies (SPEC 10): Ctrl-C or SIGTERM at any moment of a large change either
leaves nothing written and says `nothing was changed`, or leaves the whole change written and
says what was recorded; exit 130 either way.

Real processes, interrupted at evenly spread moments of their run. The run is measured first,
on this machine and under the same load (two side by side, as the tries are run), and try k of
N is sent its signal at k/N of it (every tenth one SIGTERM). Each try works on its own copy of
one prepared store; its rows are then compared with the prepared store's, inside SQLite.

The moments count from the end of the interpreter's own start (measured too): before it, no
code of the program runs yet, and Python itself takes the signal, with nothing written.

`extend --batch` is interrupted at 100 moments, `bulk` at 50: the two together must stay near
a minute and a half on a machine with two cores, and a `bulk` run is the shorter of the two.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from stream_exempt.store import Store

MEMBERS = 20_000
NOTHING = "Error: Interrupted; nothing was changed.\n"


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]
    base: Path  # the store it starts from
    whole: Callable[[Path], bool]  # whether a store holds the whole change
    said: Callable[[Path], str]  # what an interrupt after the commit says, given the store


@dataclass(frozen=True)
class Try:
    moment: float  # seconds after the process started
    sent: signal.Signals
    code: int
    stdout: str
    stderr: str


def _program(store: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "stream_exempt", "--db", str(store), *args]


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}


def _run(folder: Path, command: Command, moment: float | None, sent: signal.Signals) -> tuple[Try, Path]:
    """Run the command on a fresh copy of its store; send `sent` `moment` seconds after it started
    (never, for None: then the try's moment is how long the run took)."""
    folder.mkdir(parents=True)
    store = folder / "s.db"
    shutil.copyfile(command.base, store)
    with open(folder / "out", "w+") as out, open(folder / "err", "w+") as err:
        process = subprocess.Popen(
            _program(store, *command.args), stdout=out, stderr=err, env=_env(), cwd=folder
        )
        started = time.monotonic()
        if moment is not None:
            time.sleep(max(0.0, started + moment - time.monotonic()))
            process.send_signal(sent)  # none once it has ended and been reaped
        code = process.wait(timeout=120)
        elapsed = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Try(elapsed if moment is None else moment, sent, code, out.read(), err.read()), store


def _same_rows(store: Path, base: Path) -> bool:
    """Whether `store` holds exactly the schema and the rows of `base`: every table, rowid
    included, compared inside SQLite (as many rows, and none that `base` lacks)."""
    conn = sqlite3.connect(store)
    try:
        conn.execute("ATTACH DATABASE ? AS base", (str(base),))

        def differ(query: str) -> bool:
            mine, theirs = (query.format(db) for db in ("main", "base"))
            count = f"SELECT (SELECT count(*) FROM ({mine})) - (SELECT count(*) FROM ({theirs}))"
            return bool(conn.execute(count).fetchone()[0]) or bool(
                conn.execute(f"SELECT EXISTS ({mine} EXCEPT {theirs})").fetchone()[0]
            )

        if differ("SELECT type, name, tbl_name, sql FROM {}.sqlite_master"):
            return False
        tables = conn.execute("SELECT name, sql FROM base.sqlite_master WHERE type = 'table'").fetchall()
        for name, sql in tables:
            rowid = "" if "WITHOUT ROWID" in sql.upper() else "rowid, "
            if differ(f'SELECT {rowid}* FROM {{}}."{name}"'):
                return False
        return True
    finally:
        conn.close()


def _one(store: Path, query: str) -> tuple[object, ...]:
    conn = sqlite3.connect(store)
    try:
        row: tuple[object, ...] = conn.execute(query).fetchone()
        return row
    finally:
        conn.close()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A cohort of 20,000 students; an empty store; the same store holding them as batch 1."""
    folder = tmp_path_factory.mktemp("interrupts")
    cohort = folder / "cohort.csv"
    cohort.write_text("student_id\n" + "".join(f"{200000000 + i}\n" for i in range(MEMBERS)))
    empty = folder / "empty.db"
    Store.open(empty, create=True).close()
    batch = folder / "batch.db"
    shutil.copyfile(empty, batch)
    made = subprocess.run(
        _program(batch, "bulk", str(cohort), "--type", "placement", "--start", "+2w", "--for", "2w"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    for store in (empty, batch):  # everything in the main file: a copy of it is the whole store
        conn = sqlite3.connect(store)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)  # a few hundred megabytes of copies


def _started() -> float:
    """How long the interpreter takes to reach the program's entry point (`python -m` of the
    module that holds it, which defines it and returns)."""
    began = time.monotonic()
    subprocess.run([sys.executable, "-m", "stream_exempt.entry"], env=_env(), timeout=60, check=True)
    return time.monotonic() - began


def _interrupted(folder: Path, command: Command, moments: int) -> dict[str, int]:
    """Interrupt the command at `moments` evenly spread moments of its run, two tries at a time;
    judge each try as it ends. Returns how many ended each way."""
    with ThreadPoolExecutor(2) as pool:
        # Before the interpreter reaches the program's entry point no program can take a signal
        # (SIGTERM ends it, unhandled): the tries start after the slowest of four start-ups, with
        # half as long again to spare for a machine busier now than it was then.
        start = 1.5 * max(pool.map(lambda i: _started(), range(4)))
        whole = list(
            pool.map(lambda i: _run(folder / f"whole{i}", command, None, signal.SIGINT)[0], range(2))
        )
        assert [run.code for run in whole] == [0, 0], [run.stderr for run in whole]
        length = min(run.moment for run in whole)

        # Past the quicker whole run by a quarter: on a machine busier during the tries than
        # during the whole runs, the last tries still come after the commit, or the end.
        end = 1.25 * length

        def one(k: int) -> tuple[str, str]:
            moment = start + (end - start) * k / moments
            sent = signal.SIGTERM if k % 10 == 5 else signal.SIGINT
            run, store = _run(folder / f"try{k}", command, moment, sent)
            try:
                return _judge(run, store, command)
            finally:
                shutil.rmtree(store.parent)

        judged = list(pool.map(one, range(1, moments + 1)))
    wrong = [problem for outcome, problem in judged if problem]
    outcomes = {
        name: sum(1 for outcome, _ in judged if outcome == name) for name in ("nothing", "recorded", "ended")
    }
    assert not wrong, f"{len(wrong)} of {moments} tries wrong ({outcomes}):\n" + "\n".join(wrong)
    return outcomes


def _judge(run: Try, store: Path, command: Command) -> tuple[str, str]:
    """Nothing written and `nothing was changed`; or the whole change, and what it recorded; exit
    130 either way (or 0 with no word of an interrupt, if the command had ended when it came)."""
    where = f"{run.sent.name} at {run.moment:.3f}s: exit {run.code}, stderr {run.stderr[-300:]!r}"
    if _same_rows(store, command.base):
        right = (run.code, run.stderr, run.stdout) == (130, NOTHING, "")
        return "nothing", "" if right else f"nothing written, but {where}"
    if not command.whole(store):
        return "partly", f"a part of the change written: {where}"
    if run.code == 0 and "Interrupted" not in run.stderr:
        return "ended", ""
    right = run.code == 130 and run.stderr.splitlines()[-1:] == [command.said(store)]
    return "recorded", "" if right else f"the whole change written, but {where}"


def test_interrupting_bulk_of_20000_never_lies(prepared: Path) -> None:
    def whole(store: Path) -> bool:
        counted = _one(
            store,
            "SELECT count(*), count(DISTINCT student_id), min(batch), max(batch), "
            "(SELECT count(*) FROM batches), (SELECT count(*) FROM events WHERE action = 'bulk') FROM exemptions",
        )
        return counted == (MEMBERS, MEMBERS, 1, 1, 1, MEMBERS)

    def said(store: Path) -> str:
        created = _one(store, "SELECT count(*) FROM exemptions WHERE batch = 1")[0]
        return f"Error: Interrupted after recording: batch 1, {created:,} exemptions created."

    args = ("bulk", str(prepared / "cohort.csv"), "--type", "placement", "--start", "+2w", "--for", "2w")
    outcomes = _interrupted(prepared / "bulk", Command(args, prepared / "empty.db", whole, said), 50)
    # The moments span the run: tries end before the commit and after it.
    assert outcomes["nothing"] >= 10 and outcomes["recorded"] + outcomes["ended"] >= 1, outcomes


def test_interrupting_extend_of_a_20000_member_batch_never_lies(prepared: Path) -> None:
    base = prepared / "batch.db"
    ends = _one(base, "SELECT min(end_date), max(end_date) FROM exemptions")
    assert ends[0] == ends[1]
    later = (date.fromisoformat(str(ends[0])) + timedelta(days=7)).isoformat()

    def whole(store: Path) -> bool:
        counted = _one(
            store,
            "SELECT count(*), min(end_date), max(end_date), "
            "(SELECT count(*) FROM events WHERE action = 'extend') FROM exemptions",
        )
        return counted == (MEMBERS, later, later, MEMBERS)

    def said(store: Path) -> str:
        extended = _one(store, "SELECT count(*) FROM events WHERE action = 'extend'")[0]
        return f"Error: Interrupted after recording: {extended:,} exemptions extended (ids 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ...)."

    args = ("extend", "--batch", "1", "--by", "1w")
    outcomes = _interrupted(prepared / "extend", Command(args, base, whole, said), 100)
    assert outcomes["nothing"] >= 10 and outcomes["recorded"] + outcomes["ended"] >= 1, outcomes


# -- one signal at one statement, in-process: where the line between the two answers lies ----------


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The program's own handlers, as `stream-exempt` installs them; pytest's back afterwards."""
    from stream_exempt import interrupts

    handlers = {number: signal.getsignal(number) for number in interrupts.SIGNALS}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    monkeypatch.setattr(interrupts, "_ended", False)  # as in a new process
    monkeypatch.setattr(interrupts, "_pending", None)
    interrupts.install()
    try:
        yield
    finally:
        monkeypatch.setattr(interrupts, "_installed", False)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for number, handler in handlers.items():
            signal.signal(number, handler)


def _signalled_at(monkeypatch: pytest.MonkeyPatch, statement: str, sent: signal.Signals) -> None:
    """The store's connection sends this process `sent` as it starts `statement`."""

    class Signalling(sqlite3.Connection):
        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
            if sql.lstrip().upper().startswith(statement):
                os.kill(os.getpid(), sent)
            return super().execute(sql, *args)  # type: ignore[arg-type]

    original = sqlite3.connect

    def connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        return original(*args, **kwargs, factory=Signalling)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr("stream_exempt.store.sqlite.sqlite3.connect", connect)


ADDED = "Error: Interrupted after recording: exemption 1 for student 201234567, Practice Placement Block, 11 Jan 2027 to 24 Jan 2027.\n"


@pytest.mark.parametrize(
    ("statement", "sent", "said", "ids"),
    [
        ("INSERT INTO EXEMPTIONS", signal.SIGINT, NOTHING, ""),  # inside the transaction: rolled back
        ("INSERT INTO EVENTS", signal.SIGTERM, NOTHING, ""),
        ("COMMIT", signal.SIGINT, ADDED, "1\n"),  # during the COMMIT: it was said "nothing was changed"
        ("COMMIT", signal.SIGTERM, ADDED, "1\n"),
    ],
)
@pytest.mark.sqlite_only("signals sent from inside SQLite statements (patched sqlite3.connect)")
def test_a_signal_during_the_commit_says_what_was_recorded(
    cli: object,
    handled: None,
    monkeypatch: pytest.MonkeyPatch,
    statement: str,
    sent: signal.Signals,
    said: str,
    ids: str,
) -> None:
    from helpers import Cli

    assert isinstance(cli, Cli)
    with monkeypatch.context() as patched:
        _signalled_at(patched, statement, sent)
        result = cli("add", "201234567", "--type", "placement", "--start", "2027-01-11", "--for", "2w")
    assert (result.exit_code, result.stderr) == (130, said), result.stderr
    assert cli.ok("list", "--ids").stdout == ids
