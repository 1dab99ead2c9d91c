"""Signals and fault points: the few things the entry point sets up before anything else is imported.

SIGTERM becomes :class:`Terminated`, a ``BaseException`` like ``KeyboardInterrupt`` for SIGINT, so no
``except Exception`` in a library (rdflib's query evaluation, a retry loop) can swallow it and ``finally``
clauses run. This module imports only the standard library, so ``kg`` installs the handlers within
milliseconds of starting.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Self

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(BaseException):
    """The process received SIGTERM."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise Terminated()


def install_handlers() -> None:
    """SIGTERM raises :class:`Terminated`; SIGINT raises ``KeyboardInterrupt`` (also where it was ignored)."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)


class SignalsDeferred:
    """``with SignalsDeferred() as deferred:`` SIGINT and SIGTERM wait until the block is over, whichever thread
    the system hands them to; then :meth:`deliver` acts on one that came meanwhile as its handler would have.

    Blocking them (``pthread_sigmask``) is not enough in a process with other threads: the system may hand the
    signal to a thread that does not block it, and Python then runs the handler in the main thread anyway, in
    the middle of the block. So the handlers are replaced by one that only notes the signal; Python runs
    handlers in the main thread alone, so this works only there: elsewhere the handlers stay as they are.
    """

    def __init__(self) -> None:
        self.received: list[int] = []
        self._previous: dict[int, object] = {}

    def __enter__(self) -> Self:
        import threading

        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                handler = signal.getsignal(signum)
                if handler is not None:  # None: set outside Python, and could not be put back
                    self._previous[signum] = signal.signal(signum, self._note)
        return self

    def _note(self, signum: int, _frame: object) -> None:
        self.received.append(signum)

    def __exit__(self, *_exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    def deliver(self) -> None:
        """After the block: run the handler the first signal received would have run (``KeyboardInterrupt`` for
        SIGINT, :class:`Terminated` once :func:`install_handlers` ran); with the default action, the signal is
        sent again."""
        if not self.received:
            return
        signum = self.received[0]
        handler = self._previous.get(signum)
        if callable(handler):
            handler(signum, None)
        elif handler == signal.SIG_DFL:
            signal.raise_signal(signum)


def end_with_parent(signum: int) -> None:
    """Ask Linux to send this process ``signum`` when the process that started it dies, even by ``kill -9``
    (``PR_SET_PDEATHSIG``); nothing elsewhere. For the children ``kg`` starts: a server, worker processes."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signum)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def fault_point(name: str) -> None:
    """A place where the fault tests stop a real process: ``KG_FAULT_PAUSE=NAME:MARKER_FILE``.

    When the variable names this point, the marker file is written (with the process id) and the process
    waits there until a signal or ``kill -9`` ends it, so a test can hit exactly this step instead of
    guessing with sleeps. Without the variable this does nothing. Points: ``startup``, ``load``,
    ``assemble`` (worker processes running), ``reason``, ``validate``, ``write``, ``staged``, ``exchanged``,
    ``between-renames``, ``finished`` (docs/reliability.md).

    ``KG_FAULT_SIGNAL=NAME:SIGINT`` (or ``SIGTERM``) instead sends that signal to the process at the point and
    goes on: it arrives where it is not blocked, or as soon as it no longer is (during the build folder's swap).
    """
    raised = os.environ.get("KG_FAULT_SIGNAL")
    if raised and raised.partition(":")[0] == name:
        os.kill(os.getpid(), getattr(signal, raised.partition(":")[2], signal.SIGINT))
    spec = os.environ.get("KG_FAULT_PAUSE")
    if not spec:
        return
    point, _, marker = spec.partition(":")
    if point != name or not marker:
        return
    with open(marker, "w", encoding="utf-8") as fh:
        fh.write(str(os.getpid()))
    while True:  # pragma: no cover - ends with the process
        time.sleep(60)
