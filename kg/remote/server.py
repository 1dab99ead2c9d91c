"""A local Oxigraph SPARQL server on 127.0.0.1, read-only unless asked otherwise.

The ``oxigraph`` PyPI package ships the server binary. With data, the files are
first loaded into a fresh on-disk store in a temporary folder (``oxigraph load``),
then that store is served: by ``oxigraph serve-read-only`` by default, so no
SPARQL Update and no Graph Store write (also not a form POST from a browser page)
can change it, or by ``oxigraph serve`` when ``writable=True``. Without data the
server is an empty in-memory store and writable (what a test publishes into).

The server binds to loopback only. A port already in use is an
:class:`~kg.errors.EndpointError` before anything starts, so nothing is ever sent
to whatever else listens there.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kg.errors import EndpointError, InputError, KGError, OutputError
from kg.remote.client import Endpoint

HOST = "127.0.0.1"
START_TIMEOUT = 20.0


STORE_PREFIX = "kg-oxigraph-"
"""Temporary stores are ``kg-oxigraph-<pid>-…`` in the temporary folder;
:func:`kg.fsutil.remove_dead_temp_folders` removes those of processes that no longer run (a ``kill -9``-ed
``kg serve``)."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to send the server SIGTERM when ``kg`` dies, even by ``kill -9`` (``PR_SET_PDEATHSIG``), and
    let it receive SIGTERM / SIGINT even if they were blocked where it was started (a mask is inherited)."""
    from kg.signals import end_with_parent

    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    end_with_parent(signal.SIGTERM)


def _child() -> dict[str, Any]:
    """How every ``oxigraph`` command is started (``subprocess`` options): ended with ``kg`` on Linux
    (:func:`_die_with_parent`), and its errors without a Rust backtrace (a user's ``RUST_BACKTRACE`` /
    ``RUST_LIB_BACKTRACE`` would add one, and cut the error out of kg's message)."""
    return {"env": {**os.environ, "RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0"},
            "preexec_fn": _die_with_parent if sys.platform.startswith("linux") else None}


def load_failure(returncode: int, stderr: bytes, files: Sequence[Path | str], folder: Path) -> KGError:
    """The error for an ``oxigraph load`` of ``files`` into ``folder`` that failed (see :func:`_step_failure`)."""
    return _step_failure("load", returncode, stderr, folder, files)


def update_failure(returncode: int, stderr: bytes, folder: Path) -> KGError:
    """The error for an ``oxigraph update`` of the loaded store in ``folder`` that failed (see
    :func:`_step_failure`)."""
    return _step_failure("update", returncode, stderr, folder)


def _step_failure(step: str, returncode: int, stderr: bytes, folder: Path, files: Sequence[Path | str] = ()
                  ) -> KGError:
    """The error for an ``oxigraph`` command (``step``: ``load`` of ``files``, or ``update``) on the store in
    ``folder`` that failed: a file Oxigraph cannot read is an :class:`InputError` naming it (exit 2); a full disk
    an :class:`OutputError` (exit 4); a command killed (the out-of-memory killer) or anything else an
    :class:`EndpointError` (exit 3). Oxigraph's advice on its own ``--lenient`` option, which ``kg`` does not
    offer, is left out."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()
             if line.strip() and not line.startswith("Some files like Wikidata dumps")]
    text = " ".join(lines)
    names = ", ".join(str(f) for f in files)
    if returncode < 0:
        reading = f" while it read {names}" if files else ""
        return EndpointError(f"oxigraph {step} was stopped by signal {-returncode} (killed, or out of memory)"
                             f"{reading}")
    if "No space left on device" in text:
        doing = f"load {names} into a temporary store" if files else "change the temporary store"
        size = "the store takes about twice the size of the data; " if files else ""
        return OutputError(f"cannot {doing} in {folder.parent}: no space left on the device ({size}TMPDIR chooses "
                           "the folder)")
    prefix = "Error while loading file "
    for line in lines:
        for name in map(str, files):
            if line.startswith(f"{prefix}{name}: "):
                return InputError(f"{name}: could not be read by Oxigraph: {line[len(prefix) + len(name) + 2:]}")
    what = f"load {names}" if files else "change the loaded store"
    return EndpointError(f"oxigraph could not {what}: {text[-500:]}")


def _run_step(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    """Run an ``oxigraph`` command to its end: its output kept, without a backtrace, ended with ``kg``."""
    return subprocess.run(args, capture_output=True, check=False, **_child())


def oxigraph_binary() -> str:
    """The ``oxigraph`` server binary installed by the PyPI package ``oxigraph``."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise InputError("the 'oxigraph' server binary is not installed (pip install oxigraph)")
    return found


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True if something already listens on (or holds) ``port`` on 127.0.0.1."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will; a listener still blocks
        try:
            s.bind((HOST, port))
        except OSError as exc:  # another error (a privileged port) is left to the server to report
            return exc.errno == errno.EADDRINUSE
    return False


def loopback_socket(port: int) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 (``port`` 0: a free one), for a server of kg's own (``kg web``,
    ``kg reconcile``), bound before anything is loaded so that no other program takes the port meanwhile.

    Raises :class:`kg.errors.EndpointError` (exit 3, as ``kg serve``) when the port is taken.
    """
    from kg.errors import EndpointError

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise EndpointError(f"port {port} on {HOST} cannot be used ({exc.strerror}); choose another with --port "
                            "(nothing was started)") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class OxigraphServer:
    """An Oxigraph server on 127.0.0.1, started and stopped with the object.

    ``data``: RDF files to load before serving (N-Quads and TriG keep their graphs; triple formats go to the
    default graph), then ``updates`` (SPARQL Update texts) are run on the loaded store; the server is then
    read-only unless ``writable``. Without ``data``: an empty in-memory store, always writable.

    >>> with OxigraphServer(data=[Path("dataset.nq")]) as server:   # doctest: +SKIP
    ...     server.endpoint.query_url
    'http://127.0.0.1:…/query'
    """

    def __init__(self, port: int | None = None, *, data: Sequence[Path] | None = None, writable: bool | None = None,
                 timeout: float = 30.0, union_default_graph: bool = False, updates: Sequence[str] = ()) -> None:
        self.port = port or free_port()
        self.data = list(data or [])
        self.updates = list(updates)
        self.writable = (not self.data) if writable is None else writable
        if not self.writable and not self.data:
            raise InputError("a read-only Oxigraph server needs data to serve")
        self.timeout = timeout
        self.union_default_graph = union_default_graph
        self.process: subprocess.Popen[bytes] | None = None
        self._folder: Path | None = None
        self.notes: list[str] = []
        """What the caller chose for this server that its user should know (plain words)."""

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` — also the address of Oxigraph's own query page (its root)."""
        return f"http://{HOST}:{self.port}"

    @property
    def ui_url(self) -> str:
        """Oxigraph's query editor in a browser."""
        return f"{self.base_url}/"

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(f"{self.base_url}/query", f"{self.base_url}/update", f"{self.base_url}/store",
                        timeout=self.timeout, retries=2)

    def _log(self, whole: bool = False) -> str:
        log = self._folder / "oxigraph.log" if self._folder else None
        text = log.read_text(encoding="utf-8", errors="replace").strip() if log and log.exists() else ""
        return text if whole else text[-500:]

    def _taken(self) -> EndpointError:
        return EndpointError(f"port {self.port} on {HOST} is already in use by another program; "
                             "choose another with --port (nothing was started or sent)")

    def start(self) -> OxigraphServer:
        """Load the data, start the server and wait until it answers (raises :class:`EndpointError` if not)."""
        if port_in_use(self.port):
            raise self._taken()
        binary = oxigraph_binary()
        from kg.fsutil import remove_dead_temp_folders

        remove_dead_temp_folders(STORE_PREFIX)
        self._folder = Path(tempfile.mkdtemp(prefix=f"{STORE_PREFIX}{os.getpid()}-"))
        try:
            args = [binary]
            if self.data:
                store = self._folder / "store"
                files = [Path(f).absolute() for f in self.data]  # never taken for an option (a path "-b/…")
                loaded = _run_step([binary, "load", "--location", str(store),
                                    *[a for f in files for a in ("--file", str(f))]])
                if loaded.returncode != 0:
                    raise load_failure(loaded.returncode, loaded.stderr, files, self._folder)
                for text in self.updates:
                    changed = _run_step([binary, "update", "--location", str(store), "--update", text])
                    if changed.returncode != 0:
                        raise update_failure(changed.returncode, changed.stderr, self._folder)
                args += ["serve" if self.writable else "serve-read-only", "--location", str(store)]
            else:
                args += ["serve"]
            args += ["--bind", f"{HOST}:{self.port}"]
            if self.union_default_graph:
                args.append("--union-default-graph")
            with open(self._folder / "oxigraph.log", "wb") as log:
                self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                                **_child())
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        """Wait until our server says it listens (its first line) and takes a connection. A connection alone could
        reach another program that took the port after :func:`port_in_use` (a large build loads for a minute
        before the server starts): our server then fails, with ``Address already in use``."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        listening = f"Listening for requests at http://{HOST}:{self.port}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self._log()
                if "address already in use" in self._log(whole=True).lower():
                    raise self._taken()
                raise EndpointError(f"oxigraph could not start on port {self.port}: {log}")
            if listening not in self._log(whole=True):
                time.sleep(0.05)
                continue
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            if self.process.poll() is None:  # the answer came from our process, which still runs
                return
        raise EndpointError(f"oxigraph did not answer on port {self.port} within {START_TIMEOUT:g} s")

    def wait(self) -> int:
        """Wait until the server process ends (it runs until stopped); its exit status."""
        assert self.process is not None
        return self.process.wait()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s) and delete its temporary store."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
