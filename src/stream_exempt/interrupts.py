"""An interrupt never lies (SPEC 10): what a command has recorded (its `Ledger`), and Ctrl-C and SIGTERM.

Every change is one transaction (`Store.writing`), and a command notes in words what it
recorded in its `Ledger` (`note`, made inside the transaction, kept aside until it commits). The COMMIT and
the keeping of those notes are one step that no signal can split (`held`): a signal that
comes before it rolls the transaction back (nothing was changed), one that comes during it
waits until the notes are kept, and then ends the command saying what was recorded. SIGTERM is
taken as Ctrl-C is; once one of them has ended the command, another is ignored while the
process ends.

Only standard-library imports: `entry` installs the handlers before the app loads.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

TYPE_CHECKING = False  # as `typing.TYPE_CHECKING`, without importing typing before signals are taken
if TYPE_CHECKING:
    from pathlib import Path

SIGNALS = (signal.SIGINT, signal.SIGTERM)

# Signals are held while above zero; the first that came meanwhile. (Signals belong to the
# process, so this is the one state kept here; what a command recorded is in its `Ledger`.)
_held = 0
_pending: int | None = None
_ended = False
_installed = False


class Ledger:
    """What one command opened and recorded, in words, and for each record what the person
    should do if the command fails afterwards (its output cannot be written, an interrupt): the
    error says what was recorded, never that nothing changed (SPEC 7).

    One per command, carried by its session and given to the store it opens; the store's
    transaction notes through it (`transaction`, `committing`). A plain class, not a dataclass:
    `entry` imports this module before anything else, to take signals as early as it can."""

    def __init__(self) -> None:
        self.opened: list[Path | str] = []  # the stores opened, to name in a late error
        self.recorded: list[str] = []
        self.advice: list[str] = []
        self._staged: list[tuple[str, str]] = []  # noted in the transaction that is open
        self._transactions = 0

    def note(self, what: str, then: str) -> None:
        """Note what a change recorded: kept at once, or, inside a transaction, when it commits."""
        if self._transactions:
            self._staged.append((what, then))
        else:
            self.recorded.append(what)
            self.advice.append(then)

    @property
    def done(self) -> str:
        """What was recorded, in words (empty when nothing was)."""
        return "; ".join(self.recorded)

    def said(self) -> str:
        """What an interrupt says, as it stands: what was recorded, or that nothing was changed."""
        done = self.done
        return f"interrupted after recording: {done}." if done else "interrupted; nothing was changed."

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Around one transaction, whose body runs at `yield`: notes made in it are kept aside.
        The caller commits inside `committing()`; any exception forgets them."""
        self._transactions += 1
        try:
            yield
        except BaseException:
            del self._staged[:]
            raise
        finally:
            self._transactions -= 1

    @contextmanager
    def committing(self) -> Iterator[None]:
        """The COMMIT runs inside: the notes of the transaction are kept with it, as one step."""
        with held():
            yield
            for what, then in self._staged:
                self.recorded.append(what)
                self.advice.append(then)
            del self._staged[:]


def begin() -> None:
    """A new command begins: forget a signal an earlier one (in the same process) left pending."""
    global _pending, _ended
    _pending = None
    _ended = False


def install() -> None:
    """Take SIGINT and SIGTERM (in the main thread, before the app loads)."""
    global _installed
    for number in SIGNALS:
        signal.signal(number, _signalled)
    _installed = True


def _signalled(number: int, frame: FrameType | None) -> None:
    global _pending, _ended
    if _ended:
        return  # the command is already ending
    if _held:
        if _pending is None:
            _pending = number
        return
    _ended = True
    raise KeyboardInterrupt


@contextmanager
def held() -> Iterator[None]:
    """Signals wait until the block has run, then end the command (KeyboardInterrupt).

    Blocked for the thread as well as deferred by the handler: blocked, they cannot cut short a
    system call of the commit (EINTR); deferred, one already on its way, or delivered to another
    thread (a progress spinner's), cannot land in the block either."""
    global _held, _pending, _ended
    _held += 1
    try:
        previous = _block()
        try:
            yield
        finally:
            _unblock(previous)  # one that came meanwhile reaches the handler now, and waits
    finally:
        _held -= 1
        if not _held and _pending is not None and not _ended:
            # After the block, or instead of its error: a failed COMMIT kept no note either.
            _pending = None
            _ended = True
            raise KeyboardInterrupt


def ended() -> None:
    """The command is ending (its result or its error is known): a signal now is ignored.

    In the program, also blocked: Python puts back the default handlers as it shuts down, and a
    signal then would end the process by that signal instead of its exit code."""
    global _ended
    _ended = True
    if _installed:
        _block()


def wrapped(error: BaseException) -> bool:
    """Whether `error` is an interrupt that Python wrapped in another error (Python 3.11 turns
    one that comes while a class is being made into `RuntimeError: Error calling __set_name__`)."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _block() -> set[int | signal.Signals] | None:
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on Windows
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)


def _unblock(previous: set[int | signal.Signals] | None) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
