"""What a build takes from the previous build in its output folder: which of its articles are new.

Each build records in its ``manifest.json`` what it was made from (:data:`MANIFEST_KEY`, from :func:`inputs`): a
digest of the code, ontology, shapes and queries that made it (:func:`code_digest`), the engine, and for each
article a digest of its files and of the reference data (:attr:`kg.load.Article.inputs`). The next build into the
same folder compares (:func:`added_since`). When the previous build *conformed* and everything it was made from is
unchanged, the new build holds the same triples plus those of the articles added since, and builds on the earlier
results: the rules run from the added triples over its inferences (:func:`kg.engine.rules.infer_added`), the shapes
run only on the focus nodes those triples can affect (:mod:`kg.engine.reach`), and the large files are made from
its files (:mod:`kg.engine.splice`) — each giving what a whole run gives. Anything else — an article changed or
removed, other reference data, another version of ``kg`` or of its libraries, another engine, a previous build that
did not conform, or a manifest that records no inputs — and the build does everything, as a first build does.

The previous build is only read, and only as it was written: each build records the size and SHA-256 digest of its
manifest and of the files a later build reads (:data:`WRITTEN_FILE`, :func:`record_written`; the same bytes for the
same build, so build folders stay byte for byte the same), and a file that is no longer as written (edited by hand,
even to the same size) is not read; a manifest no longer as written makes the next build do everything. A build
folder whose manifest and record were both rewritten to claim inputs it was not made from would still make a build
skip checks: the build folder is the build's own.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import weakref
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

MANIFEST_KEY = "inputs"
"""The manifest's entry recording what the build was made from."""

FORMAT = 1
"""Bumped when what :func:`inputs` records changes meaning, so that older records are not compared."""

_LIBRARIES = ("ict-coop-kg", "rdflib", "pyoxigraph", "owlrl", "pyshacl")

WRITTEN_FILE = ".kg-written.json"
"""The record, in a build folder, of how its files were written: for each, its size and SHA-256 digest."""

_WRITTEN_LIMIT = 2**20
"""A record larger than this is not read (it names a handful of files)."""


def written(data: bytes | Sequence[bytes | memoryview]) -> list[Any]:
    """How a file of bytes ``data`` is recorded (:func:`record_written`): its size and SHA-256 digest (hex). The
    file may also be given as the pieces it is made of, in order (:data:`kg.engine.splice.Parts`). Python lets go
    of its interpreter lock while it hashes, so other threads run meanwhile (0.3 s for the 358 MB of a
    1,000-article build's large files)."""
    if isinstance(data, bytes):
        return [len(data), hashlib.sha256(data).hexdigest()]
    digest = hashlib.sha256()
    for part in data:
        digest.update(part)
    return [sum(memoryview(part).nbytes for part in data), digest.hexdigest()]


def record_written(folder: Path, files: dict[str, list[Any]]) -> None:
    """Record in ``folder`` (a build being written) how its files were written: ``files`` maps each name to
    :func:`written` of its bytes, as :class:`Earlier` checks them (:data:`WRITTEN_FILE`)."""
    (folder / WRITTEN_FILE).write_text(json.dumps({"format": FORMAT, "files": files}, sort_keys=True) + "\n",
                                       encoding="utf-8")


@functools.cache
def code_digest() -> str:
    """A digest of what turns data into a build besides the data: every module of the ``kg`` package, the
    packaged ontology, shapes and queries, and the versions of the libraries that read and check them. Read once
    per process (a build asks for it as it starts and as it writes its manifest)."""
    from kg import resources

    digest = hashlib.sha256(f"kg-inputs {FORMAT}\n".encode())

    def walk(folder: Any, label: str) -> None:
        for item in sorted(folder.iterdir(), key=lambda f: f.name):
            # the ontology, queries and data folders are installed inside the package by a wheel and beside it
            # in a checkout: they are read once each, below (the data's articles are compared one by one)
            if item.is_dir() and not item.name.startswith((".", "_")) and \
                    (label, item.name) not in {("kg", "ontology"), ("kg", "queries"), ("kg", "data")}:
                walk(item, f"{label}/{item.name}")
            elif item.is_file() and item.name.endswith((".py", ".ttl", ".rq")):
                data = item.read_bytes()
                digest.update(f"{label}/{item.name}\n{len(data)}\n".encode() + data)

    # every module of the package (its sub-packages too), the ontology and shapes, the queries
    for folder, label in ((resources.package_dir(), "kg"), (resources.ontology_dir(), "ontology"),
                          (resources.queries_dir(), "queries")):
        walk(folder, label)
    for package in _LIBRARIES:
        digest.update(f"{package} {version(package)}\n".encode())
    return digest.hexdigest()


def inputs(articles: list[Any], engine: str) -> dict[str, Any]:
    """What a build of ``articles`` (:class:`kg.load.Article`) with ``engine`` is made from, for its manifest."""
    return {"format": FORMAT, "code": code_digest(), "engine": engine,
            "articles": {a.id: a.inputs for a in articles}}


def made_alike(previous: dict[str, Any], engine: str) -> bool:
    """Whether the build whose manifest is ``previous`` conformed and was made by this code (:func:`code_digest`,
    :data:`FORMAT`) with ``engine``: what a build needs of an earlier one to build on it, its articles aside (see
    :func:`added_since`). A build asks before it reads the articles, to know how to load them
    (:func:`kg.load.load_graphs`' ``keep_documents``)."""
    recorded = previous.get(MANIFEST_KEY)
    return (previous.get("conforms") is True and isinstance(recorded, dict) and recorded.get("format") == FORMAT
            and recorded.get("code") == code_digest() and recorded.get("engine") == engine)


