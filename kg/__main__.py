"""The ``kg`` entry point: signal handlers first, then the command line, then an exit no signal can cut.

It installs the SIGTERM / SIGINT handlers before importing anything heavy (typer, rich, rdflib), so a signal
at any moment after the interpreter starts ends the command with 143 / 130 and the cleanup it promises. When
the command is done, both signals are blocked for the interpreter's own shutdown (which would otherwise restore
the default handlers and die with -15); one that arrived meanwhile still sets the exit code. A command that
left large objects for the process's end (``kg build``'s build, :func:`kg.cli.leave_for_exit`) ends without the
interpreter letting go of them one by one — in the program only (:func:`console`): a program that calls
:func:`main` gets its ``SystemExit`` as before.
``python -m kg`` runs the same.
"""

from __future__ import annotations

import signal
import sys
from typing import NoReturn

_STOP = {signal.SIGINT, signal.SIGTERM}


def _code(value: object) -> int:
    if value is None:
        return 0
    return value if isinstance(value, int) else 1


def main(argv: list[str] | None = None) -> None:
    """Run the command line (``argv``; None: ``sys.argv[1:]``) and exit with its code (``SystemExit``), letting
    go of everything as usual, the caller's signal handlers and mask as they were: for a program that calls
    ``kg`` (the program itself is :func:`console`)."""
    sys.exit(_run(argv, program=False))


def console() -> NoReturn:
    """The ``kg`` console script and ``python -m kg``: :func:`main` for ``sys.argv``, except that a command that
    left large objects for the process's end (``kg build``'s build, :func:`kg.cli.leave_for_exit`) ends the
    process at once (:func:`_end_now`)."""
    sys.exit(_run(None, program=True))


def _run(argv: list[str] | None, *, program: bool) -> int:
    """The command's exit code, signals accounted for; with ``program``, the process ends here when the command
    left objects for its end."""
    from kg.signals import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, fault_point, install_handlers

    handlers = {signum: signal.getsignal(signum) for signum in _STOP}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    install_handlers()
    code = 0
    held: list[object] = []
    late: set[int] = set()
    try:
        try:
            fault_point("startup")
            from kg.cli import leave_for_exit, run

            if program:  # the process ends when the command does
                held = leave_for_exit()
            run(argv)
        except SystemExit as exc:
            code = _code(exc.code)
            fault_point("finished")
        finally:
            _hold_back(late)  # from here on no handler raises
    except KeyboardInterrupt:
        _hold_back(late)
        sys.stderr.write("kg: interrupted\n")
        code = EXIT_INTERRUPTED
    except Terminated:
        _hold_back(late)
        sys.stderr.write("kg: terminated (SIGTERM)\n")
        code = EXIT_TERMINATED
    pending = signal.sigpending() | late
    if signal.SIGTERM in pending and code != EXIT_TERMINATED:
        sys.stderr.write("kg: terminated (SIGTERM) as the command finished\n")
        code = EXIT_TERMINATED
    elif signal.SIGINT in pending and code not in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        sys.stderr.write("kg: interrupted as the command finished\n")
        code = EXIT_INTERRUPTED
    if held:
        _end_now(code)
    if not program:  # a calling program gets its signal handling back; a signal its code accounts for is taken
        while signal.sigtimedwait(_STOP, 0) is not None:
            pass
        for signum, handler in handlers.items():
            if handler is not None:
                signal.signal(signum, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    return code


def _hold_back(late: set[int]) -> None:
    """Block SIGINT and SIGTERM in this thread, and have a signal that another thread receives (the system may
    hand it to any thread that does not block it, and Python would raise it here) only noted in ``late``."""
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP)
    for signum in _STOP:
        signal.signal(signum, lambda received, _frame: late.add(received))


def _end_now(code: int) -> NoReturn:
    """Exit with ``code`` as the interpreter's own end does — its exit handlers run (multiprocessing's, logging's),
    standard output and error are flushed — but without letting go of the objects a command left for it
    (:func:`kg.cli.leave_for_exit`) one by one: the system takes the whole process's memory back at once."""
    import atexit
    import contextlib
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # kg.cli.run reported a failing standard output already
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    console()
