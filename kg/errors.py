"""The user-facing errors of the knowledge graph, one base class and its subclasses.

Every error a user can cause (bad files, bad parameters, unreachable servers)
is a :class:`KGError`. The CLI turns each into a one-paragraph message and the
documented exit code; the library never prints or exits. Exit codes are the
same for every command:

====  ===================================================================
0     success; for ``kg validate``: the data conforms
1     the data does not conform to the shapes (``kg validate``, ``kg build``)
2     unusable input: missing or unparsable file, bad option or parameter
3     a remote SPARQL server failed (refused, timed out, HTTP error, bad body)
4     the output could not be written (read-only folder, disk full…)
130   interrupted (Ctrl-C / SIGINT)
143   terminated (SIGTERM; see :mod:`kg.signals`)
====  ===================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg import signals as _signals

EXIT_OK = 0
EXIT_NONCONFORMANT = 1
EXIT_INPUT = 2
EXIT_REMOTE = 3
EXIT_OUTPUT = 4
EXIT_INTERRUPTED = _signals.EXIT_INTERRUPTED  # 130; the signal codes are defined where the signals are handled
EXIT_TERMINATED = _signals.EXIT_TERMINATED  # 143


class KGError(Exception):
    """Base class of every error caused by input, environment or remote servers."""

    exit_code: int = EXIT_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled whole (an article's error crosses from the process that assembled it, see kg.load): the
        # default pickling calls the class with ``args`` alone, which subclasses with more parameters refuse
        return _restore, (type(self), self.args, self.__dict__)


def _restore(cls: type[KGError], args: tuple[Any, ...], state: dict[str, Any]) -> KGError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class InputError(KGError):
    """An input file, folder, option or parameter is unusable (exit code 2)."""


@dataclass(frozen=True)
class Location:
    """Where in a file an input problem is; line and column are 1-based."""

    file: Path | str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = str(self.file)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


class LocatedInputError(InputError):
    """An input error that points at a file (and, when known, a line and column)."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.detail = message


class RDFSyntaxError(LocatedInputError):
    """An RDF file could not be parsed."""


class QuoteError(LocatedInputError):
    """A ``kg:quote`` is not in its article, or is in it more than once."""

    def __init__(self, message: str, location: Location, quote: str) -> None:
        super().__init__(message, location)
        self.quote = quote


class DataError(InputError):
    """Data is well-formed RDF but cannot be assembled (e.g. an article without metadata)."""


class QueryError(InputError):
    """A query is unknown, malformed, not read-only, or given bad parameters."""


class OutputError(KGError):
    """Output could not be written; what was there before is left as it was (exit code 4)."""

    exit_code = EXIT_OUTPUT


class EndpointError(KGError):
    """A remote SPARQL server failed or could not be reached (exit code 3)."""

    exit_code = EXIT_REMOTE

    def __init__(self, message: str, *, transient: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status
