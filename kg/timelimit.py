"""A time limit for work done in this process (a local SPARQL query): ``kg query --timeout`` without a server.

The mechanism is a POSIX interval timer (``signal.setitimer(ITIMER_REAL)``): when
it expires, its handler raises :class:`_Expired` in the main thread, between two
Python bytecodes. rdflib evaluates SPARQL in Python, so any query — a cartesian
product included — stops within a few milliseconds of the limit; ``_Expired`` is a
``BaseException``, so no ``except Exception`` inside rdflib can swallow it. Work
inside native code (Oxigraph through oxrdflib) is stopped only at the next return
to Python — between result rows, but not inside one long native step such as an
aggregate over a cartesian product. The limit works in the main thread only (where
Python runs signal handlers); elsewhere :func:`time_limit` refuses it.

A query stopped by the limit raises :class:`~kg.errors.QueryError` (exit code 2):
nothing remote failed (3 is for servers); the query the user gave is too costly
for the limit the user set.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from kg.errors import QueryError


class _Expired(BaseException):
    """The time limit passed (a BaseException, so library code catching Exception lets it through)."""


@contextmanager
def time_limit(seconds: float | None, label: str = "query") -> Iterator[None]:
    """Run the ``with`` body for at most ``seconds`` (None: no limit); then raise :class:`QueryError`."""
    if seconds is None:
        yield
        return
    if not seconds > 0 or seconds == float("inf"):
        raise QueryError(f"--timeout {seconds!r}: give a positive number of seconds")
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        raise QueryError("a time limit for a local query works only in the main thread of a POSIX process")
    token = object()

    def expire(_signum: int, _frame: object) -> None:
        raise _Expired(token)

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired as exc:  # also one that lands just as the body ends: the limit was reached
        if exc.args != (token,):  # pragma: no cover - an outer limit's expiry
            raise
        raise QueryError(f"{label}: stopped after {seconds:g} s (the --timeout limit); narrow the query "
                         "or raise the limit") from None
    finally:
        signal.signal(signal.SIGALRM, previous)