def added_since(previous: dict[str, Any], current: dict[str, Any]) -> list[str] | None:
    """The ids of the articles of ``current`` (:func:`inputs`) that the previous build, whose manifest is
    ``previous``, did not hold — when that build conformed and was made from the same code, engine and reference
    data (:func:`made_alike`), with each of its articles unchanged and still there. Otherwise None: nothing can be
    taken from it."""
    if not made_alike(previous, current["engine"]):
        return None
    before, now = previous[MANIFEST_KEY].get("articles"), current["articles"]
    if not isinstance(before, dict) or not all(isinstance(v, str) and v for v in now.values()):
        return None
    if any(now.get(article) != digest for article, digest in before.items()):
        return None  # an article changed or removed
    return [article for article in now if article not in before]


class Earlier:
    """An earlier build in a folder, held open from the moment its manifest is read: every file is then read from
    that same folder, even if another build swaps a new one into its place meanwhile (the files of the folder
    first opened are read, or none, never a mix). Each file is read only while it is a regular file (never a
    FIFO, which would block, nor a symbolic link) with the size and digest the build's record of its files gives
    it (:func:`record_written`)."""

    def __init__(self, folder: Path, fd: int, manifest: dict[str, Any]) -> None:
        self.folder = folder
        """The folder it was opened as."""
        self._fd = fd
        self.manifest = manifest
        """The earlier build's ``manifest.json``."""
        self._written: dict[str, list[Any]] = {}
        """Each file's size and digest as the build wrote it (:func:`record_written`)."""
        self._closing = weakref.finalize(self, os.close, fd)

    @classmethod
    def open(cls, folder: Path) -> Earlier | None:
        """The build in ``folder``, or None when there is none that can be read as it was written (no folder, no
        record of how it was written, a manifest not as written or not a JSON object)."""
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return None
        earlier = cls(folder, fd, {})
        data = earlier._bytes(WRITTEN_FILE, None)
        try:
            record = json.loads(data) if data is not None else None
        except (ValueError, RecursionError):
            record = None
        files = record.get("files") if isinstance(record, dict) and record.get("format") == FORMAT else None
        if isinstance(files, dict):
            earlier._written = {str(name): how for name, how in files.items()
                                if isinstance(how, list) and len(how) == 2 and type(how[0]) is int
                                and isinstance(how[1], str)}
        data = earlier.read("manifest.json")
        try:
            manifest = json.loads(data) if data is not None else None
        except (ValueError, RecursionError):
            manifest = None
        if not isinstance(manifest, dict):
            earlier.close()
            return None
        earlier.manifest = manifest
        return earlier

    def path(self) -> Path | None:
        """A path that reaches the folder held open, through ``/proc/self/fd`` (a build swapped in meanwhile is
        not reached by it); None where the system has no such path, or once :meth:`close` d."""
        if not self._closing.alive:
            return None
        held = Path(f"/proc/self/fd/{self._fd}")
        return held if held.is_dir() else None

    def still_at(self) -> bool:
        """Whether the folder held open is still the one at :attr:`folder` (no other build swapped into its place
        since it was opened)."""
        if not self._closing.alive:
            return False
        try:
            here, held = os.stat(self.folder), os.fstat(self._fd)
        except OSError:
            return False
        return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)

    def read(self, name: str) -> bytes | None:
        """The bytes of the build's file ``name`` as the build wrote it (the size and digest its record gives it:
        :func:`record_written`), or None when it is not recorded, cannot be read, or changed since."""
        how = self._written.get(name)
        data = None if how is None else self._bytes(name, how[0])
        return data if data is not None and written(data) == how else None

    def matches(self, name: str) -> bool:
        """Whether the build's file ``name`` is still as the build wrote it (the size and digest its record gives
        it), read a piece at a time rather than whole (for a file read otherwise, such as ``dataset.trig``)."""
        how = self._written.get(name)
        opened = None if how is None else self._opened(name, how[0])
        if opened is None:
            return False
        digest, size = hashlib.sha256(), 0
        with opened as f:
            try:
                while chunk := f.read(2**24):
                    digest.update(chunk)
                    size += len(chunk)
            except OSError:
                return False
        return [size, digest.hexdigest()] == how

    def _opened(self, name: str, size: int | None) -> Any:
        """``name`` opened for reading (a binary file object) when it is a regular file of ``size`` bytes (None:
        the record, of at most :data:`_WRITTEN_LIMIT`); else None (also for a folder, a FIFO or a symbolic link of
        that name, which are never read)."""
        if not self._closing.alive:
            return None
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW, dir_fd=self._fd)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > (_WRITTEN_LIMIT if size is None else size) or \
                    (size is not None and info.st_size != size):
                os.close(fd)
                return None
            return os.fdopen(fd, "rb")
        except OSError:
            os.close(fd)
            return None

    def _bytes(self, name: str, size: int | None) -> bytes | None:
        """``name``'s bytes when it is a regular file of ``size`` bytes (None: the record, of at most
        :data:`_WRITTEN_LIMIT`)."""
        opened = self._opened(name, size)
        if opened is None:
            return None
        with opened as f:
            try:
                data = f.read()
            except OSError:
                return None
        return data if size is None or len(data) == size else None

    def close(self) -> None:
        """Let go of the folder (also done when this object is let go of)."""
        self._closing()


__all__ = ["FORMAT", "MANIFEST_KEY", "WRITTEN_FILE", "Earlier", "added_since", "code_digest", "inputs",
           "made_alike", "record_written", "written"]
