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
    """
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
